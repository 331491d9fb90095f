"""Full-text search of a team log with PostgreSQL's own: ``search_index`` holds one row per text of each event
(statement, quote, note, reason) with its ``tsvector`` (a generated column, English stemming) under a GIN index,
filled by the append's own transaction and by a rebuild with the same SQL.

The query language is the one ``factlog search`` documents (FTS5's): words, "phrases", OR, NOT, prefix*. It is
parsed here and composed of ``phraseto_tsquery``/``to_tsquery`` calls whose text is a parameter, so no input is
ever spliced into SQL or into tsquery syntax. The result rows have the keys of the SQLite search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import psycopg

from ...errors import InvalidInput

FIELDS = ("statement", "quote", "note", "reason")
CONFIG = "english"
SNIPPET_WORDS = 16
KEYS = ("seq", "event_id", "type", "fact", "source", "field", "text", "snippet", "fact_status")

FILL_SQL = """
INSERT INTO search_index (log, seq, event_id, field, text, fact, source, type)
SELECT e.log, e.seq, e.id, f.key, f.value #>> '{}', e.fact, e.source, e.type
FROM events AS e, jsonb_each(e.data::jsonb) AS f
WHERE e.log = %s AND e.seq BETWEEN %s AND %s AND f.key = ANY(%s)
  AND jsonb_typeof(f.value) = 'string' AND f.value #>> '{}' <> ''
"""


def index_events(conn: psycopg.Connection, log: str, first: int, last: int) -> None:
    """Index the texts of the log's events ``first`` to ``last``, inside the append's transaction."""
    conn.execute(FILL_SQL, (log, first, last, list(FIELDS)))


def rebuild_index(conn: psycopg.Connection, log: str, last: int) -> None:
    conn.execute("DELETE FROM search_index WHERE log = %s", (log,))
    if last:
        index_events(conn, log, 1, last)


# A quoted phrase ("" inside is a quote), or a run of anything else but white space and quotes.
TOKEN = re.compile(r'"((?:[^"]|"")*)"|([^\s"]+)|(")')


def compose(query: str) -> tuple[str, list[str]]:
    """A tsquery expression (SQL text made of fixed parts) and its parameters for an FTS5-style query.

    Precedence as in FTS5: NOT binds tightest (``a NOT b`` is a and not b), then AND (also implied between
    terms), then OR."""
    groups: list[list[str]] = [[]]
    params: list[str] = []
    negate = False
    for match in TOKEN.finditer(query):
        phrase, word, stray = match.groups()
        if stray is not None:
            raise InvalidInput(f"cannot search for {query!r}: unbalanced quote", code="search-syntax")
        if word in ("OR", "AND", "NOT"):
            if not groups[-1] or negate:
                raise InvalidInput(f"cannot search for {query!r}: {word} needs a term before it",
                                   code="search-syntax")
            if word == "OR":
                groups.append([])
            negate = word == "NOT"
            continue
        if word is not None and word.endswith("*") and word.strip("*"):
            term = "to_tsquery(%s, %s)"
            params += [CONFIG, "'" + word.rstrip("*").replace("\\", "\\\\").replace("'", "''") + "':*"]
        else:
            term = "phraseto_tsquery(%s, %s)"
            params += [CONFIG, (phrase.replace('""', '"') if phrase is not None else word) or ""]
        groups[-1].append(f"!!{term}" if negate else term)
        negate = False
    if negate or not groups[-1]:
        raise InvalidInput(f"cannot search for {query!r}: the query ends without a term", code="search-syntax")
    return " || ".join("(" + " && ".join(group) + ")" for group in groups), params


def search(conn: psycopg.Connection, log: str, query: str, limit: int | None, marks: tuple[str, str]
           ) -> Iterator[dict[str, Any]]:
    """The best matches, best first; in each ``snippet`` the matched words are wrapped in ``marks``."""
    if not query.strip():
        raise InvalidInput("give some words to search for")
    expression, params = compose(query)
    if any('"' in mark for mark in marks):
        raise InvalidInput("search marks cannot hold a double quote")
    options = (f'StartSel="{marks[0]}", StopSel="{marks[1]}", MaxWords={SNIPPET_WORDS}, MinWords=8,'
               ' ShortWord=0, FragmentDelimiter=" … "')
    sql = (
        f"WITH q AS (SELECT {expression} AS q)"
        " SELECT s.seq, s.event_id, s.type, s.fact, s.source, s.field, s.text,"
        "  ts_headline(%s, s.text, q.q, %s), b.status"
        " FROM q, search_index AS s LEFT JOIN beliefs AS b ON b.log = s.log AND b.fact = s.fact"
        " WHERE s.log = %s AND s.tsv @@ q.q ORDER BY ts_rank(s.tsv, q.q) DESC, s.seq, s.field LIMIT %s"
    )
    count = None if limit is None else min(limit, 2**63 - 1)
    found = conn.execute(sql, (*params, CONFIG, options, log, count)).fetchall()
    for row in found:
        yield dict(zip(KEYS, row))


def quote_query(text: str) -> str:
    """Each word as a phrase, so punctuation (``Tochka-U``, ``OTR-21``) is searched as written."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split())

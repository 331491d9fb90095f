"""Full-text search over what was said: fact statements, quotes, notes and retraction reasons (SQLite FTS5).

``search_index`` holds one row per text of each event. It is an index of the log, kept in step with it by the
append transaction itself (``index_event``), filled from the stored events by the same SQL when the log is
migrated or rebuilt, so the three paths cannot disagree. Imports nothing beyond the standard library: it runs
on the write path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from ...errors import InvalidInput

TABLE = "search_index"
FIELDS = ("statement", "quote", "note", "reason")
SNIPPET_TOKENS = 16

CREATE_SQL = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(
  text, field UNINDEXED, fact UNINDEXED, source UNINDEXED, type UNINDEXED, event_id UNINDEXED, seq UNINDEXED,
  tokenize = 'porter unicode61 remove_diacritics 2', columnsize = 0
)"""

# columnsize=0 (m013): no %_docsize table, whose row per text cost every append a page of its commit; bm25
# ranking then counts a matched text's tokens itself (the texts are short: the same results; searches of common
# words over 100,000 events about a tenth slower).

# The texts of the events chosen by ``where``: straight from the stored JSON, the same for append and rebuild.
FILL_SQL = f"""
INSERT INTO {TABLE} (text, field, fact, source, type, event_id, seq)
SELECT f.value, f.key, e.fact, e.source, e.type, e.id, e.seq
FROM events AS e, json_each(e.data) AS f
WHERE f.key IN ({", ".join(f"'{name}'" for name in FIELDS)}) AND f.type = 'text' AND f.value <> ''
"""


def create_index(conn: sqlite3.Connection) -> None:
    """Create the index and fill it from every event in the log (migration)."""
    conn.execute(CREATE_SQL)
    conn.execute(FILL_SQL)
    optimize_index(conn)


def rebuild_index(conn: sqlite3.Connection) -> None:
    """Drop the index and fill it afresh from the log (``factlog rebuild``)."""
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    create_index(conn)


def optimize_index(conn: sqlite3.Connection) -> None:
    """Merge the index into one segment. After a bulk fill, FTS5's automatic merging otherwise works through
    the fill's segments a little at each later append: in a million-event log an append then spent 290 us in
    the index instead of 45, for thousands of appends."""
    conn.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES('optimize')")


def index_event(conn: sqlite3.Connection, seq: int, last: int | None = None) -> None:
    """Index the texts of the event just appended at ``seq`` (or of all from ``seq`` to ``last``), inside the
    append's own transaction. One statement for a whole import costs a fifth of one per event."""
    conn.execute(FILL_SQL + " AND e.seq BETWEEN ? AND ?", (seq, seq if last is None else last))


INSERT_SQL = f"INSERT INTO {TABLE} (text, field, fact, source, type, event_id, seq) VALUES (?,?,?,?,?,?,?)"


def index_row(conn: sqlite3.Connection, row: tuple) -> None:
    """Index the texts of the one event just appended, from its events row (``EVENT_COLUMNS`` then fact, source,
    target), inside the append's own transaction: the rows ``FILL_SQL`` would make (the payload's top-level
    ``FIELDS`` that are non-empty strings, in the payload's order), as plain VALUES. Through ``json_each`` the
    same rows cost an append five times as much."""
    import json

    seq, event_id, event_type, data_text, fact, source = row[0], row[1], row[2], row[7], row[10], row[11]
    data = json.loads(data_text)
    texts = [(value, key, fact, source, event_type, event_id, seq) for key, value in data.items()
             if key in FIELDS and isinstance(value, str) and value != ""]
    try:
        conn.executemany(INSERT_SQL, texts)
    except UnicodeEncodeError:  # a lone surrogate the JSON escaped: let SQLite's own reading decide, as FILL_SQL does
        index_event(conn, seq)


def search(conn: sqlite3.Connection, text: str, limit: int | None = 20,
           marks: tuple[str, str] = ("**", "**"), as_written: bool = False) -> Iterator[dict[str, Any]]:
    """The best matches of ``text``, best first: an FTS5 query (words, "phrases", OR, NOT, prefix*), or with
    ``as_written`` words that must all match, punctuation and all. In each ``snippet`` the matched words are
    wrapped in ``marks``."""
    if not text.strip():
        raise InvalidInput("give some words to search for")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes from the command line that are not UTF-8 (kept by Python as surrogates)
        raise InvalidInput(f"cannot search for {text!r}: it is not valid UTF-8 text") from None
    query = quote_query(text) if as_written else text
    sql = (
        f"SELECT s.seq, s.event_id, s.type, s.fact, s.source, s.field, s.text,"
        f" snippet({TABLE}, 0, ?, ?, '…', ?), b.status"
        f" FROM {TABLE} AS s LEFT JOIN beliefs AS b ON b.fact = s.fact"
        f" WHERE {TABLE} MATCH ? ORDER BY s.rank, s.seq LIMIT ?"
    )
    try:
        count = -1 if limit is None else min(limit, 2**63 - 1)  # a larger limit means all; SQLite cannot hold it
        found = conn.execute(sql, (*marks, SNIPPET_TOKENS, query, count)).fetchall()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise
        raise InvalidInput(f"cannot search for {text!r}: {exc} (FTS5 query syntax)",
                           code="search-syntax") from None
    keys = ("seq", "event_id", "type", "fact", "source", "field", "text", "snippet", "fact_status")
    for row in found:
        yield dict(zip(keys, row))


def quote_query(text: str) -> str:
    """Each word as an FTS5 string, so punctuation (``Tochka-U``, ``OTR-21``) is searched as written."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split())

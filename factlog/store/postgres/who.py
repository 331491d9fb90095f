"""Who is who in a team log: the registrations and amendments of sources and parties, and the rows they leave in
the ``sources`` and ``parties`` tables (issue 12's corrections, on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import psycopg

from ...clock import Clock
from . import queries

SOURCE_EVENTS = ("source-registered", "source-amended")
PARTY_EVENTS = ("party-registered", "party-amended")
WHO_CHANGES = ("source-amended", "party-registered", "party-amended")

REPLACE = {
    "sources": ("INSERT INTO sources (log, id, name, kind, party, reliability, url, seq) VALUES"
                " (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (log, id) DO UPDATE SET name = excluded.name,"
                " kind = excluded.kind, party = excluded.party, reliability = excluded.reliability,"
                " url = excluded.url, seq = excluded.seq"),
    "facts": ("INSERT INTO facts (log, id, statement, parties, tags, occurred_at, opened_seq) VALUES"
              " (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (log, id) DO UPDATE SET statement = excluded.statement,"
              " parties = excluded.parties, tags = excluded.tags, occurred_at = excluded.occurred_at,"
              " opened_seq = excluded.opened_seq"),
    "parties": ("INSERT INTO parties (log, id, name, kind, seq) VALUES (%s,%s,%s,%s,%s) ON CONFLICT (log, id)"
                " DO UPDATE SET name = excluded.name, kind = excluded.kind, seq = excluded.seq"),
}


def who_rows(conn: psycopg.Connection, log: str, types: tuple[str, ...], sources: Iterable[str] | None,
             clock: Clock) -> Iterator[tuple]:
    """Registrations and amendments of sources or parties (``types``), of ``sources`` only when given, in the
    view of transaction time ``clock`` names, in seq order."""
    where, params = queries.event_filter(log, Clock(clock.as_of, clock.at_seq))
    where += " AND fact IS NULL AND type = ANY(%s)"
    params.append(list(types))
    if sources is not None:
        where += " AND source = ANY(%s)"
        params.append(sorted(sources))
    return queries.event_rows(conn, where, params)


def last_change(conn: psycopg.Connection, log: str) -> int:
    """The seq of the last amendment of a source or registration or amendment of a party, 0 if none."""
    row = conn.execute("SELECT max(seq) FROM events WHERE log = %s AND fact IS NULL AND type = ANY(%s)",
                       (log, list(WHO_CHANGES))).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def facts_spoken_by(conn: psycopg.Connection, log: str, source: str) -> list[str]:
    rows = conn.execute("SELECT DISTINCT fact FROM events WHERE log = %s AND source = %s AND fact IS NOT NULL",
                        (log, source))
    return [row[0] for row in rows]


def replace_rows(conn: psycopg.Connection, log: str, table: str, rows: list[tuple]) -> None:
    """Insert or replace rows of ``sources``, ``facts`` or ``parties`` (column order as ``store.rows`` gives)."""
    with conn.cursor() as cursor:
        cursor.executemany(REPLACE[table], [(log, *row) for row in rows])

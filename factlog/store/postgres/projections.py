"""Writing the projection tables of a team log (each row carries its log): registrations, beliefs and stances,
and the rows of a rebuild."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import psycopg

from ... import beliefs as bl
from ... import events as ev
from ..rows import fact_row, opened_fact_row, source_row

INSERT_SOURCE = "INSERT INTO sources (log, id, name, kind, party, reliability, url, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)"
INSERT_FACT = ("INSERT INTO facts (log, id, statement, parties, tags, occurred_at, opened_seq)"
               " VALUES (%s,%s,%s,%s,%s,%s,%s)")
BELIEF_COLUMNS = ("fact, statement, status, label, parties, sources, updated_seq, statement_count, standing_count,"
                  " withdrawn_count, verdict, independent_assertions, chains")
INSERT_BELIEF = f"INSERT INTO beliefs (log, {BELIEF_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
UPSERT_BELIEF = INSERT_BELIEF + (
    " ON CONFLICT (log, fact) DO UPDATE SET statement = excluded.statement, status = excluded.status,"
    " label = excluded.label, parties = excluded.parties, sources = excluded.sources,"
    " updated_seq = excluded.updated_seq, statement_count = excluded.statement_count,"
    " standing_count = excluded.standing_count, withdrawn_count = excluded.withdrawn_count,"
    " verdict = excluded.verdict, independent_assertions = excluded.independent_assertions,"
    " chains = excluded.chains"
)
STANCE_COLUMNS = "fact, source, stance, type, event_id, observed_at, quote, url"
INSERT_STANCE = f"INSERT INTO stances (log, {STANCE_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)"
UPSERT_STANCE = INSERT_STANCE + (
    " ON CONFLICT (log, fact, source) DO UPDATE SET stance = excluded.stance, type = excluded.type,"
    " event_id = excluded.event_id, observed_at = excluded.observed_at, quote = excluded.quote, url = excluded.url"
)
PROJECTION_BATCH = 1000  # facts per batch in a rebuild


def project_registration(conn: psycopg.Connection, log: str, event: ev.Event, seq: int) -> None:
    if isinstance(event, ev.SourceRegistered):
        conn.execute(INSERT_SOURCE, (log, *source_row(event, seq)))
    elif isinstance(event, ev.FactOpened):
        conn.execute(INSERT_FACT, (log, *opened_fact_row(event, seq)))
    elif isinstance(event, ev.FactReworded):
        conn.execute("UPDATE facts SET statement = %s WHERE log = %s AND id = %s", (event.statement, log, event.fact))


STORED_STANCES = f"SELECT {STANCE_COLUMNS} FROM stances WHERE log = %s AND fact = ANY(%s)"


def write_beliefs(conn: psycopg.Connection, log: str, belief_rows: list[tuple], stance_rows: list[list[tuple]],
                  stored_stances: list[tuple] | None = None) -> None:
    """Upsert the beliefs and rewrite only the stance rows that changed (an append changes one source's at most).
    ``stored_stances``: the facts' stance rows as stored, when the caller already fetched them."""
    with conn.cursor() as cur:
        if stored_stances is None:
            stored_stances = conn.execute(STORED_STANCES, (log, [row[0] for row in belief_rows])).fetchall()
        cur.executemany(UPSERT_BELIEF, [(log, *row) for row in belief_rows])
        stored_rows = _by_fact(stored_stances)
        gone, wanted = [], []
        for belief, rows_of in zip(belief_rows, stance_rows):
            stored = stored_rows.get(belief[0], {})
            rows = {row[1]: row for row in rows_of}
            gone += [(log, belief[0], source) for source in stored.keys() - rows.keys()]
            wanted += [(log, *row) for source, row in rows.items() if stored.get(source) != row]
        if gone:
            cur.executemany("DELETE FROM stances WHERE log = %s AND fact = %s AND source = %s", gone)
        if wanted:
            cur.executemany(UPSERT_STANCE, wanted)


def _by_fact(rows: list[tuple]) -> dict[str, dict[str, tuple]]:
    by_fact: dict[str, dict[str, tuple]] = {}
    for row in rows:
        by_fact.setdefault(row[0], {})[row[1]] = tuple(row)
    return by_fact


def fill(conn: psycopg.Connection, log: str, projected: Iterator[tuple[bl.FactState, tuple, list[tuple]]]) -> int:
    """Write each fact's row, belief and stances into the log's emptied projection tables, in batches (COPY).
    Returns the number of facts."""
    facts: list[tuple] = []
    beliefs: list[tuple] = []
    stances: list[tuple] = []
    count = 0
    for state, belief, stance_rows in projected:
        facts.append((log, *fact_row(state)))
        beliefs.append((log, *belief))
        stances.extend((log, *row) for row in stance_rows)
        count += 1
        if len(facts) >= PROJECTION_BATCH:
            _copy_rows(conn, facts, beliefs, stances)
            facts, beliefs, stances = [], [], []
    _copy_rows(conn, facts, beliefs, stances)
    return count


def _copy_rows(conn: psycopg.Connection, facts: list[tuple], beliefs: list[tuple], stances: list[tuple]) -> None:
    copy_rows(conn, "facts (log, id, statement, parties, tags, occurred_at, opened_seq)", facts)
    copy_rows(conn, f"beliefs (log, {BELIEF_COLUMNS})", beliefs)
    copy_rows(conn, f"stances (log, {STANCE_COLUMNS})", stances)


def copy_rows(conn: psycopg.Connection, table: str, rows: Iterable[tuple]) -> None:
    """COPY rows into ``table`` (a fixed name and column list from this package)."""
    with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def mark_projected(conn: psycopg.Connection, log: str, last_seq: int) -> None:
    conn.execute(
        "INSERT INTO projection_state (log, name, last_seq) VALUES (%s, 'beliefs', %s)"
        " ON CONFLICT (log, name) DO UPDATE SET last_seq = excluded.last_seq", (log, last_seq)
    )

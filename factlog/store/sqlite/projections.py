"""Writing the projection tables of a SQLite log: registrations, beliefs and stances, and a rebuild of all of
them from the events."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from ... import beliefs as bl
from ... import events as ev
from ..rows import fact_row, opened_fact_row, source_row

INSERT_SOURCE = "INSERT INTO sources (id, name, kind, party, reliability, url, seq) VALUES (?,?,?,?,?,?,?)"
INSERT_FACT = "INSERT INTO facts (id, statement, parties, tags, occurred_at, opened_seq) VALUES (?,?,?,?,?,?)"
BELIEF_COLUMNS = ("fact, statement, status, label, parties, sources, updated_seq, statement_count, standing_count,"
                  " withdrawn_count, verdict, independent_assertions, chains")
INSERT_BELIEF = f"INSERT INTO beliefs ({BELIEF_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
UPSERT_BELIEF = INSERT_BELIEF + (
    " ON CONFLICT (fact) DO UPDATE SET statement = excluded.statement, status = excluded.status,"
    " label = excluded.label, parties = excluded.parties, sources = excluded.sources,"
    " updated_seq = excluded.updated_seq, statement_count = excluded.statement_count,"
    " standing_count = excluded.standing_count, withdrawn_count = excluded.withdrawn_count,"
    " verdict = excluded.verdict, independent_assertions = excluded.independent_assertions,"
    " chains = excluded.chains"
)
INSERT_STANCE = ("INSERT INTO stances (fact, source, stance, type, event_id, observed_at, quote, url)"
                 " VALUES (?,?,?,?,?,?,?,?)")
UPSERT_STANCE = INSERT_STANCE + (
    " ON CONFLICT (fact, source) DO UPDATE SET stance = excluded.stance, type = excluded.type,"
    " event_id = excluded.event_id, observed_at = excluded.observed_at, quote = excluded.quote, url = excluded.url"
)
# The projection rows an amendment or a rebuild writes whole (``rows.source_info_row``, ``fact_row``, ``party_row``).
REPLACE = {
    "sources": INSERT_SOURCE.replace("INSERT", "INSERT OR REPLACE", 1),
    "facts": INSERT_FACT.replace("INSERT", "INSERT OR REPLACE", 1),
    "parties": "INSERT OR REPLACE INTO parties (id, name, kind, seq) VALUES (?,?,?,?)",
}
PROJECTION_BATCH = 1000  # facts per executemany in a rebuild: enough to amortise it, few enough for memory


def project_registration(conn: sqlite3.Connection, event: ev.Event, seq: int) -> None:
    if isinstance(event, ev.SourceRegistered):
        conn.execute(INSERT_SOURCE, source_row(event, seq))
    elif isinstance(event, ev.FactOpened):
        conn.execute(INSERT_FACT, opened_fact_row(event, seq))
    elif isinstance(event, ev.FactReworded):
        conn.execute("UPDATE facts SET statement = ? WHERE id = ?", (event.statement, event.fact))


def write_beliefs(conn: sqlite3.Connection, beliefs: list[bl.Belief], belief_rows: list[tuple],
                  stance_rows: list[list[tuple]]) -> None:
    """Upsert the beliefs and rewrite only the stance rows that changed.

    An append changes one source's stance at most; deleting and re-inserting all of a fact's stances wrote
    a page of the ``source`` index for every source of the fact, and most of an append's commit was that.
    """
    conn.executemany(UPSERT_BELIEF, belief_rows)
    gone, wanted = [], []
    stored_rows = _stored_stances(conn, [belief.fact for belief in beliefs])
    for belief, rows_of in zip(beliefs, stance_rows):
        stored = stored_rows.get(belief.fact, {})
        rows = {row[1]: row for row in rows_of}
        gone += [(belief.fact, source) for source in stored.keys() - rows.keys()]
        wanted += [row for source, row in rows.items() if stored.get(source) != row]
    conn.executemany("DELETE FROM stances WHERE fact = ? AND source = ?", gone)
    conn.executemany(UPSERT_STANCE, wanted)


def _stored_stances(conn: sqlite3.Connection, facts: list[str]) -> dict[str, dict[str, tuple]]:
    """The stored stance rows of these facts, by fact and source (one query for a whole batch; for the one fact
    of an append, a plain lookup: the JSON list cost it twice as much)."""
    columns = "SELECT fact, source, stance, type, event_id, observed_at, quote, url FROM stances"
    if len(facts) == 1:
        rows = conn.execute(columns + " WHERE fact = ?", (facts[0],))
    else:
        rows = conn.execute(columns + " WHERE fact IN (SELECT value FROM json_each(?))", (json.dumps(facts),))
    by_fact: dict[str, dict[str, tuple]] = {}
    for row in rows:
        by_fact.setdefault(row[0], {})[row[1]] = row
    return by_fact


def fill(conn: sqlite3.Connection, projected: Iterator[tuple[bl.FactState, tuple, list[tuple]]]) -> int:
    """Write each fact's row, belief and stances into the empty projection tables, a batch of facts per
    ``executemany``. Returns the number of facts."""
    facts: list[tuple] = []
    beliefs: list[tuple] = []
    stances: list[tuple] = []
    count = 0
    for state, belief, stance_rows in projected:
        facts.append(fact_row(state))
        beliefs.append(belief)
        stances.extend(stance_rows)
        count += 1
        if len(facts) >= PROJECTION_BATCH:
            _insert_rows(conn, facts, beliefs, stances)
            facts, beliefs, stances = [], [], []
    _insert_rows(conn, facts, beliefs, stances)
    return count


def _insert_rows(conn: sqlite3.Connection, facts: list[tuple], beliefs: list[tuple], stances: list[tuple]) -> None:
    conn.executemany(INSERT_FACT, facts)
    conn.executemany(INSERT_BELIEF, beliefs)
    conn.executemany(INSERT_STANCE, stances)


# ``projection_state``'s watermark: a seq, or NULL for "in step with the log". Every transaction that appends
# writes the projections of its events before it commits, so once they are whole they stay in step; only a
# migration that drops them leaves them behind (no row: 0), until they are refilled on open. Writing the
# appended seq at every append cost each commit a page (of ~20) for a number the log already holds (m013).
IN_STEP = ("INSERT INTO projection_state (name, last_seq) VALUES ('beliefs', NULL)"
           " ON CONFLICT (name) DO UPDATE SET last_seq = NULL WHERE last_seq IS NOT NULL")


def mark_projected(conn: sqlite3.Connection, last_seq: int) -> None:
    """The projections hold every event up to ``last_seq``, the log's last: they are in step with the log (a
    no-op, and no page written, when they already were)."""
    conn.execute(IN_STEP)


def projected_up_to(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT last_seq FROM projection_state WHERE name = 'beliefs'").fetchone()
    if row is None:
        return 0
    if row[0] is None:  # in step
        return conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
    return row[0]

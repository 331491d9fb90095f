"""The team log: one log of a PostgreSQL database. Implements ``LogStore``'s primitives in PostgreSQL's SQL; the
append loop, the domain checks and the fold are shared (``store.base``).

Appends to one log serialise on a transaction-scoped advisory lock keyed by the log (gapless seq, one chain);
logs of one database never wait for each other. The server enforces what matters even against a client that is
not factlog: triggers refuse UPDATE, DELETE and TRUNCATE of events and any event that does not follow the chain,
and an event whose ``recorded_by`` is not the role that appends it (so the client records as its role, and the
hash covers the name the server vouches for).
"""

from __future__ import annotations

import datetime as dt

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from ... import beliefs as bl
from ... import events as ev
from ...clock import NOW, Clock
from ...errors import FactlogError, IntegrityError, LogUnavailable
from ...filters import EventFilter
from ..base import LogStore
from ..chain import GENESIS, ChainRow
from ..pending import Pending
from ..rows import (
    BELIEF_KEYS, SOURCE_KEYS, belief_dict, belief_row, fact_dict, party_row, source_info_row, stance_rows,
)
from . import projections, queries, schema, search, who
from .connection import connect, shown, split_url
from .errors import connect_message

IDS_IN_MEMORY = 1_000_000  # ~100 MB of ids at most, for the length of one import
CONTENT_SQL = ("SELECT seq, type, version, recorded_at, observed_at, recorded_by, data FROM events"
               " WHERE log = %s AND id = %s")


class PostgresStore(LogStore):
    """One log of a team database."""

    def __init__(self, location: str, conn: psycopg.Connection, log: str):
        super().__init__(shown(location))  # what messages and ``init`` print: never the password
        self.conn = conn
        self.log = log
        self.where = self.location
        # the second key of the log's advisory lock: a stable number from its name (0 is the schema's)
        self._lock_key = int.from_bytes(hashlib.sha256(log.encode()).digest()[:4], "big", signed=True) or 1
        self._role: str | None = None
        self._first_id: str | None = None  # the first event of the append under way, until ``last`` asks for it
        self._early: dict[tuple[str, str], Any] = {}  # answers fetched with another query's round trip
        self._ids: set[str] | None = None  # every id of the log, during a bulk append (begin_bulk)

    # --- opening -------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, create: bool = False) -> PostgresStore:
        """Open the log the URL names; with ``create``, create the schema and the log if missing."""
        dsn, log = split_url(url)
        conn = connect(dsn)
        store = cls(url, conn, log)
        try:
            store._prepare(create)
        except psycopg.Error as exc:
            conn.close()
            raise LogUnavailable(connect_message(store.where, exc) if isinstance(exc, psycopg.OperationalError)
                                 else _open_failure(store.where, exc)) from None
        except FactlogError:
            conn.close()
            raise
        return store

    def _prepare(self, create: bool) -> None:
        if not schema.installed(self.conn):
            if not create:
                raise LogUnavailable(f"no log at {self.where}: the database holds no factlog schema yet",
                                     code="no-log")
            schema.migrate(self.conn, self.where)
        elif schema.pending(self.conn, self.where):
            schema.migrate(self.conn, self.where)
        if self.conn.execute("SELECT 1 FROM logs WHERE name = %s", (self.log,)).fetchone() is None:
            if not create:
                raise LogUnavailable(f"no log at {self.where}: the database holds no log {self.log!r}",
                                     code="no-log")
            self.conn.execute("INSERT INTO logs (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", (self.log,))

    def close(self) -> None:
        self.conn.close()

    def recorder(self) -> str | None:
        """The role this connection appends as: the only ``recorded_by`` the server accepts from it."""
        if self._role is None:
            row = self.conn.execute("SELECT session_user").fetchone()
            self._role = str(row[0]) if row else ""
        return self._role

    def analyst_grants(self, role: str, apply: bool = False) -> list[str]:
        from .grants import analyst_grants

        return analyst_grants(self.conn, role, apply)

    # --- transactions --------------------------------------------------------------------------------------

    def _in_transaction(self) -> bool:
        return self.conn.info.transaction_status != TransactionStatus.IDLE

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction holding the log's head: the advisory lock waits for any other appender."""
        with self._write(pipelined=True):
            yield

    @contextmanager
    def _write(self, pipelined: bool) -> Iterator[None]:
        """The write transaction; ``pipelined``, its statements go out in psycopg's pipeline mode: those whose
        results nobody reads (the INSERTs and upserts of an append) travel together with the next query or the
        COMMIT instead of one round trip each, which halves an append's round trips. COPY cannot run in a
        pipeline: a rebuild writes without one."""
        try:
            with self.conn.pipeline() if pipelined else nullcontext():
                self.conn.execute("BEGIN")
                self.conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (schema.LOCK_SPACE, self._lock_key))
                self.check_guards()  # a writer must not add to a log that no longer protects what it holds
                yield
                self.conn.execute("COMMIT")
        except BaseException:
            self.forget()
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.conn.closed or self.conn.broken or not self._in_transaction():
            return  # the server rolls back a transaction whose connection is gone
        try:
            self.conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the connection failed as we rolled back: the server rolled back for us

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every query inside sees the same state, whatever writers do meanwhile."""
        if self._in_transaction():
            yield
            return
        self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield
        finally:
            if self._in_transaction() and not self.conn.broken:
                self.conn.execute("COMMIT")

    # --- the append primitives -----------------------------------------------------------------------------

    # An append's round trips are most of its time. In the pipeline, a query sent just before another whose
    # result is read costs no round trip of its own: so ``last`` also asks whether the first event is known, and
    # ``stored_updated_seq`` fetches the fact's stance rows, which ``write_belief_rows`` needs next. ``_early``
    # holds those answers until their one use; a rollback forgets them.

    def append_each(self, pendings: Iterable[Pending], each: Callable[[ev.Event, bool], None],
                    merge: bool = False) -> None:
        iterator = iter(pendings)
        first = next(iterator, None)
        self._first_id = None if first is None else first.event.id
        try:
            super().append_each(iterator if first is None else itertools.chain((first,), iterator), each, merge)
        finally:
            self._first_id = None
            self._early.clear()
            self._ids = None

    def forget(self) -> None:
        super().forget()
        self._early.clear()
        self._ids = None

    def begin_bulk(self) -> None:
        """A long append (an import): read the log's ids once, so that each new event's lookup is a set lookup
        instead of a round trip (the write lock keeps other writers out until the commit). A log too large to
        hold its ids in memory keeps the lookups."""
        if self.count() <= IDS_IN_MEMORY:
            rows = self.conn.execute("SELECT id FROM events WHERE log = %s", (self.log,)).fetchall()
            self._ids = {row[0] for row in rows}

    def last(self) -> tuple[int, str]:
        first, known = self._first_id, None
        if first is not None:
            known = self.conn.execute(CONTENT_SQL, (self.log, first))  # read below: same round trip
        row = self.conn.execute("SELECT seq, hash FROM events WHERE log = %s ORDER BY seq DESC LIMIT 1",
                                (self.log,)).fetchone()
        if first is not None and known is not None:
            self._early[("content", first)] = known.fetchone()
            self._first_id = None
        return (row[0], row[1]) if row else (0, GENESIS)

    def content_by_id(self, event_id: str) -> tuple | None:
        key = ("content", event_id)
        if key in self._early:
            return self._early.pop(key)
        if self._ids is not None and event_id not in self._ids:
            return None
        return self.conn.execute(CONTENT_SQL, (self.log, event_id)).fetchone()

    def exists(self, table: str, key: str) -> bool:
        sql = {"sources": "SELECT 1 FROM sources WHERE log = %s AND id = %s",
               "facts": "SELECT 1 FROM facts WHERE log = %s AND id = %s",
               "parties": "SELECT 1 FROM parties WHERE log = %s AND id = %s"}[table]
        return self.conn.execute(sql, (self.log, key)).fetchone() is not None

    def statement_of(self, event_id: str) -> tuple[str, str | None, str | None, str] | None:
        return self.conn.execute("SELECT type, fact, source, observed_at FROM events WHERE log = %s AND id = %s",
                                 (self.log, event_id)).fetchone()

    def targeting(self, event_id: str) -> list[tuple[str, str]]:
        rows = self.conn.execute("SELECT id, type FROM events WHERE log = %s AND target = %s ORDER BY seq",
                                 (self.log, event_id)).fetchall()
        return [(row[0], row[1]) for row in rows]

    def insert_event(self, row: tuple) -> None:
        if self._ids is not None:
            self._ids.add(row[1])
        self.conn.execute(
            f"INSERT INTO events (log, {queries.EVENT_COLUMNS}, fact, source, target)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", (self.log, *row))

    def project_registration(self, event: ev.Event, seq: int) -> None:
        projections.project_registration(self.conn, self.log, event, seq)

    def stored_updated_seq(self, fact: str) -> int | None:
        stances = self.conn.execute(projections.STORED_STANCES, (self.log, [fact]))  # read below: same round trip
        row = self.conn.execute("SELECT updated_seq FROM beliefs WHERE log = %s AND fact = %s",
                                (self.log, fact)).fetchone()
        self._early[("stances", fact)] = stances.fetchall()
        return None if row is None else row[0]

    def write_belief_rows(self, beliefs: list[bl.Belief]) -> None:
        early = [self._early.pop(("stances", b.fact), None) for b in beliefs]  # each is used once, or dropped
        stored = None if any(rows is None for rows in early) else [row for rows in early for row in rows or ()]
        projections.write_beliefs(self.conn, self.log, [belief_row(b) for b in beliefs],
                                  [stance_rows(b) for b in beliefs], stored)

    def registration_rows(self, sources: Iterable[str] | None = None, clock: Clock = NOW) -> Iterator[tuple]:
        return who.who_rows(self.conn, self.log, who.SOURCE_EVENTS, sources, clock)

    def party_rows(self, clock: Clock = NOW) -> Iterator[tuple]:
        return who.who_rows(self.conn, self.log, who.PARTY_EVENTS, None, clock)

    def last_who_change(self) -> int:
        return who.last_change(self.conn, self.log)

    def facts_spoken_by(self, source: str) -> list[str]:
        return who.facts_spoken_by(self.conn, self.log, source)

    def replace_rows(self, table: str, rows: list[tuple]) -> None:
        who.replace_rows(self.conn, self.log, table, rows)

    def mark_projected(self, last_seq: int) -> None:
        projections.mark_projected(self.conn, self.log, last_seq)

    def appended(self, first: int, last: int) -> None:
        search.index_events(self.conn, self.log, first, last)

    # --- reading -------------------------------------------------------------------------------------------

    def event_rows(self, *, fact: str | None = None, source: str | None = None, type: str | None = None,
                   clock: Clock = NOW, limit: int | None = None, newest_first: bool = False,
                   event_id: str | None = None, where: EventFilter | None = None) -> Iterator[tuple]:
        condition, params = queries.event_filter(self.log, clock, where, id=event_id, fact=fact, source=source,
                                                 type=type)
        return queries.event_rows(self.conn, condition, params, limit, newest_first)

    def matching_facts(self, where: EventFilter, clock: Clock = NOW) -> list[str]:
        return queries.matching_facts(self.conn, self.log, where, clock)

    def fold_rows(self, clock: Clock, fact: str | None) -> Iterator[tuple]:
        return queries.fold_rows(self.conn, self.log, clock, fact)

    def beliefs_unsaid_after(self, valid_at: dt.datetime, fact: str | None = None) -> Iterator[dict]:
        for row in queries.beliefs_unsaid_after(self.conn, self.log, ", ".join(BELIEF_KEYS), valid_at, fact):
            yield belief_dict(row)

    def said_after_fold_rows(self, valid_at: dt.datetime, fact: str | None = None) -> Iterator[tuple]:
        return queries.said_after_fold_rows(self.conn, self.log, valid_at, fact)

    def event_ids_from(self, prefix: str, limit: int) -> list[str]:
        # every id that starts with ``prefix`` sorts between it and prefix + U+10FFFF (the "C" collation)
        rows = self.conn.execute("SELECT id FROM events WHERE log = %s AND id >= %s AND id < %s ORDER BY id LIMIT %s",
                                 (self.log, prefix, prefix + "\U0010ffff", limit))
        return [row[0] for row in rows]

    def count(self) -> int:
        row = self.conn.execute("SELECT count(*) FROM events WHERE log = %s", (self.log,)).fetchone()
        return int(row[0]) if row else 0

    def has_fact(self, fact: str) -> bool:
        return self.exists("facts", fact)

    def belief_rows(self, fact: str | None = None) -> Iterator[dict]:
        sql = f"SELECT {', '.join(BELIEF_KEYS)} FROM beliefs WHERE log = %s"
        rows = (self.conn.execute(sql + " AND fact = %s", (self.log, fact)) if fact
                else self.conn.execute(sql + " ORDER BY fact", (self.log,)))
        for row in rows.fetchall():
            yield belief_dict(row)

    def verdict_facts(self) -> list[str]:
        sql = "SELECT fact FROM beliefs WHERE log = %s AND verdict IS NOT NULL ORDER BY fact"
        return [row[0] for row in self.conn.execute(sql, (self.log,)).fetchall()]

    def projection_rows(self) -> dict[str, list[tuple]]:
        """Every projection row of this log (without the log column), for comparing the live tables with a rebuild."""
        return {
            table: sorted((tuple(row[1:]) for row in
                           self.conn.execute(f"SELECT * FROM {table} WHERE log = %s", (self.log,))), key=repr)
            for table in schema.PROJECTION_TABLES
        }

    def sources(self) -> Iterator[dict]:
        rows = self.conn.execute(f"SELECT {', '.join(SOURCE_KEYS)} FROM sources WHERE log = %s ORDER BY id",
                                 (self.log,)).fetchall()
        for row in rows:
            yield dict(zip(SOURCE_KEYS, row))

    def facts(self) -> Iterator[dict]:
        rows = self.conn.execute(
            "SELECT f.id, f.statement, f.parties, f.tags, f.occurred_at, f.opened_seq, b.status"
            " FROM facts f LEFT JOIN beliefs b ON b.log = f.log AND b.fact = f.id WHERE f.log = %s ORDER BY f.id",
            (self.log,)).fetchall()
        for row in rows:
            yield fact_dict(row)

    def ids(self, table: str) -> list[str]:
        sql = {"sources": "SELECT id FROM sources WHERE log = %s ORDER BY id",
               "facts": "SELECT id FROM facts WHERE log = %s ORDER BY id"}[table]
        return [row[0] for row in self.conn.execute(sql, (self.log,))]

    def search(self, text: str, limit: int | None, marks: tuple[str, str], as_written: bool = True
               ) -> Iterator[dict[str, Any]]:
        return search.search(self.conn, self.log, search.quote_query(text) if as_written else text, limit, marks)

    # --- rebuild and verify ---------------------------------------------------------------------------------

    def rebuild(self) -> int:
        """Empty this log's projections and replay the whole log into them; returns the number of facts."""
        with self._write(pipelined=False):
            for table in schema.PROJECTION_TABLES:
                self.conn.execute(f"DELETE FROM {table} WHERE log = %s", (self.log,))  # names from the schema
            sources = self.source_rows_folded()
            parties = self.party_rows_folded()
            self.replace_rows("sources", [source_info_row(info, seq) for info, seq in sources.values()])
            self.replace_rows("parties", [party_row(info, seq) for info, seq in parties.values()])
            count = projections.fill(self.conn, self.log, self.projection_rows_of(
                self.fact_states(NOW), {s: info for s, (info, _) in sources.items()},
                {p: info for p, (info, _) in parties.items()}))
            last_seq = self.last()[0]
            search.rebuild_index(self.conn, self.log, last_seq)
            if last_seq:
                projections.mark_projected(self.conn, self.log, last_seq)
        return count

    def chain_rows(self) -> Iterator[tuple[ChainRow, tuple]]:
        return queries.chain_rows(self.conn, self.log)

    def position_after(self, prev_hash: bytes) -> int:
        row = self.conn.execute("SELECT seq FROM events WHERE log = %s AND hash = %s",
                                (self.log, prev_hash.decode(errors="replace"))).fetchone()
        return row[0] + 1 if row else 1

    def check_guards(self) -> None:
        """The triggers must be there, enabled, and run factlog's own functions: those of the events and (issue 16)
        of the evidence files, asked in one query (it runs at every write transaction)."""
        rows = self.conn.execute(
            "SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgrelid = ANY(%s::regclass[]) AND NOT t.tgisinternal AND t.tgenabled <> 'D'",
            (["events", *schema.EVIDENCE_TABLES],)).fetchall()
        present = {name for name, source in rows if schema.FUNCTION_BODIES.get(name) == source}
        expected = {name for names in schema.EVIDENCE_GUARD_TRIGGERS.values() for name in names}
        missing = (set(schema.GUARD_TRIGGERS) | expected) - present
        if missing:
            raise IntegrityError("the log's immutability triggers were removed, disabled or changed"
                                 f" ({', '.join(sorted(missing))})")

    # --- evidence files ------------------------------------------------------------------------------------

    def file_size(self, sha256: str) -> int | None:
        row = self.conn.execute("SELECT size FROM evidence_files WHERE log = %s AND sha256 = %s",
                                (self.log, sha256)).fetchone()
        return None if row is None else int(row[0])

    def insert_file_chunk(self, sha256: str, part: int, data: bytes) -> None:
        # %b: the bytes go as they are (as text, bytea doubles them in hex); reading the RETURNING row waits for
        # the server, so the pipeline never holds more than one chunk on its way out
        self.conn.execute("INSERT INTO evidence_chunks (log, sha256, part, data) VALUES (%s, %s, %s, %b)"
                          " RETURNING part", (self.log, sha256, part, data)).fetchone()

    def insert_file(self, sha256: str, size: int, parts: int) -> None:
        self.conn.execute("INSERT INTO evidence_files (log, sha256, size, parts) VALUES (%s, %s, %s, %s)",
                          (self.log, sha256, size, parts))

    def file_chunks(self, sha256: str) -> Iterator[bytes]:
        part = 0  # one row a query: a result of many 1 MiB rows would be held whole by the client
        while True:
            row = self.conn.execute("SELECT data FROM evidence_chunks WHERE log = %s AND sha256 = %s AND part = %s",
                                    (self.log, sha256, part)).fetchone()
            if row is None:
                return
            yield bytes(row[0])
            part += 1

    def file_rows(self) -> Iterator[tuple[str, int, int]]:
        rows = self.conn.execute("SELECT sha256, size, parts FROM evidence_files WHERE log = %s ORDER BY sha256",
                                 (self.log,)).fetchall()
        for row in rows:
            yield str(row[0]), int(row[1]), int(row[2])

    def file_hashes_from(self, prefix: str, limit: int) -> list[str]:
        rows = self.conn.execute("SELECT sha256 FROM evidence_files WHERE log = %s AND sha256 >= %s AND sha256 < %s"
                                 " ORDER BY sha256 LIMIT %s", (self.log, prefix, prefix + "\U0010ffff", limit))
        return [row[0] for row in rows]


def _open_failure(where: str, exc: psycopg.Error) -> str:
    from .errors import server_message

    return f"cannot open the team log {where}: {server_message(exc)}"

"""The SQLite log: one file, the embedded default. Implements ``LogStore``'s primitives in SQLite's SQL; the
append loop, the domain checks and the fold are shared (``store.base``)."""

from __future__ import annotations

import datetime as dt

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ... import beliefs as bl
from ... import events as ev
from ...clock import NOW, Clock
from ...errors import FactlogError, IntegrityError, LogUnavailable
from ...filters import EventFilter
from ..base import LogStore, paused_gc
from ..chain import GENESIS, ChainRow
from ..rows import (
    BELIEF_KEYS,
    SOURCE_KEYS,
    belief_dict,
    belief_row,
    fact_dict,
    party_row,
    source_info_row,
    stance_rows,
)
from . import projections, queries
from .connection import configure, connect, open_failure, tune_for_appends


FILE_CACHE_KIB = -2048  # the page cache (negative: KiB) while a write stores an evidence file


class SQLiteStore(LogStore):
    """One open log file."""

    # IMMEDIATE takes the write lock at BEGIN; a deferred BEGIN would let two writers read the same head and
    # then collide (the load test swaps this to prove it catches that).
    BEGIN_WRITE = "BEGIN IMMEDIATE"

    def __init__(self, path: str, conn: sqlite3.Connection):
        super().__init__(path)
        self.path = path
        self.conn = conn
        self._writer = False  # whether this connection wrote yet (and has its larger page cache)
        self._lifted: list[str] = []  # the CREATE TRIGGER statements to run again before the commit
        self._checked_schema: int | None = None  # the schema_version whose triggers were last checked
        self._migrating = False
        self._last_row: tuple | None = None  # the events row this transaction inserted last

    # --- opening -------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str, create: bool = False) -> SQLiteStore:
        """Open the log at ``path``; create it if ``create``, else a missing file is an error."""
        conn = connect(path, create)
        store = cls(path, conn)
        try:
            store._prepare(create)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise LogUnavailable(open_failure(path, exc)) from None
        except FactlogError:
            conn.close()
            raise
        return store

    @classmethod
    def open_read_only(cls, path: str) -> SQLiteStore:
        """Open an existing log for reads only: no migration, no write lock, nothing created."""
        import pathlib

        if not os.path.isfile(path):
            raise LogUnavailable(f"no log at {path}", code="no-log")
        uri = pathlib.Path(path).resolve().as_uri() + "?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=1, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise LogUnavailable(open_failure(path, exc)) from None
        return cls(path, conn)

    def _prepare(self, create: bool) -> None:
        from . import migrations

        encoding = self.conn.execute("PRAGMA encoding").fetchone()[0]
        if encoding != "UTF-8":  # the hash chain is over UTF-8 bytes: a UTF-16 file would never verify
            raise LogUnavailable(f"{self.path} is an SQLite file in {encoding}, not a factlog log (logs are UTF-8);"
                                 " it was left untouched")
        tables = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and not migrations.is_factlog(self.conn, tables):
            raise LogUnavailable(f"{self.path} is an SQLite file but not a factlog log; it was left untouched")
        if not tables and not create:
            raise LogUnavailable(f"{self.path} is not a factlog log (it is empty)", code="empty-log")
        configure(self.conn)
        if migrations.pending(self.conn, tables, self.path):
            self._migrate()
        tune_for_appends(self.conn)

    def _migrate(self) -> None:
        import sqlite_utils

        from .migrations import apply_pending

        if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.conn.execute("PRAGMA journal_mode = WAL")
        db = sqlite_utils.Database(self.conn, execute_plugins=False)
        self._migrating = True
        try:
            with self.write():
                apply_pending(db)
                if projections.projected_up_to(self.conn) < self.last()[0]:
                    # a log written before its projections existed: fill them from it
                    self._replay_projections(db)
        finally:
            self._migrating = False

    def close(self) -> None:
        self.conn.close()

    # --- transactions --------------------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction. IMMEDIATE takes the write lock at BEGIN, so two writers never interleave.
        A log whose immutability triggers are gone is refused: a writer must not add to a log that no longer
        protects what it holds."""
        # The log's indexes outgrow SQLite's default 2 MiB page cache at about 50,000 events; with 64 MiB an
        # import of a million events keeps its index pages in memory. Only writers ask for it: the cache grows
        # as it is used, and a read that streams the whole log (an export) needs none.
        if not self._writer:
            self.conn.execute("PRAGMA cache_size = -65536")
            self._writer = True
        self.conn.execute(self.BEGIN_WRITE)
        self._last_row = None
        try:
            self._check_guards_if_changed()
            yield
        except BaseException:
            self.forget()
            self._lifted.clear()
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.forget()
                raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every query inside sees the same state, whatever writers do meanwhile."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    # --- the append primitives -----------------------------------------------------------------------------

    def last(self) -> tuple[int, str]:
        row = self.conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def content_by_id(self, event_id: str) -> tuple | None:
        return self.conn.execute(
            "SELECT seq, type, version, recorded_at, observed_at, recorded_by, data FROM events WHERE id = ?",
            (event_id,),
        ).fetchone()

    def exists(self, table: str, key: str) -> bool:
        sql = {"sources": "SELECT 1 FROM sources WHERE id = ?", "facts": "SELECT 1 FROM facts WHERE id = ?",
               "parties": "SELECT 1 FROM parties WHERE id = ?"}[table]
        return self.conn.execute(sql, (key,)).fetchone() is not None

    def statement_of(self, event_id: str) -> tuple[str, str | None, str | None, str] | None:
        return self.conn.execute(
            "SELECT type, fact, source, observed_at FROM events WHERE id = ?", (event_id,)
        ).fetchone()

    def targeting(self, event_id: str) -> list[tuple[str, str]]:
        return self.conn.execute("SELECT id, type FROM events WHERE target = ? ORDER BY seq", (event_id,)).fetchall()

    def insert_event(self, row: tuple) -> None:
        self._last_row = row  # the search index reads a single append's texts from it (``appended``)
        self.conn.execute(
            f"INSERT INTO events ({queries.EVENT_COLUMNS}, fact, source, target) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            row,
        )

    def project_registration(self, event: ev.Event, seq: int) -> None:
        projections.project_registration(self.conn, event, seq)

    def stored_updated_seq(self, fact: str) -> int | None:
        row = self.conn.execute("SELECT updated_seq FROM beliefs WHERE fact = ?", (fact,)).fetchone()
        return None if row is None else row[0]

    def write_belief_rows(self, beliefs: list[bl.Belief]) -> None:
        projections.write_beliefs(self.conn, beliefs, [belief_row(b) for b in beliefs],
                                  [stance_rows(b) for b in beliefs])

    def registration_rows(self, sources: Iterable[str] | None = None, clock: Clock = NOW) -> Iterator[tuple]:
        return queries.who_rows(self.conn, queries.SOURCE_EVENTS, sources, clock)

    def party_rows(self, clock: Clock = NOW) -> Iterator[tuple]:
        return queries.who_rows(self.conn, queries.PARTY_EVENTS, None, clock)

    def last_who_change(self) -> int:
        # one equality per type, which the partial index of the events without a fact serves (m007); with
        # IN (...) SQLite walks every registration through the fact index
        one = "SELECT max(seq) AS seq FROM events WHERE fact IS NULL AND type = ?"
        row = self.conn.execute(f"SELECT max(seq) FROM ({one} UNION ALL {one} UNION ALL {one})",
                                ("source-amended", "party-registered", "party-amended")).fetchone()
        return row[0] or 0

    def facts_spoken_by(self, source: str) -> list[str]:
        rows = self.conn.execute("SELECT DISTINCT fact FROM events WHERE source = ? AND fact IS NOT NULL", (source,))
        return [row[0] for row in rows]

    def replace_rows(self, table: str, rows: list[tuple]) -> None:
        self.conn.executemany(projections.REPLACE[table], rows)

    def mark_projected(self, last_seq: int) -> None:
        projections.mark_projected(self.conn, last_seq)

    def appended(self, first: int, last: int) -> None:
        from .search import index_event, index_row, optimize_index

        if first == last and self._last_row is not None and self._last_row[0] == first:
            index_row(self.conn, self._last_row)
        else:
            index_event(self.conn, first, last)
        self._last_row = None
        if last - first >= max(1000, last // 10):  # a bulk fill: see optimize_index
            optimize_index(self.conn)

    def begin_bulk(self) -> None:
        """Drop the triggers that check each INSERT until the commit, inside this transaction.

        They stop *other* programs from overwriting events (INSERT OR REPLACE) or breaking the chain; this
        transaction holds the write lock, so no other program can write until it ends, and its own INSERTs
        are checked by the table's keys and by the append loop. Readers never see the triggers missing: the
        drop and the re-creation commit together, and a crash in between rolls both back. They cost a third
        of an import.
        """
        rows = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
            " AND name IN ('events_no_overwrite', 'events_chain_link') ORDER BY name"
        ).fetchall()
        for name, sql in rows:  # a log without one stays without it, for verify to report
            self.conn.execute(f"DROP TRIGGER {name}")  # a name from the list above, not input
            self._lifted.append(sql)

    def before_commit(self) -> None:
        for sql in self._lifted:
            self.conn.execute(sql)
        if self._lifted and not self._migrating:
            # the guards were checked at BEGIN and this transaction only put back what it lifted: its own change of
            # the schema needs no second check (a check costs a pass over the schema, which grows with migrations)
            self._checked_schema = self.conn.execute("PRAGMA schema_version").fetchone()[0]
        self._lifted.clear()

    # --- reading -------------------------------------------------------------------------------------------

    def event_rows(self, *, fact: str | None = None, source: str | None = None, type: str | None = None,
                   clock: Clock = NOW, limit: int | None = None, newest_first: bool = False,
                   event_id: str | None = None, where: EventFilter | None = None) -> Iterator[tuple]:
        condition, params = queries.event_filter(clock, where, id=event_id, fact=fact, source=source, type=type)
        return queries.event_rows(self.conn, condition, params, limit, newest_first)

    def matching_facts(self, where: EventFilter, clock: Clock = NOW) -> list[str]:
        return queries.matching_facts(self.conn, where, clock)

    def fold_rows(self, clock: Clock, fact: str | None) -> Iterator[tuple]:
        return queries.fold_rows(self.conn, clock, fact)

    def beliefs_unsaid_after(self, valid_at: dt.datetime, fact: str | None = None) -> Iterator[dict]:
        for row in queries.beliefs_unsaid_after(self.conn, ", ".join(BELIEF_KEYS), valid_at, fact):
            yield belief_dict(row)

    def said_after_fold_rows(self, valid_at: dt.datetime, fact: str | None = None) -> Iterator[tuple]:
        return queries.said_after_fold_rows(self.conn, valid_at, fact)

    def event_ids_from(self, prefix: str, limit: int) -> list[str]:
        # a range on the id index: every id that starts with ``prefix`` sorts between it and prefix + U+10FFFF
        rows = self.conn.execute(
            "SELECT id FROM events WHERE id >= ? AND id < ? ORDER BY id LIMIT ?", (prefix, prefix + "\U0010ffff", limit)
        )
        return [row[0] for row in rows]

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM events").fetchone()[0]

    def has_fact(self, fact: str) -> bool:
        return self.exists("facts", fact)

    def belief_rows(self, fact: str | None = None) -> Iterator[dict]:
        """The materialised beliefs (now), as ``status --json`` prints them."""
        sql = f"SELECT {', '.join(BELIEF_KEYS)} FROM beliefs"
        rows = self.conn.execute(sql + " WHERE fact = ?", (fact,)) if fact else self.conn.execute(sql + " ORDER BY fact")
        for row in rows:
            yield belief_dict(row)

    def verdict_facts(self) -> list[str]:
        sql = "SELECT fact FROM beliefs WHERE verdict IS NOT NULL ORDER BY fact"
        return [row[0] for row in self.conn.execute(sql)]

    def projection_rows(self) -> dict[str, list[tuple]]:
        """Every projection row, for comparing the live tables with a rebuild."""
        from .schema import PROJECTION_TABLES

        rows = {
            table: sorted(self.conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in PROJECTION_TABLES
        }
        # the watermark as a seq, as a rebuild states it: NULL means in step with the log (projections.IN_STEP)
        rows["projection_state"] = [(name, projections.projected_up_to(self.conn) if seq is None else seq)
                                    for name, seq in rows["projection_state"]]
        return rows

    def sources(self) -> Iterator[dict]:
        for row in self.conn.execute(f"SELECT {', '.join(SOURCE_KEYS)} FROM sources ORDER BY id"):
            yield dict(zip(SOURCE_KEYS, row))

    def facts(self) -> Iterator[dict]:
        rows = self.conn.execute(
            "SELECT f.id, f.statement, f.parties, f.tags, f.occurred_at, f.opened_seq, b.status"
            " FROM facts f LEFT JOIN beliefs b ON b.fact = f.id ORDER BY f.id"
        )
        for row in rows:
            yield fact_dict(row)

    def ids(self, table: str) -> list[str]:
        sql = {"sources": "SELECT id FROM sources ORDER BY id", "facts": "SELECT id FROM facts ORDER BY id"}[table]
        return [row[0] for row in self.conn.execute(sql)]

    def search(self, text: str, limit: int | None, marks: tuple[str, str], as_written: bool = True
               ) -> Iterator[dict[str, Any]]:
        from .search import search

        return search(self.conn, text, limit, marks, as_written)

    def files(self) -> list[str]:
        return [self.path, self.path + "-wal", self.path + "-shm"]

    # --- rebuild and verify ---------------------------------------------------------------------------------

    def rebuild(self) -> int:
        """Drop the projection tables and replay the whole log into them; returns the number of facts."""
        import sqlite_utils

        db = sqlite_utils.Database(self.conn, execute_plugins=False)
        with self.write(), paused_gc():
            return self._replay_projections(db)

    def _replay_projections(self, db: Any) -> int:
        from .schema import create_projection_indexes, create_projection_tables, drop_projection_tables
        from .search import rebuild_index
        from .views import create_views

        drop_projection_tables(db)
        create_projection_tables(db, indexes=False)  # filled first, indexed after: a sort instead of random inserts
        create_views(self.conn)  # the views read the new tables; re-creating them keeps them valid
        sources = self.source_rows_folded()
        parties = self.party_rows_folded()
        self.replace_rows("sources", [source_info_row(info, seq) for info, seq in sources.values()])
        self.replace_rows("parties", [party_row(info, seq) for info, seq in parties.values()])
        count = projections.fill(self.conn, self.projection_rows_of(
            self.fact_states(NOW), {s: info for s, (info, _) in sources.items()},
            {p: info for p, (info, _) in parties.items()}))
        create_projection_indexes(db)
        # after the fold, which names the seq of a payload that is not JSON (the index's SQL would only say
        # "malformed JSON")
        rebuild_index(self.conn)
        last_seq = self.last()[0]
        if last_seq:  # as after the first migration, an empty log has applied nothing and has no row
            projections.mark_projected(self.conn, last_seq)
        return count

    def chain_rows(self) -> Iterator[tuple[ChainRow, tuple]]:
        return queries.chain_rows(self.conn)

    def position_after(self, prev_hash: bytes) -> int:
        row = self.conn.execute("SELECT seq FROM events WHERE hash = ?", (prev_hash.decode(errors="replace"),))
        found = row.fetchone()
        return found[0] + 1 if found else 1

    def check_guards(self) -> None:
        from .migrations import EVIDENCE_GUARD_TRIGGERS, GUARD_TRIGGERS

        # one pass over the schema (an append after a bulk one runs this): the triggers, and the evidence table
        names = {row[0] for row in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' OR (type = 'table' AND name = 'evidence_files')")}
        missing = set(GUARD_TRIGGERS) - names
        if "evidence_files" in names:  # (a log opened read-only before m011 has none yet)
            missing |= set(EVIDENCE_GUARD_TRIGGERS) - names
        if missing:
            raise IntegrityError(f"the log's immutability triggers were removed ({', '.join(sorted(missing))})",
                                 code="unguarded")

    # --- evidence files ------------------------------------------------------------------------------------

    def _has_evidence_tables(self) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'evidence_files'").fetchone() is not None

    def file_size(self, sha256: str) -> int | None:
        if not self._has_evidence_tables():
            return None
        row = self.conn.execute("SELECT size FROM evidence_files WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else row[0]

    def insert_file_chunk(self, sha256: str, part: int, data: bytes) -> None:
        if part == 0:
            # A writer's page cache may grow to 64 MiB (see write()); a 100 MiB file would fill it with dirty pages.
            # A small cache makes SQLite spill them to the WAL as it goes: memory stays flat whatever the size.
            self.conn.execute(f"PRAGMA cache_size = {FILE_CACHE_KIB}")
            self._writer = False  # the next write transaction sets the writer's cache again
        self.conn.execute("INSERT INTO evidence_chunks (sha256, part, data) VALUES (?, ?, ?)", (sha256, part, data))

    def insert_file(self, sha256: str, size: int, parts: int) -> None:
        self.conn.execute("INSERT INTO evidence_files (sha256, size, parts) VALUES (?, ?, ?)", (sha256, size, parts))

    def file_chunks(self, sha256: str) -> Iterator[bytes]:
        # one row a query: a cursor over all of them may hold several 1 MiB rows at once
        part = 0
        while True:
            row = self.conn.execute("SELECT data FROM evidence_chunks WHERE sha256 = ? AND part = ?",
                                    (sha256, part)).fetchone()
            if row is None:
                return
            yield bytes(row[0])
            part += 1

    def file_rows(self) -> Iterator[tuple[str, int, int]]:
        if not self._has_evidence_tables():
            return
        for row in self.conn.execute("SELECT sha256, size, parts FROM evidence_files ORDER BY sha256").fetchall():
            yield row[0], row[1], row[2]

    def file_hashes_from(self, prefix: str, limit: int) -> list[str]:
        if not self._has_evidence_tables():
            return []
        rows = self.conn.execute("SELECT sha256 FROM evidence_files WHERE sha256 >= ? AND sha256 < ? ORDER BY sha256"
                                 " LIMIT ?", (prefix, prefix + "\U0010ffff", limit))
        return [row[0] for row in rows]

    def _check_guards_if_changed(self) -> None:
        """``check_guards`` when the schema changed since this connection last checked (SQLite counts every
        change of the schema in ``schema_version``): once per connection, not once per append."""
        if self._migrating:  # the triggers are being made
            return
        version = self.conn.execute("PRAGMA schema_version").fetchone()[0]
        if version != self._checked_schema:
            self.check_guards()
            self._checked_schema = version



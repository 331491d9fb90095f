"""The SQLite log: open and migrate, append (one transaction: event rows and projection rows), read, verify.

Every line of SQL in factlog lives in this module and in the schema modules beside it, so that a different
engine behind the same interface costs one module. Hot paths use ``sqlite3`` with parameters; the schema is
made by sqlite-utils migrations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from json.encoder import encode_basestring as encode_json_string
from typing import Any

from attrs import evolve, fields, frozen

from . import beliefs as bl
from . import events as ev
from .errors import Conflict, FactlogError, IntegrityError, InvalidInput, LogUnavailable, NotFound
from .fact_cache import FactStateCache
from .search_index import index_event, optimize_index
from .stored_rows import FOLD_COLUMNS, Unusual, read_row
from .times import format_time

GENESIS = "sha256:" + "0" * 64
BUSY_TIMEOUT_SECONDS = 60
SQLITE_MAX_INT = 2**63 - 1  # a larger count or seq means "everything": clamp it rather than overflow
EVENT_COLUMNS = "seq, id, type, version, recorded_at, observed_at, recorded_by, data, prev_hash, hash"
# A transaction that appends more events than this lifts the INSERT triggers until it commits (see
# _Projector.lift_insert_guards): a third of an import's time went to them. A few appends keep them: dropping and
# re-creating them costs more than it saves.
LIFT_GUARDS_AFTER = 256
# An import writes the beliefs of the facts it touched whenever this many are waiting, and at its end: memory
# stays bounded, and a fact that a whole news cycle of statements touches is written once rather than each time.
FLUSH_FACTS = 4096


@frozen
class Clock:
    """Which moment of the log to answer for: transaction time (``as_of``, ``at_seq``) and valid time."""

    as_of: dt.datetime | None = None
    at_seq: int | None = None
    valid_at: dt.datetime | None = None

    @property
    def is_now(self) -> bool:
        return self.as_of is None and self.at_seq is None and self.valid_at is None


NOW = Clock()


@frozen
class Pending:
    """An event about to be appended: the parsed event, and the version and data to store as they came.

    ``chained`` is what an exported record said of its place in its own log, ``(seq, prev_hash, hash, fields)``,
    once that hash was checked against the record: where the event lands at the same place after the same
    hash, its hash here is the same and need not be computed twice.
    """

    event: ev.Event
    version: int
    data_text: str
    chained: tuple[Any, Any, str, tuple] | None = None
    written_times: tuple[Any, Any] = (None, None)  # recorded_at and observed_at as the record spelled them

    @classmethod
    def of(cls, event: ev.Event) -> Pending:
        wire = ev.to_wire(event)
        return cls(event, wire["version"], ev.canonical_json(wire["data"]))

    @classmethod
    def from_wire(cls, record: dict[str, Any], check_hash: bool = False) -> Pending:
        """The record as an event to append. With ``check_hash``, a record that carries its hash must match
        it: an export altered after it was written is refused (a record without one is taken as new content)."""
        data_text = ev.canonical_json(record.get("data", {}))
        chained = _checked_chain(record, data_text) if check_hash and record.get("hash") is not None else None
        event = ev.from_wire(record)
        version = record.get("version", type(event).VERSION)
        return cls(event, version, data_text, chained, (record.get("recorded_at"), record.get("observed_at")))

    def stored_times(self) -> tuple[str, str]:
        """recorded_at and observed_at in their stored form; an export already spells them so, and checking
        that costs a fifth of formatting them again."""
        recorded, observed = self.written_times
        return (recorded if type(recorded) is str and _STORED_TIME.fullmatch(recorded)
                else format_time(self.event.recorded_at),
                observed if type(observed) is str and _STORED_TIME.fullmatch(observed)
                else format_time(self.event.observed_at))


# What format_time writes: text of this form parses to a time that format_time writes back as the same text.
_STORED_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")


def _checked_chain(record: dict[str, Any], data_text: str) -> tuple[Any, Any, str, tuple]:
    get = record.get
    fields = (get("id"), get("type"), get("version"), get("recorded_at"), get("observed_at"), get("recorded_by"),
              data_text)
    try:
        digest = chain_hash(get("prev_hash"), get("seq"), *fields)
    except UnicodeEncodeError:  # a lone surrogate (a JSON escape such as \ud800): not an event, say which field
        ev.from_wire(record)
        raise InvalidInput(f"event {get('id')!a} holds a lone surrogate, which is not valid UTF-8") from None
    if digest != record["hash"]:
        raise InvalidInput(f"event {record.get('id')} does not match its hash: the file was altered after it was"
                           " exported")
    return record.get("seq"), record.get("prev_hash"), digest, fields


def chain_hash(prev_hash: Any, seq: Any, *fields: Any) -> str:
    """SHA-256 over the previous hash, the position and the stored fields, each length-prefixed (unambiguous):
    ``<length in bytes>:<value>`` for each, a value being bytes as they are, anything else ``str(value)`` in UTF-8.

    An import hashes every record, so the usual call (all text) builds one string and encodes it once, where
    encoding and formatting each value as bytes cost a third more; the bytes that go into SHA-256 are the same."""
    text = ""
    for value in (prev_hash, seq, *fields):
        if type(value) is not str:
            if isinstance(value, bytes):  # ``verify`` reads the columns as bytes
                return _chain_hash_of_bytes(prev_hash, seq, *fields)
            value = str(value)
        # A lone surrogate raises UnicodeEncodeError here, as encoding the value on its own always did.
        size = len(value) if value.isascii() else len(value.encode("utf-8"))
        text += f"{size}:{value}"
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain_hash_of_bytes(prev_hash: Any, seq: Any, *fields: Any) -> str:
    """chain_hash value by value, for calls that pass bytes."""
    parts = []
    for value in (prev_hash, seq, *fields):
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
        parts.append(b"%d:%s" % (len(raw), raw))
    return "sha256:" + hashlib.sha256(b"".join(parts)).hexdigest()


def placed(event: ev.Event, seq: int, prev_hash: str, digest: str) -> ev.Event:
    """The event with its position in the log. Its fields were validated when it was built and the position
    fields have no validators, so they are set on a copy rather than through ``evolve``, which would validate
    every field again (a tenth of the cost of an import)."""
    if event.seq == seq and event.hash == digest and event.prev_hash == prev_hash:
        return event  # a record imported at the place it had in its own log: it already says all this
    copy = object.__new__(type(event))
    for name in _FIELD_NAMES[type(event)]:
        object.__setattr__(copy, name, getattr(event, name))
    for name, value in (("seq", seq), ("prev_hash", prev_hash), ("hash", digest)):
        object.__setattr__(copy, name, value)
    return copy


_FIELD_NAMES = {cls: tuple(a.name for a in fields(cls)) for cls in ev.EVENT_CLASSES.values()}


class Store:
    """One open log file."""

    # IMMEDIATE takes the write lock at BEGIN; a deferred BEGIN would let two writers read the same head and
    # then collide (the load test swaps this to prove it catches that).
    BEGIN_WRITE = "BEGIN IMMEDIATE"

    def __init__(self, path: str, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        # What appends learnt of the log, kept between transactions; all of it is forgotten on a rollback.
        self.state_cache = FactStateCache()  # checked against the beliefs table before each use
        self._source_infos: dict[str, bl.SourceInfo] = {}  # sources never change once registered
        self._known: set[tuple[str, str]] = set()  # (table, id) of facts and sources in the log
        self._writer = False  # whether this connection wrote yet (and has its larger page cache)

    def forget(self) -> None:
        """Drop what appends remembered of the log (a rolled-back transaction may have taught it wrong)."""
        self.state_cache.clear()
        self._source_infos.clear()
        self._known.clear()

    # --- opening -----------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str, create: bool = False) -> Store:
        """Open the log at ``path``; create it if ``create``, else a missing file is an error."""
        if not os.path.exists(path):
            if not create:
                raise LogUnavailable(f"no log at {path}; record something or run 'factlog init' first")
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise LogUnavailable(f"cannot create a log at {path}: folder {parent} does not exist")
        if os.path.isdir(path):
            raise LogUnavailable(f"{path} is a folder, not a log file")
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        except sqlite3.Error as exc:
            raise LogUnavailable(_open_failure(path, exc)) from None
        store = cls(path, conn)
        try:
            store._prepare(create)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise LogUnavailable(_open_failure(path, exc)) from None
        except FactlogError:
            conn.close()
            raise
        return store

    def _prepare(self, create: bool) -> None:
        encoding = self.conn.execute("PRAGMA encoding").fetchone()[0]
        if encoding != "UTF-8":  # the hash chain is over UTF-8 bytes: a UTF-16 file would never verify
            raise LogUnavailable(f"{self.path} is an SQLite file in {encoding}, not a factlog log (logs are UTF-8);"
                                 " it was left untouched")
        tables = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and not self._is_factlog(tables):
            raise LogUnavailable(f"{self.path} is an SQLite file but not a factlog log; it was left untouched")
        if not tables and not create:
            raise LogUnavailable(f"{self.path} is not a factlog log (it is empty); run 'factlog init' first")
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        # Upserts and INSERT OR REPLACE delete rows through the conflict path: recursive triggers make the
        # DELETE trigger fire for them too, so the database refuses them.
        self.conn.execute("PRAGMA recursive_triggers = ON")
        if self._pending_migrations(tables):
            self._migrate()
        self.conn.execute("PRAGMA synchronous = NORMAL")
        # An append writes ~19 pages (event, indexes, beliefs, stances, search index). SQLite's default
        # checkpoint every 1,000 WAL pages copied them back every ~50 appends, and in a big log the pages an
        # append touches are far apart: appends into a 100k-event log cost 1.3x those into a 1k one. Every
        # 10,000 pages, a checkpoint writes each hot page once for ~500 appends (1.03x); the WAL is cut back to
        # 64 MiB after it.
        self.conn.execute("PRAGMA wal_autocheckpoint = 10000")
        self.conn.execute("PRAGMA journal_size_limit = 67108864")

    def _is_factlog(self, tables: set[str]) -> bool:
        from .migrations import MIGRATION_SET

        if "_sqlite_migrations" not in tables:
            return False
        sql = "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? LIMIT 1"
        return self.conn.execute(sql, (MIGRATION_SET,)).fetchone() is not None

    def _pending_migrations(self, tables: set[str]) -> bool:
        from .migrations import MIGRATION_SET, NAMES

        if "_sqlite_migrations" not in tables:
            return True
        applied = {
            row[0]
            for row in self.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
            )
        }
        newer = sorted(applied - set(NAMES))
        if newer:
            raise LogUnavailable(f"{self.path} was written by a newer factlog (schema step {', '.join(newer)});"
                                 " upgrade factlog to use it; the file was left untouched")
        return bool(set(NAMES) - applied)

    def _migrate(self) -> None:
        import sqlite_utils

        from .migrations import apply_pending

        if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.conn.execute("PRAGMA journal_mode = WAL")
        db = sqlite_utils.Database(self.conn, execute_plugins=False)
        with self.write():
            apply_pending(db)
            if self._projections_behind():  # a log written before its projections existed: fill them from it
                self._replay_projections(db)

    def close(self) -> None:
        self.conn.close()

    # --- transactions --------------------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction. IMMEDIATE takes the write lock at BEGIN, so two writers never interleave."""
        # The log's indexes outgrow SQLite's default 2 MiB page cache at about 50,000 events; with 64 MiB an
        # import of a million events keeps its index pages in memory. Only writers ask for it: the cache grows
        # as it is used, and a read that streams the whole log (an export) needs none.
        if not self._writer:
            self.conn.execute("PRAGMA cache_size = -65536")
            self._writer = True
        self.conn.execute(self.BEGIN_WRITE)
        try:
            yield
        except BaseException:
            self.forget()
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

    # --- appending -------------------------------------------------------------------------------------------

    def append(self, event: ev.Event) -> ev.Event:
        """Append one event and update the projections, in one transaction; returns it with its position."""
        return self.append_many([Pending.of(event)])[0][0]

    def append_many(self, pendings: Iterable[Pending]) -> list[tuple[ev.Event, bool]]:
        """Append events in one transaction. Returns each event (as stored) and whether it was new."""
        results: list[tuple[ev.Event, bool]] = []
        self.append_each(pendings, lambda event, new: results.append((event, new)))
        return results

    def append_each(self, pendings: Iterable[Pending], each: Callable[[ev.Event, bool], None]) -> None:
        """Append events in one transaction (all or nothing), calling ``each(event, new)`` for every one placed:
        memory stays flat however many there are (``import`` streams a whole file through here)."""
        with self.write():
            projector = _Projector(self)
            seq, last_hash = self._last()
            first = seq + 1
            for pending in pendings:
                event, new = self._append_one(pending, seq, last_hash, projector)
                if new:
                    seq, last_hash = event.seq or 0, event.hash
                    if seq - first == LIFT_GUARDS_AFTER:
                        projector.lift_insert_guards()
                each(event, new)
            if seq >= first:
                index_event(self.conn, first, seq)
                if seq - first >= max(1000, seq // 10):  # a bulk fill: see optimize_index
                    optimize_index(self.conn)
            projector.finish(seq)

    def _last(self) -> tuple[int, str]:
        row = self.conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def _append_one(self, pending: Pending, last_seq: int, last_hash: str,
                    projector: _Projector) -> tuple[ev.Event, bool]:
        event = pending.event
        stored = self._content_by_id(event.id)
        content = (event.TYPE, pending.version, *pending.stored_times(), event.recorded_by, pending.data_text)
        if stored is not None:
            if stored[1:] != content:
                raise Conflict(f"event {event.id} is already in the log with different content; refused")
            return self.event(event.id), False
        fact, source, target = self._check_and_locate(event)
        seq = last_seq + 1
        digest = _reused_hash(pending, seq, last_hash, (event.id, *content)) or chain_hash(last_hash, seq, event.id,
                                                                                             *content)
        self.conn.execute(
            f"INSERT INTO events ({EVENT_COLUMNS}, fact, source, target) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (seq, event.id, *content[:5], pending.data_text, last_hash, digest, fact, source, target),
        )
        self._project_registration(event, seq)
        event = placed(event, seq, last_hash, digest)
        if fact is not None:
            projector.fold(fact, event)
        return event, True

    def _content_by_id(self, event_id: str) -> tuple | None:
        return self.conn.execute(
            "SELECT seq, type, version, recorded_at, observed_at, recorded_by, data FROM events WHERE id = ?",
            (event_id,),
        ).fetchone()

    def _check_and_locate(self, event: ev.Event) -> tuple[str | None, str | None, str | None]:
        """Refuse an event that does not fit the log; return the fact, source and target it concerns."""
        if isinstance(event, ev.SourceRegistered):
            if self._known_to_exist("sources", event.source):
                raise Conflict(f"source {event.source!r} already exists")
            return None, event.source, None
        if isinstance(event, ev.FactOpened):
            if self._known_to_exist("facts", event.fact):
                raise Conflict(f"fact {event.fact!r} already exists")
            return event.fact, None, None
        if isinstance(event, (ev.Statement, ev.FactReworded)):
            self._require("facts", event.fact, "fact")
            if isinstance(event, ev.Statement):
                self._require("sources", event.source, "source")
                return event.fact, event.source, None
            return event.fact, None, None
        if isinstance(event, ev.Retract):
            return self._check_retraction(event)
        raise InvalidInput(f"cannot append a {event.TYPE} event")

    def _check_retraction(self, event: ev.Retract) -> tuple[str, str, str]:
        row = self.conn.execute(
            "SELECT type, fact, source, observed_at FROM events WHERE id = ?", (event.target,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no event {event.target!r} in the log")
        kind, fact, source, observed_at = row
        if kind not in ev.STATEMENT_TYPES:
            raise InvalidInput(f"event {event.target} is a {kind}, not a statement; only statements can be retracted")
        if self.conn.execute("SELECT 1 FROM events WHERE target = ?", (event.target,)).fetchone():
            raise Conflict(f"statement {event.target} is already retracted")
        if format_time(event.observed_at) < observed_at:
            raise InvalidInput(f"a retraction cannot be made before the statement it withdraws ({observed_at})")
        return fact, source, event.target

    def _exists(self, table: str, key: str) -> bool:
        sql = {"sources": "SELECT 1 FROM sources WHERE id = ?", "facts": "SELECT 1 FROM facts WHERE id = ?"}[table]
        return self.conn.execute(sql, (key,)).fetchone() is not None

    def _known_to_exist(self, table: str, key: str) -> bool:
        """``_exists`` for the write path, remembered: facts and sources are never removed, so a yes once is a
        yes for good (reads do not fill it: an export that asks about every fact must not grow with the log)."""
        if (table, key) in self._known:
            return True
        found = self._exists(table, key)
        if found:
            self._known.add((table, key))
        return found

    def _require(self, table: str, key: str, what: str) -> None:
        if not self._known_to_exist(table, key):
            hint = "factlog source add" if what == "source" else "factlog fact add"
            raise NotFound(f"no {what} {key!r} in the log; add it first with '{hint}'")

    # --- projections -----------------------------------------------------------------------------------------

    def _project_registration(self, event: ev.Event, seq: int) -> None:
        if isinstance(event, ev.SourceRegistered):
            self.conn.execute(
                "INSERT INTO sources (id, name, kind, party, reliability, url, seq) VALUES (?,?,?,?,?,?,?)",
                (event.source, event.name, event.kind, event.party, event.reliability, event.url, seq),
            )
        elif isinstance(event, ev.FactOpened):
            self.conn.execute(
                "INSERT INTO facts (id, statement, parties, tags, occurred_at, opened_seq) VALUES (?,?,?,?,?,?)",
                (event.fact, event.statement, json.dumps(list(event.parties)), json.dumps(list(event.tags)),
                 format_time(event.occurred_at) if event.occurred_at else None, seq),
            )
        elif isinstance(event, ev.FactReworded):
            self.conn.execute("UPDATE facts SET statement = ? WHERE id = ?", (event.statement, event.fact))

    def state_before(self, fact: str, seq: int) -> bl.FactState | None:
        """The fact's state just before ``seq``: the cached one while the beliefs table says it is current,
        else folded from the fact's own events."""
        cached = self.state_cache.get(fact)
        if cached is not None:
            row = self.conn.execute("SELECT updated_seq FROM beliefs WHERE fact = ?", (fact,)).fetchone()
            if row is not None and row[0] == cached.updated_seq:
                return cached
        # the rebuild's fold of stored rows: an import of a million events re-folds facts that left the cache
        return next(_fact_states(self.conn, Clock(at_seq=seq - 1), fact), None)

    def write_beliefs(self, states: Iterable[bl.FactState]) -> None:
        """Write the beliefs and standing stances of these facts."""
        self._write_beliefs([bl.derive(state, self._sources_of(state)) for state in states])

    def mark_projected(self, last_seq: int) -> None:
        """Record that the projections hold every event up to ``last_seq``."""
        self.conn.execute(
            "INSERT INTO projection_state (name, last_seq) VALUES ('beliefs', ?)"
            " ON CONFLICT (name) DO UPDATE SET last_seq = excluded.last_seq", (last_seq,)
        )

    def _write_beliefs(self, beliefs: list[bl.Belief]) -> None:
        """Upsert the beliefs and rewrite only the stance rows that changed.

        An append changes one source's stance at most; deleting and re-inserting all of a fact's stances wrote
        a page of the ``source`` index for every source of the fact, and most of an append's commit was that.
        """
        self.conn.executemany(
            "INSERT INTO beliefs (fact, statement, status, label, parties, sources, updated_seq, statement_count,"
            " standing_count, withdrawn_count) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (fact) DO UPDATE SET"
            " statement = excluded.statement, status = excluded.status, label = excluded.label,"
            " parties = excluded.parties, sources = excluded.sources, updated_seq = excluded.updated_seq,"
            " statement_count = excluded.statement_count, standing_count = excluded.standing_count,"
            " withdrawn_count = excluded.withdrawn_count",
            [_belief_row(belief) for belief in beliefs],
        )
        gone, wanted = [], []
        stored_rows = self._stored_stances([belief.fact for belief in beliefs])
        for belief in beliefs:
            stored = stored_rows.get(belief.fact, {})
            rows = {row[1]: row for row in _stance_rows(belief)}
            gone += [(belief.fact, source) for source in stored.keys() - rows.keys()]
            wanted += [row for source, row in rows.items() if stored.get(source) != row]
        self.conn.executemany("DELETE FROM stances WHERE fact = ? AND source = ?", gone)
        self.conn.executemany(
            "INSERT INTO stances (fact, source, stance, type, event_id, observed_at, quote, url)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (fact, source) DO UPDATE SET stance = excluded.stance,"
            " type = excluded.type, event_id = excluded.event_id, observed_at = excluded.observed_at,"
            " quote = excluded.quote, url = excluded.url",
            wanted,
        )

    def _stored_stances(self, facts: list[str]) -> dict[str, dict[str, tuple]]:
        """The stored stance rows of these facts, by fact and source (one query for a whole batch)."""
        rows = self.conn.execute(
            "SELECT fact, source, stance, type, event_id, observed_at, quote, url FROM stances"
            " WHERE fact IN (SELECT value FROM json_each(?))", (json.dumps(facts),)
        )
        by_fact: dict[str, dict[str, tuple]] = {}
        for row in rows:
            by_fact.setdefault(row[0], {})[row[1]] = row
        return by_fact

    def _sources_of(self, state: bl.FactState) -> dict[str, bl.SourceInfo]:
        """The sources that spoke about the fact (a mapping that holds them, and maybe others)."""
        missing = {r.source for r in state.statements} - self._source_infos.keys()
        if missing:
            self._source_infos.update(self._sources_for(missing))
        return self._source_infos

    def _sources_for(self, ids: Iterable[str]) -> dict[str, bl.SourceInfo]:
        wanted = json.dumps(sorted(ids))
        rows = self.conn.execute(
            "SELECT id, name, kind, party, reliability, url FROM sources"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (wanted,),
        )
        return {row[0]: bl.SourceInfo(*row) for row in rows}

    def source_map(self) -> dict[str, bl.SourceInfo]:
        rows = self.conn.execute("SELECT id, name, kind, party, reliability, url FROM sources")
        return {row[0]: bl.SourceInfo(*row) for row in rows}

    def rebuild(self) -> int:
        """Drop the projection tables and replay the whole log into them; returns the number of facts."""
        import sqlite_utils

        db = sqlite_utils.Database(self.conn, execute_plugins=False)
        with self.write():
            return self._replay_projections(db)

    def _replay_projections(self, db: Any) -> int:
        from .projection_schema import create_projection_indexes, create_projection_tables, drop_projection_tables
        from .search_index import rebuild_index
        from .sql_views import create_views

        drop_projection_tables(db)
        create_projection_tables(db, indexes=False)  # filled first, indexed after: a sort instead of random inserts
        create_views(self.conn)  # the views read the new tables; re-creating them keeps them valid
        # source registrations are the rows without a fact: the (fact, seq) index finds them without a scan
        for event in self._events_where("fact IS NULL AND type = 'source-registered'", ()):
            self._project_registration(event, event.seq or 0)
        count = self._write_fact_states(self.fact_states(NOW), self.source_map())
        create_projection_indexes(db)
        # after the fold, which names the seq of a payload that is not JSON (the index's SQL would only say
        # "malformed JSON")
        rebuild_index(self.conn)
        last_seq = self._last()[0]
        if last_seq:  # as after the first migration, an empty log has applied nothing and has no row
            self.conn.execute("INSERT INTO projection_state (name, last_seq) VALUES ('beliefs', ?)", (last_seq,))
        return count

    def _write_fact_states(self, states: Iterable[bl.FactState], sources: dict[str, bl.SourceInfo]) -> int:
        """Write each fact's row, belief and stances into the empty projection tables (the same rows as an append
        writes with ``_project_registration`` and ``_write_beliefs``), a batch of facts per ``executemany``.
        Returns the number of facts."""
        facts: list[tuple] = []
        beliefs: list[tuple] = []
        stances: list[tuple] = []
        count = 0
        for state in states:
            belief = bl.derive(state, sources)
            facts.append(_fact_row(state))
            beliefs.append(_belief_row(belief))
            stances.extend(_stance_rows(belief))
            count += 1
            if len(facts) >= PROJECTION_BATCH:
                self._insert_projection_rows(facts, beliefs, stances)
                facts, beliefs, stances = [], [], []
        self._insert_projection_rows(facts, beliefs, stances)
        return count

    def _insert_projection_rows(self, facts: list[tuple], beliefs: list[tuple], stances: list[tuple]) -> None:
        self.conn.executemany(
            "INSERT INTO facts (id, statement, parties, tags, occurred_at, opened_seq) VALUES (?,?,?,?,?,?)", facts
        )
        self.conn.executemany(
            "INSERT INTO beliefs (fact, statement, status, label, parties, sources, updated_seq,"
            " statement_count, standing_count, withdrawn_count) VALUES (?,?,?,?,?,?,?,?,?,?)", beliefs,
        )
        self.conn.executemany(
            "INSERT INTO stances (fact, source, stance, type, event_id, observed_at, quote, url)"
            " VALUES (?,?,?,?,?,?,?,?)", stances,
        )

    def _projections_behind(self) -> bool:
        row = self.conn.execute("SELECT last_seq FROM projection_state WHERE name = 'beliefs'").fetchone()
        return (row[0] if row else 0) < self._last()[0]

    # --- reading ----------------------------------------------------------------------------------------------

    def _events_where(self, where: str, params: Sequence[Any], limit: int | None = None,
                      order: str = "seq") -> Iterator[ev.Event]:
        for row in self._rows_where(where, params, limit, order):
            yield row_to_event(row)

    def _rows_where(self, where: str, params: Sequence[Any], limit: int | None = None,
                    order: str = "seq") -> Iterator[tuple]:
        # ``where`` and ``order`` are fixed fragments chosen by this module; values go in as parameters.
        sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params = (*params, min(limit, SQLITE_MAX_INT))
        # a plain loop, not ``yield from``: closing this generator late (after the log was closed, e.g. when
        # the reader of stdout went away) must not call close() on the cursor of a closed connection
        for row in self.conn.execute(sql, params):
            yield row

    def full_event_id(self, given: str, shortest: int = 8) -> str:
        """The id of the one event whose id is ``given`` or starts with it (at least ``shortest`` characters).

        Tables show ids shortened; a unique prefix is enough to name an event, as with git's hashes.
        """
        if len(given) < shortest or not _encodable(given):
            return given  # too short to be a prefix, or not text SQLite can hold: the event check words the error
        if self.conn.execute("SELECT 1 FROM events WHERE id = ?", (given,)).fetchone():
            return given
        # a range on the id index: every id that starts with ``given`` sorts between it and given + U+10FFFF
        rows = self.conn.execute(
            "SELECT id FROM events WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", (given, given + "\U0010ffff")
        ).fetchall()
        if len(rows) > 1:
            raise InvalidInput(f"event id {given!r} is ambiguous: it starts {rows[0][0]} and {rows[1][0]}")
        return rows[0][0] if rows else given

    def event(self, event_id: str) -> ev.Event:
        rows = list(self._events_where("id = ?", (event_id,)))
        if not rows:
            raise NotFound(f"no event {event_id!r} in the log")
        return rows[0]

    def wire_records(self, *, fact: str | None = None, source: str | None = None, type: str | None = None,
                     clock: Clock = NOW, limit: int | None = None, newest_first: bool = False) -> Iterator[dict]:
        """The stored events as wire records (stored version and data, lossless), filtered."""
        where, params = _event_filter(fact, source, type, clock)
        order = "seq DESC" if newest_first else "seq"
        for row in self._rows_where(where, params, limit, order):
            yield row_to_wire(row)

    def wire_lines(self, clock: Clock = NOW) -> Iterator[str]:
        """The stored events as JSON Lines text (without the newline): for each, the same text as ``json.dumps``
        of its wire record, built from the columns. The payload goes out as it is stored (canonical JSON) instead
        of being parsed and serialised again: a sixth of the cost, which is what ``export jsonl`` spends."""
        where, params = _event_filter(None, None, None, clock)
        for row in self._rows_where(where, params):
            yield wire_line(row)

    def event_rows(self, clock: Clock = NOW) -> Iterator[tuple]:
        """The stored events as their raw column tuples (``EVENT_COLUMNS`` order, payload as stored JSON text),
        for exporters that build each output line from the columns, as ``wire_lines`` does for JSON Lines."""
        where, params = _event_filter(None, None, None, clock)
        return self._rows_where(where, params)

    def events(self, **filters: Any) -> Iterator[ev.Event]:
        for record in self.wire_records(**filters):
            yield ev.from_wire(record)

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM events").fetchone()[0]

    def head(self) -> tuple[int, str]:
        """The last ``seq`` and its hash: publish it elsewhere to anchor the log."""
        return self._last()

    def fact_states(self, clock: Clock, fact: str | None = None) -> Iterator[bl.FactState]:
        """Each fact's folded state in the view asked for, streamed fact by fact (memory: one fact)."""
        # a plain loop, not ``yield from``: see _rows_where
        for state in _fact_states(self.conn, clock, fact):
            yield state

    def fact_events(self, fact: str, clock: Clock = NOW) -> list[ev.Event]:
        where, params = _event_filter(fact, None, None, evolve(clock, valid_at=None))
        return [e for e in self._events_where(where, params) if bl.in_valid_time(e, clock.valid_at)]

    def has_fact(self, fact: str) -> bool:
        return self._exists("facts", fact)

    def belief_rows(self, fact: str | None = None) -> Iterator[dict]:
        """The materialised beliefs (now), as ``status --json`` prints them."""
        sql = "SELECT fact, statement, status, label, parties, sources, updated_seq FROM beliefs"
        rows = self.conn.execute(sql + " WHERE fact = ?", (fact,)) if fact else self.conn.execute(sql + " ORDER BY fact")
        for row in rows:
            yield {
                "fact": row[0], "statement": row[1], "status": row[2], "label": row[3],
                "parties": json.loads(row[4]), "sources": json.loads(row[5]), "updated_seq": row[6],
            }

    def projection_rows(self) -> dict[str, list[tuple]]:
        """Every projection row, for comparing the live tables with a rebuild."""
        from .projection_schema import PROJECTION_TABLES

        return {
            table: sorted(self.conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in PROJECTION_TABLES
        }

    def sources(self) -> Iterator[dict]:
        rows = self.conn.execute("SELECT id, name, kind, party, reliability, url, seq FROM sources ORDER BY id")
        for row in rows:
            yield dict(zip(("id", "name", "kind", "party", "reliability", "url", "seq"), row))

    def facts(self) -> Iterator[dict]:
        rows = self.conn.execute(
            "SELECT f.id, f.statement, f.parties, f.tags, f.occurred_at, f.opened_seq, b.status"
            " FROM facts f LEFT JOIN beliefs b ON b.fact = f.id ORDER BY f.id"
        )
        for row in rows:
            yield {
                "id": row[0], "statement": row[1], "parties": json.loads(row[2]), "tags": json.loads(row[3]),
                "occurred_at": row[4], "opened_seq": row[5], "status": row[6] or "open",
            }

    def ids(self, table: str) -> list[str]:
        sql = {"sources": "SELECT id FROM sources ORDER BY id", "facts": "SELECT id FROM facts ORDER BY id"}[table]
        return [row[0] for row in self.conn.execute(sql)]

    # --- verifying ------------------------------------------------------------------------------------------

    def verify(self, head: str | None = None) -> tuple[int, str]:
        """Recompute the hash chain; raise IntegrityError naming the first bad ``seq``. Returns the head."""
        # every chain starts at GENESIS: the head of an empty log, which any log holds
        expected_prev, expected_seq, anchored = GENESIS.encode(), 1, head in (None, GENESIS)
        rows = self.conn.execute(
            "SELECT seq, CAST(id AS BLOB), CAST(type AS BLOB), version, CAST(recorded_at AS BLOB),"
            " CAST(observed_at AS BLOB), CAST(recorded_by AS BLOB), CAST(data AS BLOB),"
            " CAST(prev_hash AS BLOB), CAST(hash AS BLOB), CAST(fact AS BLOB), CAST(source AS BLOB),"
            " CAST(target AS BLOB) FROM events ORDER BY seq"
        )
        with self.snapshot():
            stray = None
            for seq, *fields, prev_hash, stored_hash, fact, source, target in rows:
                if seq < expected_seq:  # only a seq below 1 sorts first: an event moved out of the log's range
                    stray = stray or (seq, prev_hash)
                    continue
                _check_link(seq, expected_seq, prev_hash, expected_prev)
                if chain_hash(prev_hash, seq, *fields).encode() != stored_hash:
                    raise IntegrityError(f"event at seq {seq} was altered: its hash does not match", seq)
                columns = tuple(None if raw is None else raw.decode("utf-8", "surrogateescape")
                                for raw in (fact, source, target))  # bytes changed on disk must not stop verify
                _check_columns(seq, fields, columns, self._fact_and_source)
                anchored = anchored or stored_hash.decode() == head
                expected_prev, expected_seq = stored_hash, seq + 1
        if stray is not None:
            home = self._position_after(stray[1])
            raise IntegrityError(f"the event that belongs at seq {home} was moved to seq {stray[0]}", home)
        if not anchored:
            raise IntegrityError(
                f"the anchored head {head} is not in this log: events were removed or the chain was rewritten"
            )
        self._check_triggers()
        return expected_seq - 1, expected_prev.decode()

    def _position_after(self, prev_hash: bytes) -> int:
        """Where an event belongs: right after the event whose hash it chains to."""
        row = self.conn.execute("SELECT seq FROM events WHERE hash = ?", (prev_hash.decode(errors="replace"),))
        found = row.fetchone()
        return found[0] + 1 if found else 1

    def _fact_and_source(self, event_id: Any) -> tuple | None:
        return self.conn.execute("SELECT fact, source FROM events WHERE id = ?", (event_id,)).fetchone()

    def _check_triggers(self) -> None:
        from .migrations import GUARD_TRIGGERS

        names = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        missing = set(GUARD_TRIGGERS) - names
        if missing:
            raise IntegrityError(f"the log's immutability triggers were removed ({', '.join(sorted(missing))})")


class _Projector:
    """The projection side of one write transaction: each appended event is folded into its fact's state as it
    is placed, and the beliefs of the touched facts are written in batches (all at the end for a few appends)."""

    def __init__(self, store: Store):
        self.store = store
        self.waiting: dict[str, bl.FactState] = {}  # touched facts whose beliefs are not written yet
        self.lifted: list[str] = []  # the CREATE TRIGGER statements to run again before the commit

    def fold(self, fact: str, event: ev.Event) -> None:
        state = None  # an opened fact starts afresh
        if not isinstance(event, ev.FactOpened):
            state = self.waiting.get(fact)
            if state is None:
                state = self.store.state_before(fact, event.seq or 0)
        new = bl.apply(state, event)
        if new is not None:
            self.waiting[fact] = new
        if len(self.waiting) >= FLUSH_FACTS:
            self.flush()

    def flush(self) -> None:
        self.store.write_beliefs(self.waiting.values())
        for state in self.waiting.values():
            self.store.state_cache.put(state)
        self.waiting.clear()

    def lift_insert_guards(self) -> None:
        """Drop the triggers that check each INSERT until ``finish``, inside this transaction.

        They stop *other* programs from overwriting events (INSERT OR REPLACE) or breaking the chain; this
        transaction holds the write lock, so no other program can write until it ends, and its own INSERTs
        are checked by the table's keys and by ``_append_one``. Readers never see the triggers missing: the drop
        and the re-creation commit together, and a crash in between rolls both back. They cost a third of an
        import.
        """
        rows = self.store.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
            " AND name IN ('events_no_overwrite', 'events_chain_link') ORDER BY name"
        ).fetchall()
        for name, sql in rows:  # a log without one stays without it, for verify to report
            self.store.conn.execute(f"DROP TRIGGER {name}")  # a name from the list above, not input
            self.lifted.append(sql)

    def finish(self, last_seq: int) -> None:
        self.flush()
        self.store.mark_projected(last_seq)
        for sql in self.lifted:
            self.store.conn.execute(sql)
        self.lifted.clear()


def _reused_hash(pending: Pending, seq: int, prev_hash: str, fields: tuple) -> str | None:
    """The record's own checked hash, when the event lands where it was, after the same hash, unchanged."""
    chained = pending.chained
    if chained is not None and chained[0] == seq and chained[1] == prev_hash and chained[3] == fields:
        return chained[2]
    return None


def _open_failure(path: str, exc: sqlite3.Error) -> str:
    """Why a log could not be opened, in words that say what to fix."""
    folder = os.path.dirname(os.path.abspath(path))
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        if not os.access(folder, os.W_OK | os.X_OK):
            return (f"cannot use the log {path}: its folder {folder} is not writable by you (SQLite keeps the"
                    " -wal and -shm files beside the log, even to read it)")
        if os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK):
            return f"cannot use the log {path}: the file is not writable by you"
    if name == "SQLITE_FULL":
        return f"cannot use the log {path}: the disk holding it is full; nothing was recorded"
    if name == "SQLITE_NOTADB":
        return f"{path} is not a factlog log (not an SQLite file); it was left untouched"
    if name == "SQLITE_CORRUPT":
        return f"{path} is damaged (database disk image is malformed); restore it from a copy"
    return f"cannot use {path} as a factlog log: {exc}"


# File systems on which SQLite's WAL (shared memory between processes) is unsafe or does not work.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre", "gpfs",
    "beegfs", "davfs", "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.glusterfs", "fuse.cephfs", "fuse.gcsfuse",
})
MOUNTS = "/proc/mounts"


def network_filesystem(path: str) -> str | None:
    """The type of the network file system that holds ``path`` (read from /proc/mounts), or None."""
    try:
        with open(MOUNTS, encoding="utf-8", errors="replace") as mounts:
            lines = mounts.read().splitlines()
    except OSError:  # not Linux, or no /proc: nothing to warn about that we can know
        return None
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    best, fstype = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), parts[1])  # \040 is a space
        inside = folder == point or folder.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, parts[2]
    return fstype if fstype in NETWORK_FILESYSTEMS else None


def _check_link(seq: int, expected_seq: int, prev_hash: bytes, expected_prev: bytes) -> None:
    if seq != expected_seq:
        raise IntegrityError(f"seq {expected_seq} is missing: the log has a gap before seq {seq}", expected_seq)
    if prev_hash != expected_prev:
        raise IntegrityError(f"event at seq {seq} does not follow the previous event's hash", seq)


def _check_columns(seq: int, fields: list, columns: tuple, locate: Callable[[Any], tuple | None]) -> None:
    """The lookup columns (fact, source, target) are not hashed, yet status and rebuild read them: they must agree
    with the hashed payload. A retraction takes its fact and source from the statement it targets."""
    try:
        data = json.loads(fields[6])
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise IntegrityError(f"event at seq {seq} holds a payload that is not a JSON object", seq)
    if fields[1] == b"retract":
        expected = (*(locate(data.get("target")) or (None, None)), data.get("target"))
    else:
        expected = (data.get("fact"), data.get("source"), None)
    if tuple(columns) != expected:
        raise IntegrityError(f"event at seq {seq} has lookup columns that disagree with its payload", seq)


def _fact_column(fact: str | None, clock: Clock) -> str:
    """``fact``, or ``+fact`` (which no index serves) for every fact in a past view of transaction time.

    The (fact, seq) index would walk the whole log to find the events of ``--at-seq 20``; with ``+fact`` SQLite
    reads the range of seq (or of recorded_at for ``--as-of``) and sorts it: the cost follows the view.
    """
    return "+fact" if fact is None and (clock.at_seq is not None or clock.as_of is not None) else "fact"


def _event_filter(fact: str | None, source: str | None, type: str | None, clock: Clock) -> tuple[str, list]:
    clauses, params = ["1 = 1"], []
    for column, value in (("fact", fact), ("source", source), ("type", type)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if clock.at_seq is not None:
        clauses.append("seq <= ?")
        params.append(min(clock.at_seq, SQLITE_MAX_INT))
    if clock.as_of is not None:
        clauses.append("recorded_at <= ?")
        params.append(format_time(clock.as_of))
    if clock.valid_at is not None:
        # registrations always count in valid time; only what sources said is filtered
        clauses.append("(type NOT IN ('claim','confirm','deny','decline','retract') OR observed_at <= ?)")
        params.append(format_time(clock.valid_at))
    return " AND ".join(clauses), params


def row_to_wire(row: tuple) -> dict[str, Any]:
    seq, event_id, kind, version, recorded_at, observed_at, recorded_by, data, prev_hash, digest = row
    return {
        "seq": seq, "id": event_id, "type": kind, "version": version, "recorded_at": recorded_at,
        "observed_at": observed_at, "recorded_by": recorded_by, "data": json.loads(data),
        "prev_hash": prev_hash, "hash": digest,
    }


def wire_line(row: tuple) -> str:
    """``json.dumps(row_to_wire(row))`` (compact, not ASCII-escaped), without parsing the stored payload."""
    seq, event_id, kind, version, recorded_at, observed_at, recorded_by, data, prev_hash, digest = row
    if type(seq) is int and type(version) is int and type(data) is str and data[:1] == "{" and data[-1:] == "}":
        text = encode_json_string
        try:
            return (f'{{"seq":{seq},"id":{text(event_id)},"type":{text(kind)},"version":{version},'
                    f'"recorded_at":{text(recorded_at)},"observed_at":{text(observed_at)},'
                    f'"recorded_by":{text(recorded_by)},"data":{data},"prev_hash":{text(prev_hash)},'
                    f'"hash":{text(digest)}}}')
        except TypeError:  # a column that is not text (only in a file changed outside factlog)
            pass
    return json.dumps(row_to_wire(row), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def row_to_event(row: tuple) -> ev.Event:
    """A stored event. The usual row (current version, payload free of envelope names) is structured straight
    from its columns; any other goes through ``from_wire``, which upcasts it or words what is wrong with it."""
    seq, event_id, kind, version, recorded_at, observed_at, recorded_by, data, prev_hash, digest = row
    cls = ev.EVENT_CLASSES.get(kind)
    try:
        values = json.loads(data)
    except (ValueError, TypeError):  # only a file changed outside factlog holds such a row
        raise IntegrityError(f"event at seq {seq} cannot be read: its payload is not JSON (the file was changed"
                             " outside factlog; 'factlog verify' locates it)", seq) from None
    if cls is None or version != cls.VERSION or type(values) is not dict or not _ENVELOPE_NAMES.isdisjoint(values):
        return ev.from_wire(row_to_wire(row))
    values.update(id=event_id, recorded_at=recorded_at, observed_at=observed_at, recorded_by=recorded_by, seq=seq,
                  prev_hash=prev_hash, hash=digest)
    return ev.structure(values, cls)


PROJECTION_BATCH = 1000  # facts per executemany in a rebuild: enough to amortise it, few enough for memory


def _fact_row(state: bl.FactState) -> tuple:
    """The ``facts`` row of a folded fact: what ``_project_registration`` writes for its ``fact-opened`` event
    and each ``fact-reworded`` after it."""
    occurred_at = format_time(state.occurred_at) if state.occurred_at else None
    return (state.fact, state.statement, json.dumps(list(state.parties)), json.dumps(list(state.tags)), occurred_at,
            state.opened_seq)


def _belief_row(belief: bl.Belief) -> tuple:
    """The ``beliefs`` row of a belief."""
    return (belief.fact, belief.statement, belief.status, belief.label, json.dumps(belief.parties),
            json.dumps(belief.sources), belief.updated_seq, belief.statement_count, len(belief.standing),
            len(belief.withdrawn))


def _stance_rows(belief: bl.Belief) -> list[tuple]:
    """The ``stances`` rows of a belief: each source's standing statement."""
    return [(belief.fact, r.source, r.stance, r.type, r.event_id, format_time(r.observed_at), r.quote, r.url)
            for r in belief.standing]


# --- folding stored rows without building their events (rebuild and past views) ---------------------------


def _fact_states(conn: sqlite3.Connection, clock: Clock, fact: str | None = None) -> Iterator[bl.FactState]:
    """``Store.fact_states`` on the connection ``conn``: each fact's folded state, fact by fact.

    Each row is folded from the columns it needs (``read_row``), without building its validated event: the
    rows were validated when they were appended, and ``verify`` is the check for a file changed since. A row
    of any other shape (an old version, a payload that is not what factlog writes) goes through
    ``row_to_event``, which upcasts it or says what is wrong with it, so the states are the same either way.
    """
    where, params = _event_filter(fact, None, None, evolve(clock, valid_at=None))
    by_fact = _fact_column(fact, clock)
    sql = (f"SELECT {FOLD_COLUMNS}, {by_fact} FROM events WHERE {where} AND {by_fact} IS NOT NULL"
           f" ORDER BY {by_fact}, seq")
    current_id, state, said = None, None, []  # ``said``: the fact's statements not folded in yet
    valid_at = clock.valid_at
    for row in conn.execute(sql, params):
        fact_id = row[7]
        if fact_id != current_id:
            if state is not None:
                yield bl.fold_statements(state, said) if said else state
            current_id, state, said = fact_id, None, []
        try:
            step = read_row(row, valid_at)
        except Unusual:
            event = _stored_event(conn, row[0])
            step = (bl.apply, (event,)) if bl.in_valid_time(event, valid_at) else None
        if type(step) is bl.StatementRecord:
            said.append(step)  # a run of statements folds in one go (fold_statements)
        elif step is not None:
            if said:
                state = bl.fold_statements(state, said) if state is not None else None
                said = []
            fold, args = step
            state = fold(state, *args)
    if state is not None:
        yield bl.fold_statements(state, said) if said else state


def _stored_event(conn: sqlite3.Connection, seq: int) -> ev.Event:
    """The validated event at ``seq`` (the slow path of ``_fact_states``): it raises a FactlogError naming
    what is wrong if the row cannot be read."""
    row = conn.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE seq = ?", (seq,)).fetchone()
    return row_to_event(row)


_ENVELOPE_NAMES = frozenset(ev.ENVELOPE_FIELDS)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

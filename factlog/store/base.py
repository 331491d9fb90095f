"""The storage interface: what ``Log`` needs of a log, whatever holds it.

``LogStore`` implements the parts that are the same on every back end (the append loop with its domain checks,
the fold of stored rows, resolving event references, walking the chain) on top of a small set of primitives that
each back end implements in its own SQL: SQLite (``store.sqlite``), PostgreSQL (``store.postgres``).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from .. import beliefs as bl
from .. import events as ev
from ..clock import NOW, Clock
from ..errors import Conflict, IntegrityError, NotFound
from ..filters import EventFilter
from . import checks
from .chain import GENESIS, ChainRow, MovedEvent, verify_chain
from .fact_cache import FactStateCache
from .folding import fold_rows
from .pending import Pending, placed
from .projector import Projector
from .rows import belief_row, check_columns, row_to_event, row_to_wire, stance_rows

# A transaction that appends more events than this is a bulk append: a back end may take a cheaper path for the
# rest of it (SQLite lifts its INSERT triggers until the commit). A few appends keep the usual path.
BULK_AFTER = 256


class LogStore(abc.ABC):
    """One open log. ``location`` is what the user named it by (a file path, a URL)."""

    location: str

    def __init__(self, location: str):
        self.location = location
        # What appends learnt of the log, kept between transactions; all of it is forgotten on a rollback.
        self.state_cache = FactStateCache()  # checked against the stored beliefs before each use
        self._source_infos: dict[str, bl.SourceInfo] = {}  # sources never change once registered
        self._known: set[tuple[str, str]] = set()  # (table, id) of facts and sources in the log

    def forget(self) -> None:
        """Drop what appends remembered of the log (a rolled-back transaction may have taught it wrong)."""
        self.state_cache.clear()
        self._source_infos.clear()
        self._known.clear()

    # --- the primitives each back end implements ---------------------------------------------------------

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def write(self) -> AbstractContextManager[None]:
        """One write transaction that holds the log's head: no other writer appends until it ends."""

    @abc.abstractmethod
    def snapshot(self) -> AbstractContextManager[None]:
        """A read transaction: every query inside sees the same state."""

    @abc.abstractmethod
    def last(self) -> tuple[int, str]:
        """The last seq and its hash (0 and GENESIS for an empty log)."""

    @abc.abstractmethod
    def content_by_id(self, event_id: str) -> tuple | None:
        """``(seq, type, version, recorded_at, observed_at, recorded_by, data)`` of event ``event_id``."""

    @abc.abstractmethod
    def exists(self, table: str, key: str) -> bool:
        """Whether fact (``table`` "facts") or source ("sources") ``key`` is registered."""

    @abc.abstractmethod
    def statement_of(self, event_id: str) -> tuple[str, str | None, str | None, str] | None: ...

    @abc.abstractmethod
    def is_retracted(self, event_id: str) -> bool: ...

    @abc.abstractmethod
    def insert_event(self, row: tuple) -> None:
        """Insert one events row: ``EVENT_COLUMNS`` then fact, source, target."""

    @abc.abstractmethod
    def project_registration(self, event: ev.Event, seq: int) -> None:
        """Write the registration rows (sources, facts) an event changes."""

    @abc.abstractmethod
    def stored_updated_seq(self, fact: str) -> int | None:
        """The ``updated_seq`` of the fact's stored belief."""

    @abc.abstractmethod
    def write_belief_rows(self, beliefs: list[bl.Belief]) -> None:
        """Upsert these beliefs and their stance rows."""

    @abc.abstractmethod
    def registration_rows(self, sources: Iterable[str] | None = None) -> Iterator[tuple]:
        """The ``source-registered`` events (of ``sources`` only, when given) as ``EVENT_COLUMNS`` rows."""

    def sources_for(self, ids: Iterable[str]) -> dict[str, bl.SourceInfo]:
        """These sources as their registration events say: the events are the truth, and a projection table
        changed by another program must not change the beliefs an append writes."""
        return _source_infos(self.registration_rows(ids))

    def source_map(self) -> dict[str, bl.SourceInfo]:
        """Every registered source, from the events."""
        return _source_infos(self.registration_rows())

    @abc.abstractmethod
    def mark_projected(self, last_seq: int) -> None:
        """Record that the projections hold every event up to ``last_seq``."""

    @abc.abstractmethod
    def event_rows(self, *, fact: str | None = None, source: str | None = None, type: str | None = None,
                   clock: Clock = NOW, limit: int | None = None, newest_first: bool = False,
                   event_id: str | None = None, where: EventFilter | None = None) -> Iterator[tuple]:
        """The stored events as ``EVENT_COLUMNS`` tuples (``data`` as stored JSON text), filtered (``where``: as
        ``factlog.filters`` defines), in seq order."""

    @abc.abstractmethod
    def matching_facts(self, where: EventFilter, clock: Clock = NOW) -> list[str]:
        """The ids of the facts with an event that matches ``where`` in the view ``clock`` names, in id order."""

    @abc.abstractmethod
    def fold_rows(self, clock: Clock, fact: str | None) -> Iterator[tuple]:
        """The rows ``folding.fold_rows`` reads, for the view of transaction time ``clock`` names."""

    @abc.abstractmethod
    def event_ids_from(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` event ids, in order, from the first that is not below ``prefix``, that start with it."""

    @abc.abstractmethod
    def chain_rows(self) -> Iterator[tuple[ChainRow, tuple]]:
        """Every event in seq order as ``verify`` reads it, raw bytes, with its lookup columns."""

    @abc.abstractmethod
    def position_after(self, prev_hash: bytes) -> int:
        """Where an event belongs: right after the event whose hash it chains to."""

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def has_fact(self, fact: str) -> bool: ...

    @abc.abstractmethod
    def belief_rows(self, fact: str | None = None) -> Iterator[dict]:
        """The materialised beliefs (now), as ``status --json`` prints them."""

    @abc.abstractmethod
    def projection_rows(self) -> dict[str, list[tuple]]:
        """Every projection row by table, for comparing the live tables with a rebuild."""

    @abc.abstractmethod
    def sources(self) -> Iterator[dict]: ...

    @abc.abstractmethod
    def facts(self) -> Iterator[dict]: ...

    @abc.abstractmethod
    def ids(self, table: str) -> list[str]: ...

    @abc.abstractmethod
    def search(self, text: str, limit: int | None, marks: tuple[str, str], as_written: bool = True
               ) -> Iterator[dict[str, Any]]:
        """Full-text matches, best first, each with a snippet whose matched words are wrapped in ``marks``."""

    @abc.abstractmethod
    def rebuild(self) -> int:
        """Drop the projections and replay the whole log into them; returns the number of facts."""

    @abc.abstractmethod
    def check_guards(self) -> None:
        """Raise IntegrityError if the database no longer enforces immutability."""

    # --- appending ----------------------------------------------------------------------------------------

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
            projector = Projector(self)
            seq, last_hash = self.last()
            first = seq + 1
            for pending in pendings:
                event, new = self._append_one(pending, seq, last_hash, projector)
                if new:
                    seq, last_hash = event.seq or 0, event.hash
                    if seq - first == BULK_AFTER:
                        self.begin_bulk()
                each(event, new)
            if seq >= first:
                self.appended(first, seq)
            projector.finish(seq)
            self.before_commit()

    def begin_bulk(self) -> None:
        """This transaction appends many events (see BULK_AFTER)."""

    def appended(self, first: int, last: int) -> None:
        """Events ``first`` to ``last`` were appended in this transaction (e.g. to index their text)."""

    def before_commit(self) -> None:
        """The transaction is about to commit."""

    def _append_one(self, pending: Pending, last_seq: int, last_hash: str,
                    projector: Projector) -> tuple[ev.Event, bool]:
        event = pending.event
        content = pending.content()
        stored = self.content_by_id(event.id)
        if stored is not None:
            if tuple(stored[1:]) != content:
                raise Conflict(f"event {event.id} is already in the log with different content; refused")
            return self.event(event.id), False
        # a rule for new recordings, not replayed by verify: a log an older factlog wrote stays readable
        checks.refuse_future(event)
        fact, source, target = checks.locate(event, self)
        seq = last_seq + 1
        digest = pending.digest(seq, last_hash)
        self.insert_event((seq, event.id, *content[:5], pending.data_text, last_hash, digest, fact, source, target))
        self.project_registration(event, seq)
        event = placed(event, seq, last_hash, digest)
        if fact is not None:
            projector.fold(fact, event)
        return event, True

    def known(self, table: str, key: str) -> bool:
        """``exists`` for the write path, remembered: facts and sources are never removed, so a yes once is a
        yes for good (reads do not fill it: an export that asks about every fact must not grow with the log)."""
        if (table, key) in self._known:
            return True
        found = self.exists(table, key)
        if found:
            self._known.add((table, key))
        return found

    # --- projections --------------------------------------------------------------------------------------

    def state_before(self, fact: str, seq: int) -> bl.FactState | None:
        """The fact's state just before ``seq``: the cached one while the stored belief says it is current,
        else folded from the fact's own events."""
        cached = self.state_cache.get(fact)
        if cached is not None and self.stored_updated_seq(fact) == cached.updated_seq:
            return cached
        return next(self.fact_states(Clock(at_seq=seq - 1), fact), None)

    def write_beliefs(self, states: Iterable[bl.FactState]) -> None:
        """Write the beliefs and standing stances of these facts."""
        from .audit import require_sources

        beliefs = []
        for state in states:
            sources = self._sources_of(state)
            require_sources(state, sources)
            beliefs.append(bl.derive(state, sources))
        self.write_belief_rows(beliefs)

    def _sources_of(self, state: bl.FactState) -> dict[str, bl.SourceInfo]:
        """The sources that spoke about the fact (a mapping that holds them, and maybe others)."""
        missing = {r.source for r in state.statements} - self._source_infos.keys()
        if missing:
            self._source_infos.update(self.sources_for(missing))
        return self._source_infos

    @staticmethod
    def projection_rows_of(states: Iterable[bl.FactState], sources: dict[str, bl.SourceInfo]
                           ) -> Iterator[tuple[bl.FactState, tuple, list[tuple]]]:
        """Each fact's state with its belief row and stance rows, as a rebuild writes them."""
        from .audit import require_sources

        for state in states:
            require_sources(state, sources)
            belief = bl.derive(state, sources)
            yield state, belief_row(belief), stance_rows(belief)

    # --- reading ------------------------------------------------------------------------------------------

    def fact_states(self, clock: Clock, fact: str | None = None) -> Iterator[bl.FactState]:
        """Each fact's folded state in the view asked for, streamed fact by fact (memory: one fact)."""
        for state in fold_rows(self.fold_rows(clock, fact), clock.valid_at, self.event_at):
            yield state

    def event_at(self, seq: int) -> ev.Event:
        """The validated event at ``seq``; a FactlogError names what is wrong if it cannot be read."""
        for row in self.event_rows(clock=Clock(at_seq=seq), newest_first=True, limit=1):
            return row_to_event(row)
        raise NotFound(f"no event at seq {seq}")

    def resolve_event(self, given: str | int) -> str:
        """The id of the event ``given`` names (DESIGN "Event references"): a bare number is its ``seq`` in this
        log; else its full id (which always wins), or a unique prefix of at least ``SHORTEST_PREFIX`` characters.
        An ambiguous reference is an error listing the candidates with their seq."""
        from .references import resolve

        return resolve(self, given)

    full_event_id = resolve_event  # the name callers knew before references took seqs

    def event(self, event_id: str) -> ev.Event:
        for row in self.event_rows(event_id=event_id):
            return row_to_event(row)
        raise NotFound(f"no event {event_id!r} in the log")

    def wire_records(self, **filters: Any) -> Iterator[dict]:
        """The stored events as wire records (stored version and data, lossless), filtered as ``event_rows``."""
        for row in self.event_rows(**filters):
            yield row_to_wire(row)

    def events(self, **filters: Any) -> Iterator[ev.Event]:
        for row in self.event_rows(**filters):
            yield ev.from_wire(row_to_wire(row))

    def checked_events(self, clock: Clock = NOW) -> Iterator[ev.Event]:
        """The log's events in the view of transaction time ``clock`` names, from its start, each checked to be
        one factlog would append where it stands (a row another program appended may not be)."""
        from .audit import fitting_events

        return fitting_events(self, self.event_rows(clock=Clock(clock.as_of, clock.at_seq)))

    def fact_events(self, fact: str, clock: Clock = NOW) -> list[ev.Event]:
        rows = self.event_rows(fact=fact, clock=Clock(clock.as_of, clock.at_seq))
        return [e for e in map(row_to_event, rows) if bl.in_valid_time(e, clock.valid_at)]

    def files(self) -> list[str]:
        """The files that hold the log on this machine."""
        return []

    def head(self) -> tuple[int, str]:
        """The last ``seq`` and its hash: publish it elsewhere to anchor the log."""
        return self.last()

    # --- verifying ----------------------------------------------------------------------------------------

    def verify(self, head: str | None = None) -> tuple[int, str]:
        """Recompute the hash chain; raise IntegrityError naming the first bad ``seq``. Returns the head."""
        columns: dict[int, tuple] = {}

        def rows() -> Iterator[ChainRow]:
            for chain_row, lookup in self.chain_rows():
                columns[chain_row[0]] = lookup
                yield chain_row

        def check_row(seq: int, fields: list) -> None:
            lookup = tuple(None if raw is None else raw.decode("utf-8", "surrogateescape")
                           for raw in columns.pop(seq))  # bytes changed on disk must not stop verify
            check_columns(seq, fields, lookup, self._fact_and_source)

        from .audit import check_events, check_projections

        with self.snapshot():
            try:
                result = verify_chain(rows(), head, check_row)
            except MovedEvent as moved:
                home = self.position_after(moved.prev_hash)
                raise IntegrityError(f"the event that belongs at seq {home} was moved to seq {moved.seq}",
                                     home) from None
            self.check_guards()
            check_events(self)
            check_projections(self)
        return result

    def _fact_and_source(self, event_id: Any) -> tuple | None:
        found = self.statement_of(event_id) if isinstance(event_id, str) else None
        return None if found is None else (found[1], found[2])


def _source_infos(rows: Iterable[tuple]) -> dict[str, bl.SourceInfo]:
    infos = {}
    for row in rows:
        event = row_to_event(row)
        if isinstance(event, ev.SourceRegistered):
            infos[event.source] = bl.SourceInfo.from_event(event)
    return infos


__all__ = ["LogStore", "GENESIS", "BULK_AFTER"]

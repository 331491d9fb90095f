"""The storage interface: what ``Log`` needs of a log, whatever holds it.

``LogStore`` implements the parts that are the same on every back end (the append loop with its domain checks,
the fold of stored rows, resolving event references, walking the chain) on top of a small set of primitives that
each back end implements in its own SQL: SQLite (``store.sqlite``), PostgreSQL (``store.postgres``).
"""

from __future__ import annotations

import abc
import datetime as dt
import gc
import heapq
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from .. import beliefs as bl
from .. import events as ev
from ..clock import NOW, Clock
from ..errors import Conflict, InvalidInput, NotFound
from ..filters import EventFilter
from . import checks
from .chain import GENESIS, ChainRow
from .fact_cache import FactStateCache
from .folding import fold_rows
from .pending import Pending, placed
from .projector import Projector, counting, projection_rows_of
from .write_state import WriteState
from .rows import row_to_event, row_to_wire
from .who import WHO_IS_WHO, fold_parties, fold_sources

# A transaction that appends more events than this is a bulk append: a back end may take a cheaper path for the
# rest of it (SQLite lifts its INSERT triggers until the commit), and the projections of the facts it touches
# are folded and written once at its end (``Projector.defer``). A few appends keep the usual path.
BULK_AFTER = 256
@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector paused for a long pass (an import, a rebuild). Such a pass makes millions of
    objects and no cycles; with each of them counted, the collector walked every live object again and again
    (5-10% of a rebuild of 100,000 events). Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class LogStore(WriteState, abc.ABC):
    """One open log. ``location`` is what the user named it by (a file path, a URL)."""

    location: str
    # Told how many more events a long pass (rebuild, verify) has read, for a progress bar; None: nobody asks.
    progress: Callable[[int], None] | None = None

    def __init__(self, location: str):
        self.location = location
        # What appends learnt of the log, kept between transactions; all of it is forgotten on a rollback.
        self.state_cache = FactStateCache()  # checked against the stored beliefs before each use
        # Who is who, as the events say, kept between transactions while no source or party changed since
        # (``last_who_change``): an amendment by another process must not leave a stale name or party here.
        self._source_infos: dict[str, bl.SourceInfo] = {}
        self._party_infos: dict[str, bl.PartyInfo] | None = None
        self._who_change: int | None = None  # ``last_who_change`` when the two maps above were filled
        self._projector: Projector | None = None  # the projector of the write transaction under way
        self._known: set[tuple[str, str]] = set()  # (table, id) of facts, sources and parties in the log

    def forget(self) -> None:
        """Drop what appends remembered of the log (a rolled-back transaction may have taught it wrong)."""
        self.state_cache.clear()
        self._forget_who()
        self._known.clear()

    def _forget_who(self) -> None:
        self._source_infos.clear()
        self._party_infos = None
        self._who_change = None

    def _check_who(self) -> None:
        """Forget who is who if a source or party changed since it was learnt (by this process or another)."""
        changed = self.last_who_change()
        if changed != self._who_change:
            self._forget_who()
            self._who_change = changed

    # --- the primitives each back end implements ---------------------------------------------------------

    @abc.abstractmethod
    def close(self) -> None: ...

    def recorder(self) -> str | None:
        """The name every append is recorded under whatever the client says (a server's authenticated role), or
        None where the client names its user."""
        return None

    def analyst_grants(self, role: str, apply: bool = False) -> list[str]:
        """The statements that let ``role`` read the log and append to it, nothing more (applied if ``apply``)."""
        raise InvalidInput("roles and grants belong to a team log on a server; a log file has none")

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
        """Whether fact (``table`` "facts"), source ("sources") or party ("parties") ``key`` is registered."""

    @abc.abstractmethod
    def statement_of(self, event_id: str) -> tuple[str, str | None, str | None, str] | None: ...

    @abc.abstractmethod
    def targeting(self, event_id: str) -> list[tuple[str, str]]:
        """``(id, type)`` of every event whose ``target`` column is ``event_id`` (retractions, voids), in seq order."""

    def is_retracted(self, event_id: str) -> bool:
        """Whether a retraction of ``event_id`` that was not voided is in the log."""
        return checks.is_retracted(self, event_id)

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
    def registration_rows(self, sources: Iterable[str] | None = None, clock: Clock = NOW) -> Iterator[tuple]:
        """The ``source-registered`` and ``source-amended`` events (of ``sources`` only, when given) in the view of
        transaction time ``clock`` names, as ``EVENT_COLUMNS`` rows in seq order."""

    @abc.abstractmethod
    def party_rows(self, clock: Clock = NOW) -> Iterator[tuple]:
        """The ``party-registered`` and ``party-amended`` events in the view ``clock`` names, as ``EVENT_COLUMNS``
        rows in seq order."""

    @abc.abstractmethod
    def last_who_change(self) -> int:
        """The seq of the last ``source-amended``, ``party-registered`` or ``party-amended`` event; 0 if none."""

    @abc.abstractmethod
    def facts_spoken_by(self, source: str) -> list[str]:
        """The facts that have events by ``source`` (statements, retractions and voids of them)."""

    @abc.abstractmethod
    def replace_rows(self, table: str, rows: list[tuple]) -> None:
        """Insert or replace rows of the projection table ``table`` ("sources", "facts", "parties"), in the
        column order of ``rows.source_info_row``, ``rows.fact_row``, ``rows.party_row``."""

    def sources_for(self, ids: Iterable[str]) -> dict[str, bl.SourceInfo]:
        """These sources as their registration and amendment events say: the events are the truth, and a
        projection table changed by another program must not change the beliefs an append writes."""
        return {source: info for source, (info, _) in fold_sources(self.registration_rows(ids)).items()}

    def source_map(self, clock: Clock = NOW) -> dict[str, bl.SourceInfo]:
        """Every registered source as the events say, in the view of transaction time ``clock`` names."""
        return {source: info for source, (info, _) in self.source_rows_folded(clock).items()}

    def source_rows_folded(self, clock: Clock = NOW) -> dict[str, tuple[bl.SourceInfo, int]]:
        """Every registered source with the seq of its registration, amendments folded in."""
        return fold_sources(self.registration_rows(None, Clock(clock.as_of, clock.at_seq)))

    def party_map(self, clock: Clock = NOW) -> dict[str, bl.PartyInfo]:
        """Every registered party as the events say, in the view of transaction time ``clock`` names."""
        return {party: info for party, (info, _) in self.party_rows_folded(clock).items()}

    def party_rows_folded(self, clock: Clock = NOW) -> dict[str, tuple[bl.PartyInfo, int]]:
        """Every registered party with the seq of its registration, amendments folded in."""
        return fold_parties(self.party_rows(Clock(clock.as_of, clock.at_seq)))

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
    def beliefs_unsaid_after(self, valid_at: dt.datetime, fact: str | None = None) -> Iterator[dict]:
        """``belief_rows`` of the facts with no statement or retraction said after ``valid_at``: valid time filters
        nothing else, so these facts are in the view of valid time ``valid_at`` as they are now."""

    @abc.abstractmethod
    def said_after_fold_rows(self, valid_at: dt.datetime, fact: str | None = None) -> Iterator[tuple]:
        """The rows ``folding.fold_rows`` reads for the view of valid time ``valid_at`` (now in transaction time),
        of the facts with a statement or retraction said after it (the others' are ``beliefs_unsaid_after``)."""

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
    def verdict_facts(self) -> list[str]:
        """The facts whose materialised belief (now) has a standing verdict, in id order."""

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

    # --- evidence files (store.evidence holds what they must say) -----------------------------------------

    @abc.abstractmethod
    def file_size(self, sha256: str) -> int | None:
        """The size of stored evidence file ``sha256``, or None if the log does not hold it."""

    @abc.abstractmethod
    def insert_file_chunk(self, sha256: str, part: int, data: bytes) -> None:
        """Store chunk ``part`` (0, 1, ...) of a file's bytes."""

    @abc.abstractmethod
    def insert_file(self, sha256: str, size: int, parts: int) -> None:
        """Record that file ``sha256`` is stored whole: ``size`` bytes in ``parts`` chunks."""

    @abc.abstractmethod
    def file_chunks(self, sha256: str) -> Iterator[bytes]:
        """The stored chunks of a file, in order, one at a time."""

    @abc.abstractmethod
    def file_rows(self) -> Iterator[tuple[str, int, int]]:
        """``(sha256, size, parts)`` of every stored file, by hash."""

    @abc.abstractmethod
    def file_hashes_from(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` stored file hashes that start with ``prefix``, in order."""

    # --- appending ----------------------------------------------------------------------------------------

    def append(self, event: ev.Event) -> ev.Event:
        """Append one event and update the projections, in one transaction; returns it with its position."""
        return self.append_many([Pending.of(event)])[0][0]

    def append_many(self, pendings: Iterable[Pending], merge: bool = False) -> list[tuple[ev.Event, bool]]:
        """Append events in one transaction. Returns each event (as stored) and whether it was new."""
        results: list[tuple[ev.Event, bool]] = []
        self.append_each(pendings, lambda event, new: results.append((event, new)), merge)
        return results

    def append_each(self, pendings: Iterable[Pending], each: Callable[[ev.Event, bool], None],
                    merge: bool = False) -> None:
        """Append events in one transaction (all or nothing), calling ``each(event, new)`` for every one placed:
        memory stays flat however many there are (``import`` streams a whole file through here).

        ``merge`` is for events from another log (import, push, pull): a registration of a slug the log has with
        the same data is then not appended but known (``each`` gets the log's own registration), and with other
        data refused (``checks.registered_alike``). Without it, any second registration of a slug is refused.
        """
        with self.write(), paused_gc():
            projector = Projector(self)
            self._check_who()
            self._projector = projector
            seq, last_hash = self.last()
            first = seq + 1
            for pending in pendings:
                event, new = self._append_one(pending, seq, last_hash, projector, merge)
                if new:
                    seq, last_hash = event.seq or 0, event.hash or GENESIS
                    if seq - first == BULK_AFTER:
                        self.begin_bulk()
                        projector.defer()
                each(event, new)
            if seq >= first:
                self.appended(first, seq)
            projector.finish(seq)
            self._projector = None
            self.before_commit()

    def begin_bulk(self) -> None:
        """This transaction appends many events (see BULK_AFTER)."""

    def appended(self, first: int, last: int) -> None:
        """Events ``first`` to ``last`` were appended in this transaction (e.g. to index their text)."""

    def before_commit(self) -> None:
        """The transaction is about to commit."""

    def _append_one(self, pending: Pending, last_seq: int, last_hash: str, projector: Projector,
                    merge: bool = False) -> tuple[ev.Event, bool]:
        event = pending.event
        content = pending.content()
        stored = self.content_by_id(event.id)
        if stored is not None:
            if tuple(stored[1:]) != content:
                raise Conflict(f"event {event.id} is already in the log with different content; refused")
            return self.event(event.id), False
        # a rule for new recordings, not replayed by verify: a log an older factlog wrote stays readable
        checks.refuse_future(event)
        if merge:
            existing = checks.registered_alike(event, self)
            if existing is not None:
                return existing, False
        fact, source, target = checks.locate(event, self, merge)
        if isinstance(event, ev.EvidenceAttached):  # its file goes in with it, in this transaction
            from .evidence import store_file

            store_file(self, event, pending.attachment, merge)
        if pending.fresh and isinstance(event, checks.CORRECTIONS):
            checks.refuse_unchanged(event, self)
        seq = last_seq + 1
        digest = pending.digest(seq, last_hash)
        self.insert_event((seq, event.id, *content[:5], pending.data_text, last_hash, digest, fact, source, target))
        self.project_registration(event, seq)
        event = placed(event, seq, last_hash, digest)
        if fact is not None:
            projector.fold(fact, event)
        if isinstance(event, WHO_IS_WHO):
            self._project_who(event, seq, projector)
        return event, True

    def _project_who(self, event: ev.Event, seq: int, projector: Projector) -> None:
        from .who import project_who

        project_who(self, event, seq, projector)

    # Each fact's state with its belief row and stance rows, as a rebuild writes them.
    projection_rows_of = staticmethod(projection_rows_of)

    # --- reading ------------------------------------------------------------------------------------------

    def fact_states(self, clock: Clock, fact: str | None = None) -> Iterator[bl.FactState]:
        """Each fact's folded state in the view asked for, streamed fact by fact (memory: one fact)."""
        for state in fold_rows(self.counted(self.fold_rows(clock, fact)), clock.valid_at, self.event_at):
            yield state

    def said_after_states(self, valid_at: dt.datetime, fact: str | None = None) -> Iterator[bl.FactState]:
        """``fact_states`` at valid time ``valid_at`` (now in transaction time) of the facts with something said
        after it, through the same fold; every other fact is in that view as it is now."""
        return fold_rows(self.counted(self.said_after_fold_rows(valid_at, fact)), valid_at, self.event_at)

    def counted(self, rows: Iterable[Any]) -> Iterable[Any]:
        """``rows``, telling ``progress`` (when set) every thousand read."""
        return rows if self.progress is None else counting(rows, self.progress)

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

    def fact_events(self, fact: str, clock: Clock = NOW, who: bool = False) -> list[ev.Event]:
        """The fact's events (its voids included) in the view; with ``who`` also every event about who is who,
        in log order, so that ``beliefs.changes`` shows what an amendment changed."""
        rows: Iterable[tuple] = self.event_rows(fact=fact, clock=Clock(clock.as_of, clock.at_seq))
        if who:
            view = Clock(clock.as_of, clock.at_seq)
            rows = heapq.merge(rows, self.registration_rows(None, view), self.party_rows(view), key=lambda r: r[0])
        return [e for e in map(row_to_event, rows) if bl.in_valid_time(e, clock.valid_at)]

    def files(self) -> list[str]:
        """The files that hold the log on this machine."""
        return []

    def head(self) -> tuple[int, str]:
        """The last ``seq`` and its hash: publish it elsewhere to anchor the log."""
        return self.last()

    # --- verifying ----------------------------------------------------------------------------------------

    def verify(self, head: str | None = None) -> tuple[int, str]:
        """Recompute the hash chain, replay the append's checks over every event and compare the projections
        with a fresh fold; raise IntegrityError naming the first bad ``seq``. Returns the head."""
        from .audit import verify

        return verify(self, head)


__all__ = ["LogStore", "GENESIS", "BULK_AFTER", "paused_gc"]

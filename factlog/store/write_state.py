"""What the write path asks of the log as it stands (``checks.Lookups``: a fact's state, a source, a party,
whether a slug is known) and the projections it writes for the facts it touched. ``LogStore`` has these; they
run on its primitives, so each method is typed on it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from .. import beliefs as bl
from .. import events as ev
from ..clock import NOW, Clock
from . import checks
from .rows import fact_row, row_to_event

if TYPE_CHECKING:
    from .fact_cache import FactStateCache
    from .projector import Projector

# At the end of a bulk append, the touched facts are folded in one pass over every fact's events (a rebuild's
# read) when they are at least one in this many of the log's events; else each fact's own events are read.
SCAN_SHARE = 16
# The facts whose projection rows are written together at the end of a bulk append (memory: this many states).
PROJECT_BATCH = 1000


class StoreParts(Protocol):
    """What these methods use of ``LogStore`` (its primitives and its write transaction's memory)."""

    state_cache: FactStateCache
    _source_infos: dict[str, bl.SourceInfo]
    _party_infos: dict[str, bl.PartyInfo] | None
    _projector: Projector | None
    _known: set[tuple[str, str]]

    def last(self) -> tuple[int, str]: ...
    def count(self) -> int: ...
    def content_by_id(self, event_id: str) -> tuple | None: ...
    def exists(self, table: str, key: str) -> bool: ...
    def stored_updated_seq(self, fact: str) -> int | None: ...
    def write_belief_rows(self, beliefs: list[bl.Belief]) -> None: ...
    def replace_rows(self, table: str, rows: list[tuple]) -> None: ...
    def sources_for(self, ids: Iterable[str]) -> dict[str, bl.SourceInfo]: ...
    def party_map(self, clock: Clock = NOW) -> dict[str, bl.PartyInfo]: ...
    def event_rows(self, *, fact: str | None = None, source: str | None = None, type: str | None = None,
                   clock: Clock = NOW, limit: int | None = None) -> Iterator[tuple]: ...
    def fact_states(self, clock: Clock, fact: str | None = None) -> Iterator[bl.FactState]: ...
    def state_before(self, fact: str, seq: int) -> bl.FactState | None: ...
    def party_infos(self) -> dict[str, bl.PartyInfo]: ...
    def write_beliefs(self, states: Iterable[bl.FactState]) -> None: ...
    def _write_projected(self, states: list[bl.FactState], amended: set[str]) -> None: ...
    def _sources_of(self, state: bl.FactState) -> dict[str, bl.SourceInfo]: ...


class WriteState:
    """Mixed into ``LogStore``: the lookups of its append checks and the projection writes of its appends."""

    _party_infos: dict[str, bl.PartyInfo] | None  # set by LogStore; read once per write transaction

    # --- what the checks ask (``checks.Lookups``) beyond the primitives ------------------------------------

    def fact_now(self: StoreParts, fact: str) -> bl.FactState | None:
        """The fact's state with every event appended so far, those of this transaction included."""
        projector = self._projector
        if projector is not None and projector.deferred is not None:  # the stored events are the whole story
            return next(self.fact_states(NOW, fact), None)
        waiting = projector.waiting.get(fact) if projector is not None else None
        return waiting or self.state_before(fact, self.last()[0] + 1)

    def source_now(self: StoreParts, source: str) -> bl.SourceInfo | None:
        if source not in self._source_infos:
            self._source_infos.update(self.sources_for([source]))
        return self._source_infos.get(source)

    def party_now(self: StoreParts, party: str) -> bl.PartyInfo | None:
        return self.party_infos().get(party)

    def party_infos(self: StoreParts) -> dict[str, bl.PartyInfo]:
        """The registered parties, for the write transaction under way (read from the events once)."""
        parties = self._party_infos
        if parties is None:
            parties = self._party_infos = self.party_map()
        return parties

    def known(self: StoreParts, table: str, key: str) -> bool:
        """``exists`` for the write path, remembered: facts and sources are never removed, so a yes once is a
        yes for good (reads do not fill it: an export that asks about every fact must not grow with the log)."""
        if (table, key) in self._known:
            return True
        found = self.exists(table, key)
        if found:
            self._known.add((table, key))
        return found

    def registration(self: StoreParts, event_type: str, slug: str) -> ev.Event | None:
        """The event of type ``event_type`` that registered ``slug``: the first of that type naming it (a back end
        answers through ``event_rows``'s fact and source filters, which its (fact, seq) and (source, seq)
        indexes serve)."""
        column = next(name for cls, (_, name) in checks.REGISTRATIONS.items() if cls.TYPE == event_type)
        rows = (self.event_rows(type=event_type, limit=1, source=slug) if column == "source"
                else self.event_rows(type=event_type, limit=1, fact=slug))
        for row in rows:
            return row_to_event(row)
        return None

    def contents_by_ids(self: StoreParts, event_ids: list[str]) -> dict[str, tuple]:
        """``content_by_id`` of each id the log holds, by id: a push asks this for a batch of the events it may
        send. A back end where each query is a round trip to a server answers it in one query."""
        found = {}
        for event_id in event_ids:
            stored = self.content_by_id(event_id)
            if stored is not None:
                found[event_id] = stored
        return found

    # --- projections --------------------------------------------------------------------------------------

    def state_before(self: StoreParts, fact: str, seq: int) -> bl.FactState | None:
        """The fact's state just before ``seq``: the cached one while the stored belief says it is current,
        else folded from the fact's own events."""
        cached = self.state_cache.get(fact)
        if cached is not None and self.stored_updated_seq(fact) == cached.updated_seq:
            return cached
        return next(self.fact_states(Clock(at_seq=seq - 1), fact), None)

    def write_beliefs(self: StoreParts, states: Iterable[bl.FactState]) -> None:
        """Write the beliefs and standing stances of these facts."""
        from .audit import require_sources

        beliefs = []
        for state in states:
            sources = self._sources_of(state)
            require_sources(state, sources)
            beliefs.append(bl.derive(state, sources, self.party_infos()))
        self.write_belief_rows(beliefs)

    def project_facts(self: StoreParts, facts: set[str], amended: set[str]) -> None:
        """Fold each of ``facts`` from the stored events, with the rebuild's fold, and write its projection rows
        (its ``facts`` row too if it is in ``amended``): what a bulk append does once at its end."""
        if not facts:
            return
        if len(facts) * SCAN_SHARE >= self.count():
            states: Iterable[bl.FactState] = (s for s in self.fact_states(NOW) if s.fact in facts)
        else:
            states = (state for fact in sorted(facts) for state in self.fact_states(NOW, fact))
        batch: list[bl.FactState] = []
        for state in states:
            batch.append(state)
            if len(batch) >= PROJECT_BATCH:
                self._write_projected(batch, amended)
                batch = []
        self._write_projected(batch, amended)

    def _write_projected(self: StoreParts, states: list[bl.FactState], amended: set[str]) -> None:
        rows = [fact_row(state) for state in states if state.fact in amended]
        if rows:
            self.replace_rows("facts", rows)
        self.write_beliefs(states)

    def _sources_of(self: StoreParts, state: bl.FactState) -> dict[str, bl.SourceInfo]:
        """The sources that spoke about the fact (a mapping that holds them, and maybe others)."""
        missing = {r.source for r in state.statements} - self._source_infos.keys()
        if missing:
            self._source_infos.update(self.sources_for(missing))
        return self._source_infos

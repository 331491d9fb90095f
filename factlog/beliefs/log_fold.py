"""The fold for a whole log: who is who (sources, parties), every fact, valid time, and the changes events make."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping

from attrs import define, field, frozen

from .. import events as ev
from .derive import derive
from .fold import apply
from .state import Belief, FactState, PartyInfo, SourceInfo

# Events about who is who rather than about one fact: they change the maps that ``derive`` reads.
_WHO_IS_WHO = (ev.SourceRegistered, ev.SourceAmended, ev.PartyRegistered, ev.PartyAmended)


@define
class LogState:
    """The whole log folded: sources, parties, facts, and which fact each statement and retraction belongs to.

    Mutable on purpose: a rebuild folds millions of events and must not copy the whole state at each one;
    each fact's own state stays immutable.
    """

    sources: dict[str, SourceInfo] = field(factory=dict)
    facts: dict[str, FactState] = field(factory=dict)
    statement_fact: dict[str, str] = field(factory=dict)  # statement and retraction ids -> their fact
    parties: dict[str, PartyInfo] = field(factory=dict)
    source_facts: dict[str, set[str]] = field(factory=dict)  # the facts each source spoke about

    def apply(self, event: ev.Event) -> str | None:
        """Fold one event in; returns the id of the fact it touched, if any (None for events about who is who:
        ``step`` names the facts whose belief those change)."""
        if isinstance(event, _WHO_IS_WHO):
            fold_who(self.sources, self.parties, event)
            return None
        fact_id = self.fact_of(event)
        if fact_id is None:
            return None
        new = apply(self.facts.get(fact_id), event)
        if new is None:
            return None
        if isinstance(event, ev.Statement):
            self.statement_fact[event.id] = fact_id
            self.source_facts.setdefault(event.source, set()).add(fact_id)
        elif isinstance(event, (ev.Retract, ev.VerdictGiven)):
            self.statement_fact[event.id] = fact_id  # so that a void of the retraction or verdict finds its fact
        self.facts[fact_id] = new
        return fact_id

    def step(self, event: ev.Event) -> tuple[str, ...]:
        """Fold one event in; returns every fact whose belief it may have changed, in id order.

        An amended source changes the party stances and labels of every fact it spoke about; a registered or
        amended party the labels that name it (every fact, as far as this fold knows)."""
        fact_id = self.apply(event)
        if fact_id is not None:
            return (fact_id,)
        if isinstance(event, ev.SourceAmended):
            return tuple(sorted(self.source_facts.get(event.source, ())))
        if isinstance(event, (ev.PartyRegistered, ev.PartyAmended)):
            return tuple(sorted(self.facts))
        return ()

    def fact_of(self, event: ev.Event) -> str | None:
        if isinstance(event, (ev.Retract, ev.StatementVoided)):
            return self.statement_fact.get(event.target)
        return getattr(event, "fact", None)

    def belief(self, fact_id: str) -> Belief:
        return derive(self.facts[fact_id], self.sources, self.parties)

    def beliefs(self) -> Iterator[Belief]:
        for fact_id in sorted(self.facts):
            yield self.belief(fact_id)


def fold_who(sources: dict[str, SourceInfo], parties: dict[str, PartyInfo], event: ev.Event) -> None:
    """Fold an event about who is who into the maps of sources and parties (others leave them as they are).

    An amendment of a source or party that is not registered changes nothing (the store refuses it)."""
    if isinstance(event, ev.SourceRegistered):
        sources[event.source] = SourceInfo.from_event(event)
    elif isinstance(event, ev.SourceAmended):
        if event.source in sources:
            sources[event.source] = sources[event.source].amended(event)
    elif isinstance(event, ev.PartyRegistered):
        parties[event.party] = PartyInfo.from_event(event)
    elif isinstance(event, ev.PartyAmended):
        if event.party in parties:
            parties[event.party] = parties[event.party].amended(event)


def who_is_who(events: Iterable[ev.Event]) -> tuple[dict[str, SourceInfo], dict[str, PartyInfo]]:
    """The sources and parties as the events leave them: registrations with their amendments folded in."""
    sources: dict[str, SourceInfo] = {}
    parties: dict[str, PartyInfo] = {}
    for event in events:
        fold_who(sources, parties, event)
    return sources, parties


def unvoided(events: Iterable[ev.Event]) -> list[ev.Event]:
    """The events as if those voided as recording errors had never been recorded: neither they nor their voids
    (what reports and exports tell; ``history`` shows the void as a change instead)."""
    events = list(events)
    gone = {e.target for e in events if isinstance(e, ev.StatementVoided)}
    return [e for e in events if e.id not in gone and not isinstance(e, ev.StatementVoided)]


# The events that have a valid time of their own: what sources said or withdrew, and the analyst's verdicts.
VALID_TIMED = (ev.Statement, ev.Retract, ev.VerdictGiven)


def in_valid_time(event: ev.Event, valid_at: dt.datetime | None) -> bool:
    """Valid time filters what sources said and the verdicts given; registrations, amendments and voids always
    count."""
    if valid_at is None or not isinstance(event, VALID_TIMED):
        return True
    return event.observed_at <= valid_at


def fold_log(events: Iterable[ev.Event], valid_at: dt.datetime | None = None) -> LogState:
    state = LogState()
    for event in events:
        if in_valid_time(event, valid_at):
            state.apply(event)
    return state


@frozen
class Change:
    """A change of a fact's status or label, and the event that caused it."""

    event: ev.Event
    fact: str
    before: Belief | None
    after: Belief

    @property
    def source(self) -> str | None:
        """Who spoke: the statement's source; for a retraction the source of the statement it withdrew; for a
        void the source of what it voided; for a source amendment the source amended."""
        if isinstance(self.event, ev.Retract):
            return next((r.source for r in self.after.withdrawn if r.retracted_by == self.event.id), None)
        if isinstance(self.event, ev.StatementVoided):
            return next((v.source or None for v in self.after.voided if v.voided_by == self.event.id), None)
        return getattr(self.event, "source", None)


def changes(events: Iterable[ev.Event], valid_at: dt.datetime | None = None,
            sources: Mapping[str, SourceInfo] | None = None,
            parties: Mapping[str, PartyInfo] | None = None) -> Iterator[Change]:
    """Step through events and yield each change of status, label, statement or verdict (replay and history).

    ``sources`` and ``parties`` seed who is who when ``events`` is one fact's events rather than the whole log;
    amendments of sources and parties must then be among ``events``, in log order, for their changes to show.
    """
    state = LogState(sources=dict(sources or {}), parties=dict(parties or {}))
    current: dict[str, Belief] = {}
    for event in events:
        if not in_valid_time(event, valid_at):
            continue
        for fact_id in state.step(event):
            after = state.belief(fact_id)
            before = current.get(fact_id)
            current[fact_id] = after
            if before is None or (before.status, before.label, before.statement, before.verdict) != (
                after.status, after.label, after.statement, after.verdict
            ):
                yield Change(event, fact_id, before, after)

"""The fold for a whole log: every source and fact, valid time, and the changes a log's events make."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping

from attrs import define, field, frozen

from .. import events as ev
from .derive import derive
from .fold import apply
from .state import Belief, FactState, SourceInfo

@define
class LogState:
    """The whole log folded: sources, facts, and which fact each statement belongs to.

    Mutable on purpose: a rebuild folds millions of events and must not copy the whole state at each one;
    each fact's own state stays immutable.
    """

    sources: dict[str, SourceInfo] = field(factory=dict)
    facts: dict[str, FactState] = field(factory=dict)
    statement_fact: dict[str, str] = field(factory=dict)

    def apply(self, event: ev.Event) -> str | None:
        """Fold one event in; returns the id of the fact it touched, if any."""
        if isinstance(event, ev.SourceRegistered):
            self.sources[event.source] = SourceInfo.from_event(event)
            return None
        fact_id = self.fact_of(event)
        if fact_id is None:
            return None
        new = apply(self.facts.get(fact_id), event)
        if new is None:
            return None
        if isinstance(event, ev.Statement):
            self.statement_fact[event.id] = fact_id
        self.facts[fact_id] = new
        return fact_id

    def fact_of(self, event: ev.Event) -> str | None:
        if isinstance(event, ev.Retract):
            return self.statement_fact.get(event.target)
        return getattr(event, "fact", None)

    def belief(self, fact_id: str) -> Belief:
        return derive(self.facts[fact_id], self.sources)

    def beliefs(self) -> Iterator[Belief]:
        for fact_id in sorted(self.facts):
            yield self.belief(fact_id)


def in_valid_time(event: ev.Event, valid_at: dt.datetime | None) -> bool:
    """Valid time filters what sources said; registrations of facts and sources always count."""
    if valid_at is None or not isinstance(event, (ev.Statement, ev.Retract)):
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
        """Who spoke: the statement's source, or for a retraction the source of the statement it withdrew."""
        if isinstance(self.event, ev.Retract):
            return next((r.source for r in self.after.withdrawn if r.retracted_by == self.event.id), None)
        return getattr(self.event, "source", None)


def changes(events: Iterable[ev.Event], valid_at: dt.datetime | None = None,
            sources: Mapping[str, SourceInfo] | None = None) -> Iterator[Change]:
    """Step through events and yield each change of status or label (replay and history).

    ``sources`` seeds the known sources when ``events`` is one fact's events rather than the whole log.
    """
    state = LogState(sources=dict(sources or {}))
    current: dict[str, Belief] = {}
    for event in events:
        if not in_valid_time(event, valid_at):
            continue
        fact_id = state.apply(event)
        if fact_id is None:
            continue
        after = state.belief(fact_id)
        before = current.get(fact_id)
        current[fact_id] = after
        if before is None or (before.status, before.label, before.statement) != (
            after.status, after.label, after.statement
        ):
            yield Change(event, fact_id, before, after)

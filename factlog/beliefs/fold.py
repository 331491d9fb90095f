"""The fold for one fact: state + event -> state, one rule per kind of event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import singledispatch

from attrs import evolve

from .. import events as ev
from .state import FactState, StatementRecord, VerdictRecord, VoidRecord, in_speaker_order


def apply(state: FactState | None, event: ev.Event) -> FactState | None:
    """Fold one event into a fact's state: state + event → state."""
    return _apply(event, state)


# singledispatch picks the handler by its first argument, so the handlers take the event first.
@singledispatch
def _apply(event: ev.Event, state: FactState | None) -> FactState | None:
    return state  # events that do not concern a fact's belief leave it as it is


@_apply.register
def _(event: ev.FactOpened, state: FactState | None) -> FactState:
    return fold_opened(event.fact, event.statement, event.parties, event.tags, event.occurred_at, event.seq or 0)


@_apply.register
def _(event: ev.FactReworded, state: FactState | None) -> FactState | None:
    if state is None:
        return None
    return fold_reworded(state, event.statement, event.seq or 0)


@_apply.register
def _(event: ev.Statement, state: FactState | None) -> FactState | None:
    if state is None:
        return None
    return fold_statement(state, StatementRecord.from_event(event))


@_apply.register
def _(event: ev.Retract, state: FactState | None) -> FactState | None:
    if state is None:
        return None
    return fold_retraction(state, event.target, event.id, event.reason, event.seq or 0)


@_apply.register
def _(event: ev.FactAmended, state: FactState | None) -> FactState | None:
    if state is None:
        return None
    return fold_amended(state, event.statement, event.add_parties, event.remove_parties, event.add_tags,
                        event.remove_tags, event.occurred_at, event.seq or 0)


@_apply.register
def _(event: ev.StatementVoided, state: FactState | None) -> FactState | None:
    if state is None:
        return None
    return fold_void(state, event.target, event.id, event.reason, event.seq or 0)


@_apply.register
def _(event: ev.VerdictGiven, state: FactState | None) -> FactState | None:
    if state is None:
        return None
    return fold_verdict(state, VerdictRecord.from_event(event))


# The rules themselves, one function per kind of event, on plain values: ``apply`` calls them with the fields of
# an event, and a rebuild calls them with the columns of a stored row, without building the event first.
# Each builds the new FactState with its constructor rather than ``evolve``, which costs three times as much.


def fold_opened(fact: str, statement: str, parties: tuple[str, ...], tags: tuple[str, ...],
                occurred_at: dt.datetime | None, seq: int) -> FactState:
    """A ``fact-opened`` event: a fresh state (it replaces any earlier one)."""
    return FactState(fact, statement, parties, tags, occurred_at, opened_seq=seq, updated_seq=seq)


def fold_reworded(state: FactState, statement: str, seq: int) -> FactState:
    """A ``fact-reworded`` event: the new statement; everything said about the fact stays."""
    return FactState(state.fact, statement, state.parties, state.tags, state.occurred_at, state.opened_seq, seq,
                     state.statements, state.first_said, state.standing, state.withdrawn, state.voided,
                     verdicts=state.verdicts)


def fold_statement(state: FactState, record: StatementRecord) -> FactState:
    """A statement: it becomes its source's standing one unless the source said a later one (by valid time)."""
    return fold_statements(state, (record,))


def fold_statements(state: FactState, records: Sequence[StatementRecord]) -> FactState:
    """Statements one after another (no retraction between them): the state that folding them one at a time
    gives, with one new FactState, one sort of the speakers and one of the standing statements for them all."""
    if not records:
        return state
    first = {source: when for when, source in state.first_said}
    held = {r.source: r for r in state.standing}
    spoke_earlier = changed = False
    for record in records:
        source, when = record.source, record.observed_at
        known = first.get(source)
        if known is None or when < known:  # the earliest time each source said anything about the fact
            first[source] = when
            spoke_earlier = True
        current = held.get(source)
        # a statement said before the source's standing one (recorded late) does not replace it
        if current is None or (when, record.seq) > (current.observed_at, current.seq):
            held[source] = record
            changed = True
    first_said = tuple(sorted((when, source) for source, when in first.items())) if spoke_earlier else state.first_said
    standing = in_speaker_order(held.values(), first_said) if changed or spoke_earlier else state.standing
    return FactState(state.fact, state.statement, state.parties, state.tags, state.occurred_at, state.opened_seq,
                     records[-1].seq, state.statements + tuple(records), first_said, standing, state.withdrawn,
                     state.voided, verdicts=state.verdicts)


def fold_retraction(state: FactState, target: str, retract_id: str, reason: str | None, seq: int) -> FactState:
    """A retraction of the statement ``target``; the state as it was if that statement is not in view (e.g. it
    was said after --valid-at) or was withdrawn already."""
    records = state.statements
    index = next((i for i, r in enumerate(records) if r.event_id == target and r.retracted_by is None), None)
    if index is None:
        return state
    old = records[index]
    marked = evolve(old, retracted_by=retract_id, retract_reason=reason)
    records = (*records[:index], marked, *records[index + 1:])
    standing = state.standing
    if any(r.event_id == target for r in standing):
        # the source falls back to its latest statement that still stands, if any
        standing = tuple(r for r in standing if r.event_id != target)
        fallback = _latest_standing(records, old.source)
        standing = in_speaker_order((*standing, fallback), state.first_said) if fallback else standing
    withdrawn = tuple(r for r in records if r.retracted_by is not None)
    return FactState(state.fact, state.statement, state.parties, state.tags, state.occurred_at, state.opened_seq,
                     seq, records, state.first_said, standing, withdrawn, state.voided, verdicts=state.verdicts)


def fold_amended(state: FactState, statement: str | None, add_parties: Sequence[str], remove_parties: Sequence[str],
                 add_tags: Sequence[str], remove_tags: Sequence[str], occurred_at: dt.datetime | None,
                 seq: int) -> FactState:
    """A ``fact-amended`` event: what it gives replaces or changes the fact's own fields; everything said about
    the fact stays. Added parties and tags go after the kept ones, in the order given."""
    return FactState(state.fact, state.statement if statement is None else statement,
                     _changed(state.parties, add_parties, remove_parties), _changed(state.tags, add_tags, remove_tags),
                     state.occurred_at if occurred_at is None else occurred_at, state.opened_seq, seq,
                     state.statements, state.first_said, state.standing, state.withdrawn, state.voided,
                     verdicts=state.verdicts)


def _changed(items: tuple[str, ...], added: Sequence[str], removed: Sequence[str]) -> tuple[str, ...]:
    kept = [item for item in items if item not in removed]
    return (*kept, *(item for item in dict.fromkeys(added) if item not in kept))


def fold_verdict(state: FactState, verdict: VerdictRecord) -> FactState:
    """A ``verdict-given`` event: one more verdict; which one stands is derived (``standing_verdict``)."""
    return evolve(state, updated_seq=verdict.seq, verdicts=(*state.verdicts, verdict))


def _void_verdict(state: FactState, target: str, void_id: str, reason: str | None, seq: int) -> FactState | None:
    """A void of one of the fact's verdicts: it leaves the fact as if the verdict had never been given (the
    earlier standing verdict, if any, counts again). None if ``target`` is no verdict of the fact in view."""
    kept = tuple(v for v in state.verdicts if v.event_id != target)
    if len(kept) == len(state.verdicts):
        return None
    void = VoidRecord(target, "verdict-given", "", void_id, seq, reason)
    return evolve(state, updated_seq=seq, verdicts=kept, voided=(*state.voided, void))


def fold_void(state: FactState, target: str, void_id: str, reason: str | None, seq: int) -> FactState:
    """A ``statement-voided`` event. A voided statement leaves the fact as if it had never been recorded (no
    stance, no "withdrawn by", no speaker); a voided retraction gives its statement back; a voided verdict no
    longer counts. The state as it was if the target is not in view (a statement said after --valid-at, or not
    a statement, retraction or verdict of it)."""
    if state.verdicts:
        unverdicted = _void_verdict(state, target, void_id, reason, seq)
        if unverdicted is not None:
            return unverdicted
    records = state.statements
    for index, record in enumerate(records):
        if record.event_id == target:
            kept = (*records[:index], *records[index + 1:])
            return _recounted(state, kept, seq, VoidRecord(target, record.type, record.source, void_id, seq, reason))
        if record.retracted_by == target:
            restored = evolve(record, retracted_by=None, retract_reason=None)
            kept = (*records[:index], restored, *records[index + 1:])
            return _recounted(state, kept, seq, VoidRecord(target, "retract", record.source, void_id, seq, reason))
    return state


def _recounted(state: FactState, records: tuple[StatementRecord, ...], seq: int, void: VoidRecord) -> FactState:
    """The state with ``records`` as its statements, its speakers, standing and withdrawn statements counted
    again from them (what folding them one at a time gives: a void is rare, so it need not be incremental)."""
    first: dict[str, dt.datetime] = {}
    held: dict[str, StatementRecord] = {}
    for record in records:
        known = first.get(record.source)
        if known is None or record.observed_at < known:
            first[record.source] = record.observed_at
        current = held.get(record.source)
        if record.retracted_by is None and (current is None or record.order > current.order):
            held[record.source] = record
    first_said = tuple(sorted((when, source) for source, when in first.items()))
    withdrawn = tuple(r for r in records if r.retracted_by is not None)
    return FactState(state.fact, state.statement, state.parties, state.tags, state.occurred_at, state.opened_seq,
                     seq, records, first_said, in_speaker_order(held.values(), first_said), withdrawn,
                     (*state.voided, void), verdicts=state.verdicts)


def _latest_standing(records: Iterable[StatementRecord], source: str) -> StatementRecord | None:
    """The source's latest statement by the time it was said (log order breaks ties) that is not retracted."""
    latest = None
    for record in records:
        if record.source == source and record.retracted_by is None and (latest is None or record.order > latest.order):
            latest = record
    return latest


def fold_fact(events: Iterable[ev.Event], state: FactState | None = None) -> FactState | None:
    for event in events:
        state = apply(state, event)
    return state

"""Belief projections: pure folds from events to what is believed about each fact, and by whom.

No I/O here: the store feeds events in and writes the results out. The rules are DESIGN.md's "Belief state";
where a choice had to be made it is written beside the code and in the README.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache, singledispatch

from attrs import define, evolve, field, frozen

from . import events as ev

STANCE_OF_TYPE = {"claim": "asserts", "confirm": "asserts", "deny": "denies", "decline": "declines"}
VERB_OF_TYPE = {"claim": "claimed", "confirm": "confirmed", "deny": "denied", "decline": "declined"}
STATUSES = ("open", "claimed", "confirmed", "denied", "disputed", "retracted")
PARTY_STANCES = ("confirmed", "denied", "split", "declined", "unconfirmed")
# The order in which a label reads out its groups, after the group that gives the status its name.
_LABEL_ORDER = ("confirmed", "claimed", "denied", "split", "unconfirmed", "declined", "withdrawn")
_LABEL_RANK = {verb: rank for rank, verb in enumerate(_LABEL_ORDER)}
# The label group that names each status: it is read first, as "claimed: by ...", "retracted: by ...".
_STATUS_GROUP = {"confirmed": "confirmed", "claimed": "claimed", "denied": "denied", "retracted": "withdrawn"}


@cache  # a log has a handful of parties, and every label names them
def party_name(party: str) -> str:
    """``united-kingdom`` → ``United Kingdom``."""
    return " ".join(word.capitalize() for word in party.split("-"))


@frozen
class SourceInfo:
    """Who speaks: what a ``source-registered`` event says, as beliefs need it."""

    id: str
    name: str
    kind: str
    party: str | None = None
    reliability: str | None = None
    url: str | None = None

    @property
    def speaks_for(self) -> str | None:
        """The party this source speaks for: only an official source speaks for its party."""
        return self.party if self.kind == "official" else None

    @classmethod
    def from_event(cls, event: ev.SourceRegistered) -> SourceInfo:
        return cls(event.source, event.name, event.kind, event.party, event.reliability, event.url)


@frozen
class StatementRecord:
    """One statement of one source about the fact, and whether (and how) it was withdrawn."""

    event_id: str
    seq: int
    type: str
    source: str
    observed_at: dt.datetime
    recorded_at: dt.datetime
    quote: str | None = None
    url: str | None = None
    credibility: int | None = None
    note: str | None = None
    retracted_by: str | None = None
    retract_reason: str | None = None

    @property
    def stance(self) -> str:
        return STANCE_OF_TYPE[self.type]

    @property
    def order(self) -> tuple[dt.datetime, int]:
        # The standing statement is the latest by valid time; the log position breaks ties.
        return (self.observed_at, self.seq)

    @classmethod
    def from_event(cls, event: ev.Statement) -> StatementRecord:
        return cls(
            event.id, event.seq or 0, event.TYPE, event.source, event.observed_at, event.recorded_at,
            event.quote, event.url, event.credibility, event.note,
        )


@frozen
class FactState:
    """Everything the log says about one fact, folded: the fact itself and its statements in log order.

    ``first_said``, ``standing`` and ``withdrawn`` are kept up to date by each event, so that deriving a belief
    costs the number of sources rather than of statements: replay and history derive one after every event.
    """

    fact: str
    statement: str
    parties: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    occurred_at: dt.datetime | None = None
    opened_seq: int = 0
    updated_seq: int = 0
    statements: tuple[StatementRecord, ...] = ()
    first_said: tuple[tuple[dt.datetime, str], ...] = ()  # (when each source first spoke about it, source), sorted
    standing: tuple[StatementRecord, ...] = ()  # each source's standing statement, in ``speakers`` order
    withdrawn: tuple[StatementRecord, ...] = ()  # the retracted statements, in log order

    @property
    def speakers(self) -> tuple[str, ...]:
        """The sources that spoke about the fact, in the order they first did: by the time said, then by id.

        Not by log order, so that two logs merged in different orders read the same labels.
        """
        return tuple(source for _, source in self.first_said)


@frozen
class Belief:
    """What is believed about a fact: its status, label, party stances and per-source stances."""

    fact: str
    statement: str
    status: str
    label: str
    parties: dict[str, str]
    sources: dict[str, str]
    standing: tuple[StatementRecord, ...]
    withdrawn: tuple[StatementRecord, ...]
    updated_seq: int
    statement_count: int


# --- the fold for one fact ------------------------------------------------------------------------------


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
                     state.statements, state.first_said, state.standing, state.withdrawn)


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
    standing = _in_order(held.values(), first_said) if changed or spoke_earlier else state.standing
    return FactState(state.fact, state.statement, state.parties, state.tags, state.occurred_at, state.opened_seq,
                     records[-1].seq, state.statements + tuple(records), first_said, standing, state.withdrawn)


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
        standing = _in_order((*standing, fallback), state.first_said) if fallback else standing
    withdrawn = tuple(r for r in records if r.retracted_by is not None)
    return FactState(state.fact, state.statement, state.parties, state.tags, state.occurred_at, state.opened_seq,
                     seq, records, state.first_said, standing, withdrawn)


def _in_order(records: Iterable[StatementRecord],
              first_said: tuple[tuple[dt.datetime, str], ...]) -> tuple[StatementRecord, ...]:
    """The records, one per source, in the order their sources first spoke."""
    rank = {source: index for index, (_, source) in enumerate(first_said)}
    return tuple(sorted(records, key=lambda r: rank[r.source]))


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


# --- from state to belief -------------------------------------------------------------------------------


def standing_statements(state: FactState) -> list[StatementRecord]:
    """Each source's latest statement that has not been retracted, in the order sources first spoke."""
    return list(state.standing)


def fact_status(standing: Iterable[StatementRecord], withdrawn_any: bool) -> str:
    """DESIGN.md's status table."""
    types = {record.type for record in standing}
    asserts = bool(types & {"claim", "confirm"})
    denies = "deny" in types
    if asserts and denies:
        return "disputed"
    if "confirm" in types:
        return "confirmed"
    if asserts:
        return "claimed"
    if denies:
        return "denied"
    return "retracted" if withdrawn_any else "open"


def stance_of_party(stances: Iterable[str]) -> str:
    """A party's stance from its official sources' standing stances."""
    held = set(stances)
    if "asserts" in held and "denies" in held:
        return "split"
    if "asserts" in held:
        return "confirmed"
    if "denies" in held:
        return "denied"
    if "declines" in held:
        return "declined"
    return "unconfirmed"


def party_stances(
    state: FactState, standing: Iterable[StatementRecord], sources: Mapping[str, SourceInfo]
) -> dict[str, str]:
    """The fact's parties, then every other party whose official source spoke about it, with their stances."""
    parties = list(state.parties)
    for speaker in state.speakers:
        party = sources[speaker].speaks_for
        if party and party not in parties:
            parties.append(party)
    spoken: dict[str, list[str]] = {party: [] for party in parties}
    for record in standing:
        party = sources[record.source].speaks_for
        if party:
            spoken[party].append(record.stance)
    return {party: stance_of_party(spoken[party]) for party in parties}


def label(
    status: str,
    standing: Iterable[StatementRecord],
    withdrawn: Iterable[StatementRecord],
    parties: Mapping[str, str],
    sources: Mapping[str, SourceInfo],
) -> str:
    """One line: ``claimed: by Yuriy Butusov, TASS; unconfirmed by Ukraine; declined by Russia``.

    Sources that speak for a party appear as the party; every other source by its name. ``withdrawn`` are the
    withdrawn assertions and denials of sources that now have no standing statement.
    """
    standing, withdrawn = list(standing), list(withdrawn)
    groups: dict[str, list[str]] = {}
    said_by_party: dict[str, set[str]] = {}  # the statement types each party's officials have standing
    for record in standing:
        source = sources[record.source]
        if source.speaks_for is None:
            groups.setdefault(VERB_OF_TYPE[record.type], []).append(source.name)
        else:
            said_by_party.setdefault(source.speaks_for, set()).add(record.type)
    withdrawn_parties, withdrawn_sources = set(), []
    for record in withdrawn:
        party = sources[record.source].speaks_for
        if party is None:
            withdrawn_sources.append(record.source)
        else:
            withdrawn_parties.add(party)
    for party, stance in parties.items():
        verb = _party_verb(stance, said_by_party.get(party, set()), party in withdrawn_parties)
        groups.setdefault(verb, []).append(party_name(party))
    for source_id in dict.fromkeys(withdrawn_sources):
        groups.setdefault("withdrawn", []).append(sources[source_id].name)
    lead = _STATUS_GROUP.get(status)
    order = sorted(groups, key=lambda verb: (verb != lead, _LABEL_RANK[verb]))
    parts = [_label_group(verb, groups[verb]) for verb in order]
    if parts and order[0] == lead:
        parts[0] = "by " + ", ".join(groups[lead])
    return f"{status}: {'; '.join(parts)}" if parts else status


def _party_verb(stance: str, said: set[str], withdrew: bool) -> str:
    """How the label reads a party out: its stance, in the words its officials used (``said``: the types of
    their standing statements; ``withdrew``: whether they withdrew any).

    A party whose officials only *claim* reads "claimed by", so that a ``claimed`` fact does not also say
    "confirmed by"; a silent party that withdrew what it said reads "withdrawn by" rather than "unconfirmed by".
    """
    if stance == "confirmed" and "confirm" not in said:
        return "claimed"
    if stance == "unconfirmed" and withdrew:
        return "withdrawn"
    return stance


def _label_group(verb: str, names: list[str]) -> str:
    return f"{'split within' if verb == 'split' else verb + ' by'} {', '.join(names)}"


def derive(state: FactState, sources: Mapping[str, SourceInfo]) -> Belief:
    """The belief about a fact, from its folded state and the sources that spoke about it."""
    standing = standing_statements(state)
    withdrawn = state.withdrawn
    standing_sources = {r.source for r in standing}
    # A withdrawn decline took no stance, so withdrawing it neither retracts the fact nor reads "withdrawn".
    unsaid = _in_order({r.source: r for r in withdrawn if r.type != "decline" and r.source not in standing_sources}
                       .values(), state.first_said)
    status = fact_status(standing, any(r.type != "decline" for r in withdrawn))
    parties = party_stances(state, standing, sources)
    return Belief(
        fact=state.fact,
        statement=state.statement,
        status=status,
        label=label(status, standing, unsaid, parties, sources),
        parties=parties,
        sources={r.source: r.stance for r in standing},
        standing=tuple(standing),
        withdrawn=withdrawn,
        updated_seq=state.updated_seq,
        statement_count=len(state.statements),
    )


# --- the fold for a whole log ---------------------------------------------------------------------------


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


def belief_fields(belief: Belief) -> dict:
    """The summary that ``status --json`` prints and the projection table stores."""
    return {
        "fact": belief.fact,
        "statement": belief.statement,
        "status": belief.status,
        "label": belief.label,
        "parties": dict(belief.parties),
        "sources": dict(belief.sources),
        "updated_seq": belief.updated_seq,
    }


__all__ = [name for name in dir() if not name.startswith("_") and name not in {"attrs", "cache", "dt"}]


# --- explaining a belief: the rules that give the status and each party stance --------------------------

_STATUS_RULES = {
    "disputed": "standing assertions and standing denials",
    "confirmed": "a standing confirmation and no standing denial",
    "claimed": "standing claims, no confirmation and no denial",
    "denied": "standing denials and no standing assertion",
    "retracted": "no standing assertion or denial, and at least one was withdrawn",
    "open": "no standing assertion or denial, and none was withdrawn",
}
_PARTY_RULES = {
    "split": "its official sources both assert and deny",
    "confirmed": "its official sources assert",
    "denied": "its official sources deny",
    "declined": "its official sources only decline",
    "unconfirmed": "no official source of it has a standing statement",
}


def explain(belief: Belief, sources: Mapping[str, SourceInfo]) -> dict:
    """Why the belief is what it is: the standing statements and the rule behind each verdict."""
    def who(record: StatementRecord) -> str:
        return sources[record.source].name

    def voices(party: str) -> list[str]:
        said = [f"{who(r)} {r.stance}" for r in belief.standing if sources[r.source].speaks_for == party]
        # a silent party that once spoke: say what it withdrew, which is what the label reads out
        return said or [f"{who(r)} withdrew a {r.type}" for r in belief.withdrawn
                        if sources[r.source].speaks_for == party]

    party_reasons = {}
    for party, stance in belief.parties.items():
        officials = voices(party)
        reason = _PARTY_RULES[stance] + (f" ({', '.join(officials)})" if officials else "")
        party_reasons[party] = {"stance": stance, "rule": reason}
    by_stance: dict[str, list[str]] = {}
    for record in belief.standing:
        by_stance.setdefault(VERB_OF_TYPE[record.type], []).append(who(record))
    for record in belief.withdrawn if belief.status in ("retracted", "open") else ():  # their rules count these
        by_stance.setdefault(f"withdrawn {record.type}", []).append(who(record))
    evidence = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in by_stance.items())
    return {
        "fact": belief.fact,
        "statement": belief.statement,
        "status": belief.status,
        "rule": _STATUS_RULES[belief.status] + (f" ({evidence})" if evidence else ""),
        "label": belief.label,
        "parties": party_reasons,
        "standing": [_record_fields(r, sources) for r in belief.standing],
        "withdrawn": [_record_fields(r, sources) for r in belief.withdrawn],
    }


def _record_fields(record: StatementRecord, sources: Mapping[str, SourceInfo]) -> dict:
    source = sources[record.source]
    return {
        "event_id": record.event_id, "seq": record.seq, "type": record.type, "stance": record.stance,
        "source": record.source, "source_name": source.name, "speaks_for": source.speaks_for,
        "observed_at": record.observed_at.isoformat(), "recorded_at": record.recorded_at.isoformat(),
        "quote": record.quote, "url": record.url, "credibility": record.credibility,
        "retracted_by": record.retracted_by, "retract_reason": record.retract_reason,
    }

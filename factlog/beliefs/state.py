"""The state the belief fold works on: sources, statements, a fact's folded state, and the derived belief."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TypeVar

from attrs import field, frozen

from .. import events as ev

_T = TypeVar("_T")

STANCE_OF_TYPE = {"claim": "asserts", "confirm": "asserts", "deny": "denies", "decline": "declines"}
VERB_OF_TYPE = {"claim": "claimed", "confirm": "confirmed", "deny": "denied", "decline": "declined"}
STATUSES = ("open", "claimed", "confirmed", "denied", "disputed", "retracted")
PARTY_STANCES = ("confirmed", "denied", "split", "declined", "unconfirmed")


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

    def amended(self, event: ev.SourceAmended) -> SourceInfo:
        """The source as a ``source-amended`` event leaves it: each field it gives replaces the old one."""
        party = None if event.no_party else event.party if event.party is not None else self.party
        return SourceInfo(self.id, _given(event.name, self.name), _given(event.kind, self.kind), party,
                          _given(event.reliability, self.reliability), _given(event.url, self.url))


@frozen
class PartyInfo:
    """A registered party: what ``party-registered`` (and later ``party-amended``) events say of it."""

    id: str
    name: str
    kind: str = "other"

    @classmethod
    def from_event(cls, event: ev.PartyRegistered) -> PartyInfo:
        return cls(event.party, event.name, event.kind)

    def amended(self, event: ev.PartyAmended) -> PartyInfo:
        return PartyInfo(self.id, _given(event.name, self.name), _given(event.kind, self.kind))


def _given(new: _T | None, old: _T) -> _T:
    return old if new is None else new


def display_name(party: str, parties: Mapping[str, PartyInfo] | None = None) -> str:
    """A party as labels name it: its registered name ("NATO"), or else its slug in title case ("Nato")."""
    info = parties.get(party) if parties else None
    return info.name if info is not None else party_name(party)


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
    cites: str | None = None  # the source the speaker attributes its words to (DESIGN "cites")

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
            event.quote, event.url, event.credibility, event.note, cites=event.cites,
        )


@frozen
class VoidRecord:
    """An event of the fact voided as a recording error, and the void that took it out of every view."""

    event_id: str
    type: str  # the voided event's type: a statement type, "retract" or "verdict-given"
    source: str  # the statement's source; for a retraction, the source of the statement it withdrew; "" for a verdict
    voided_by: str
    void_seq: int
    reason: str | None = None


@frozen
class VerdictRecord:
    """One verdict of the analyst on the fact (``verdict-given``): a rating, its basis, and when it was given."""

    event_id: str
    seq: int
    rating: str
    basis: str
    observed_at: dt.datetime
    recorded_at: dt.datetime

    @property
    def order(self) -> tuple[dt.datetime, int]:
        # The standing verdict is the latest by valid time; the log position breaks ties (as for statements).
        return (self.observed_at, self.seq)

    @classmethod
    def from_event(cls, event: ev.VerdictGiven) -> VerdictRecord:
        return cls(event.id, event.seq or 0, event.rating, event.basis, event.observed_at, event.recorded_at)


def standing_verdict(verdicts: Iterable[VerdictRecord]) -> VerdictRecord | None:
    """The verdict that counts: the latest of those not voided, by valid time (then log position)."""
    return max(verdicts, key=lambda v: v.order, default=None)


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
    voided: tuple[VoidRecord, ...] = ()  # the fact's statements and retractions voided, in the order of the voids
    verdicts: tuple[VerdictRecord, ...] = ()  # the analyst's verdicts not voided, in log order

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
    voided: tuple[VoidRecord, ...] = ()
    verdict: VerdictRecord | None = None  # the standing verdict: shown beside status and label, never changes them
    # DESIGN "cites": each standing statement's origin chain (speaker first, then whom it cites, ...), and the
    # number of distinct origins among the standing assertions. Derived from ``standing`` (derive.py).
    chains: dict[str, tuple[str, ...]] = field(factory=dict)
    independent_assertions: int = 0


def in_speaker_order(records: Iterable[StatementRecord],
                     first_said: tuple[tuple[dt.datetime, str], ...]) -> tuple[StatementRecord, ...]:
    """The records, one per source, in the order their sources first spoke."""
    rank = {source: index for index, (_, source) in enumerate(first_said)}
    return tuple(sorted(records, key=lambda r: rank[r.source]))

"""The domain checks of an append, shared by every back end: an event must fit the log it goes into (its fact
and source registered, a retraction aimed at a statement still standing ...), and a merge's registration of a
slug the log already has must say the same. The back end answers the questions (``Lookups``); the rules live
here once."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from .. import events as ev
from ..errors import Conflict, InvalidInput, NotFound
from ..times import format_time


class Lookups(Protocol):
    """What the checks ask of the log, inside the append's transaction."""

    def known(self, table: str, key: str) -> bool:
        """Whether the fact (``table`` "facts") or source ("sources") ``key`` is registered."""

    def statement_of(self, event_id: str) -> tuple[str, str | None, str | None, str] | None:
        """The type, fact, source and stored observed_at of event ``event_id``, or None."""

    def targeting(self, event_id: str) -> list[tuple[str, str]]:
        """The id and type of every event that names ``event_id`` as its target (retractions, voids), in order."""


    def registration(self, event_type: str, slug: str) -> ev.Event | None:
        """The event of type ``event_type`` that registered ``slug`` (a source or a fact), or None."""


# The events that register a slug: the table that holds the slug, and the field that names it.
REGISTRATIONS: dict[type[ev.Event], tuple[str, str]] = {
    ev.SourceRegistered: ("sources", "source"),
    ev.FactOpened: ("facts", "fact"),
}


def registered_alike(event: ev.Event, log: Lookups) -> ev.Event | None:
    """For a merge (import, push, pull): the registration already in the log under the slug ``event`` registers,
    when it says the same (``event`` is then not appended: the events that name the slug attach to the one the
    log has). None when ``event`` registers nothing or a slug the log lacks. The same slug with other data is
    refused, naming each field that differs with both values.

    The data compared are the event type's own fields, upcast: the envelope (id, both times, recorder) differs
    between two analysts who registered the same thing, and a registration's observed_at counts nowhere
    (registrations hold in every valid-time view).
    """
    where = REGISTRATIONS.get(type(event))
    if where is None:
        return None
    table, name = where
    slug = getattr(event, name)
    if not log.known(table, slug):
        return None
    existing = log.registration(event.TYPE, slug)
    if existing is None or type(existing) is not type(event):
        return None  # registered by some other event type: locate words the refusal
    differing = [(field, getattr(existing, field), getattr(event, field)) for field in ev.data_fields(type(event))
                 if getattr(existing, field) != getattr(event, field)]
    if differing:
        details = "; ".join(f"{field} {_shown(ours)} (registered) vs {_shown(theirs)} (incoming)"
                            for field, ours, theirs in differing)
        raise Conflict(f"{name} {slug!r} is already registered with different data: {details}",
                       code="registration-differs")
    return existing


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(map(repr, value)) + "]"
    return repr(value)


def locate(event: ev.Event, log: Lookups, merge: bool = False) -> tuple[str | None, str | None, str | None]:
    """Refuse an event that does not fit the log; return the fact, source and target it concerns. ``merge``: the
    event comes from another log (see ``_locate_retraction``)."""
    if isinstance(event, ev.SourceRegistered):
        if log.known("sources", event.source):
            raise Conflict(f"source {event.source!r} already exists")
        return None, event.source, None
    if isinstance(event, ev.FactOpened):
        if log.known("facts", event.fact):
            raise Conflict(f"fact {event.fact!r} already exists")
        return event.fact, None, None
    if isinstance(event, ev.Statement):
        require(log, "facts", event.fact)
        require(log, "sources", event.source)
        if event.cites is not None:
            _require_cited(log, event.cites)
        return event.fact, event.source, None
    if isinstance(event, ev.FactReworded):
        require(log, "facts", event.fact)
        return event.fact, None, None
    if isinstance(event, ev.Retract):
        return _locate_retraction(event, log, merge)
    if isinstance(event, CORRECTIONS):
        return locate_correction(event, log)
    if isinstance(event, ev.SettingChanged):
        return _locate_setting(event, log)
    if isinstance(event, ev.VerdictGiven):
        require(log, "facts", event.fact)  # the analyst's own finding: no source speaks in it
        return event.fact, None, None
    if isinstance(event, ev.EvidenceAttached):
        return _locate_evidence(event, log, merge)
    raise InvalidInput(f"cannot append a {event.TYPE} event")


_WHAT = {"sources": "source", "facts": "fact", "parties": "party"}

# How much later than its recording an event's time may be: the clocks of two analysts' machines may differ a
# little, a typo (2030 for 2022) is years.
CLOCK_SKEW = dt.timedelta(minutes=5)
# What the analyst dates: what a source said or withdrew (valid time), and amendments. Registrations and voids are
# about the record itself.
DATED = (ev.Statement, ev.Retract, ev.FactReworded, ev.FactAmended, ev.SourceAmended, ev.PartyAmended,
         ev.VerdictGiven)


def refuse_future(event: ev.Event) -> None:
    """A statement, retraction or amendment cannot be dated later than its recording (``recorded_at``: now for a
    new event, the record's own time for an imported one), beyond ``CLOCK_SKEW``."""
    # a difference of two times never overflows, where recorded_at + 5 minutes would in the year 9999
    if isinstance(event, DATED) and event.observed_at - event.recorded_at > CLOCK_SKEW:
        raise InvalidInput(
            f"the {event.TYPE}'s time {format_time(event.observed_at)} is in the future: it is more than"
            f" {CLOCK_SKEW.seconds // 60} minutes after it was recorded ({format_time(event.recorded_at)})",
            code="future-time")


def require(log: Lookups, table: str, key: str) -> None:
    if not log.known(table, key):
        what = _WHAT[table]
        raise NotFound(f"no {what} {key!r} in the log", code=f"unknown-{what}")


def _require_cited(log: Lookups, cited: str) -> None:
    """A statement cites a source the log knows (DESIGN "cites"): register it first, even one that never speaks
    directly ("an emergency services source")."""
    if not log.known("sources", cited):
        raise NotFound(f"the cited source {cited!r} is not in the log: register it first (factlog source add)",
                       code="unknown-cited-source")


def _locate_setting(event: ev.SettingChanged, log: Lookups) -> tuple[None, None, None]:
    """A setting concerns the log, not one fact (a fact's rating needs the fact, yet does not change it)."""
    from ..events.settings import rating_fact

    fact = rating_fact(event.key)
    if fact is not None:
        require(log, "facts", fact)
    return None, None, None


def _locate_retraction(event: ev.Retract, log: Lookups, merge: bool) -> tuple[str, str, str]:
    """A retraction must aim at a statement. Recording one, the statement must still stand. Merging, it may
    already be withdrawn: two analysts who share a statement can each record its source's withdrawal, and
    refusing the second would make the logs impossible to merge. Both are kept (merged by id, like any event);
    the fold lets the first in the log withdraw the statement, and in a valid-time view the earliest by its own
    time, so either order gives the same beliefs."""
    found = log.statement_of(event.target)
    if found is None:
        raise NotFound(f"no event {event.target!r} in the log")
    kind, fact, source, observed_at = found
    if kind not in ev.STATEMENT_TYPES or fact is None or source is None:
        raise InvalidInput(f"event {event.target} is a {kind}, not a statement; only statements can be retracted")
    if is_voided(log, event.target):
        raise Conflict(f"statement {event.target} was voided as a recording error; it cannot be retracted")
    if not merge and is_retracted(log, event.target):
        raise Conflict(f"statement {event.target} is already retracted")
    if format_time(event.observed_at) < observed_at:
        raise InvalidInput(f"a retraction cannot be made before the statement it withdraws ({observed_at})")
    return fact, source, event.target


def _locate_evidence(event: ev.EvidenceAttached, log: Lookups, merge: bool) -> tuple[None, None, str]:
    """Evidence is attached to a statement (claim, confirm, deny, decline). It concerns no fact's belief: its
    ``target`` column names the statement, and ``evidence list EVENT`` finds it there. Recording one, the
    statement must not be voided (a merge keeps what the other log attached before its void)."""
    found = log.statement_of(event.target)
    if found is None:
        raise NotFound(f"no event {event.target!r} in the log")
    kind = found[0]
    if kind not in ev.STATEMENT_TYPES:
        raise InvalidInput(f"event {event.target} is a {kind}, not a statement; evidence is attached to a claim,"
                           " confirm, deny or decline")
    if not merge and is_voided(log, event.target):
        raise Conflict(f"statement {event.target} was voided as a recording error; attach evidence to the right one")
    return None, None, event.target


# --- corrections, amendments and parties (DESIGN "Corrections, amendments and parties") -------------------

CORRECTIONS = (ev.StatementVoided, ev.FactAmended, ev.SourceAmended, ev.PartyRegistered, ev.PartyAmended)


def is_voided(log: Lookups, event_id: str) -> bool:
    """Whether a void of ``event_id`` is in the log."""
    return any(kind == "statement-voided" for _, kind in log.targeting(event_id))


def is_retracted(log: Lookups, event_id: str) -> bool:
    """Whether a retraction of ``event_id`` that was not itself voided is in the log."""
    return any(kind == "retract" and not is_voided(log, other) for other, kind in log.targeting(event_id))


def locate_correction(event: ev.Event, log: Lookups) -> tuple[str | None, str | None, str | None]:
    """The checks of the analyst's corrections: what they name must be in the log, and a void must aim at a
    statement or retraction that is not voided yet. Returns the fact, source and target, as ``locate``."""
    if isinstance(event, ev.StatementVoided):
        return _locate_void(event, log)
    if isinstance(event, ev.FactAmended):
        require(log, "facts", event.fact)
        return event.fact, None, None
    if isinstance(event, ev.SourceAmended):
        require(log, "sources", event.source)
        return None, event.source, None
    if isinstance(event, ev.PartyRegistered):
        if log.known("parties", event.party):
            raise Conflict(f"party {event.party!r} already exists; change it with 'factlog party amend'")
        return None, None, None
    assert isinstance(event, ev.PartyAmended)
    require(log, "parties", event.party)
    return None, None, None


def _locate_void(event: ev.StatementVoided, log: Lookups) -> tuple[str, str | None, str]:
    found = log.statement_of(event.target)
    if found is None:
        raise NotFound(f"no event {event.target!r} in the log")
    kind, fact, source, _ = found
    # a verdict is the analyst's, not a source's: it has a fact and no source
    said = (kind in ev.STATEMENT_TYPES or kind == "retract") and source is not None
    if not (said or kind == ev.VerdictGiven.TYPE) or fact is None:
        raise InvalidInput(f"event {event.target} is a {kind}, not a statement, a retraction or a verdict; only"
                           " those can be voided (correct a registration with 'amend')")
    if is_voided(log, event.target):
        raise Conflict(f"event {event.target} is already voided")
    return fact, source, event.target


class Current(Protocol):
    """What ``refuse_unchanged`` asks of the log: how it describes a fact, source or party now."""

    def fact_now(self, fact: str) -> Any:
        """The fact's folded state (``beliefs.FactState``), or None."""

    def source_now(self, source: str) -> Any:
        """The source (``beliefs.SourceInfo``), or None."""

    def party_now(self, party: str) -> Any:
        """The registered party (``beliefs.PartyInfo``), or None."""


def refuse_unchanged(event: ev.Event, log: Current) -> None:
    """An amendment must change something the log holds now (checked for new events only: two analysts who
    made the same amendment each in their own log must still merge)."""
    if isinstance(event, ev.FactAmended):
        state: Any = log.fact_now(event.fact)
        if state is not None and not _fact_changes(event, state):
            raise InvalidInput(f"fact {event.fact!r} already reads so: the amendment changes nothing")
    elif isinstance(event, ev.SourceAmended):
        info: Any = log.source_now(event.source)
        if info is not None and info.amended(event) == info:
            raise InvalidInput(f"source {event.source!r} already reads so: the amendment changes nothing")
    elif isinstance(event, ev.PartyAmended):
        party: Any = log.party_now(event.party)
        if party is not None and party.amended(event) == party:
            raise InvalidInput(f"party {event.party!r} already reads so: the amendment changes nothing")


def _fact_changes(event: ev.FactAmended, state: Any) -> bool:
    return ((event.statement is not None and event.statement != state.statement)
            or any(p not in state.parties for p in event.add_parties)
            or any(p in state.parties for p in event.remove_parties)
            or any(t not in state.tags for t in event.add_tags)
            or any(t in state.tags for t in event.remove_tags)
            or (event.occurred_at is not None and event.occurred_at != state.occurred_at))

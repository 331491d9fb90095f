"""The domain checks of an append, shared by every back end: an event must fit the log it goes into (its fact
and source registered, a retraction aimed at a statement still standing ...). The back end answers the
questions (``Lookups``); the rules live here once."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from .. import events as ev
from ..errors import Conflict, InvalidInput, NotFound
from ..times import format_time


class Lookups(Protocol):
    """What the checks ask of the log, inside the append's transaction."""

    def known(self, table: str, key: str) -> bool:
        """Whether the fact (``table`` "facts") or source ("sources") ``key`` is registered."""

    def statement_of(self, event_id: str) -> tuple[str, str | None, str | None, str] | None:
        """The type, fact, source and stored observed_at of event ``event_id``, or None."""

    def is_retracted(self, event_id: str) -> bool:
        """Whether a retraction of ``event_id`` is in the log."""


def locate(event: ev.Event, log: Lookups) -> tuple[str | None, str | None, str | None]:
    """Refuse an event that does not fit the log; return the fact, source and target it concerns."""
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
        return event.fact, event.source, None
    if isinstance(event, ev.FactReworded):
        require(log, "facts", event.fact)
        return event.fact, None, None
    if isinstance(event, ev.Retract):
        return _locate_retraction(event, log)
    raise InvalidInput(f"cannot append a {event.TYPE} event")


# How much later than its recording an event's time may be: the clocks of two analysts' machines may differ a
# little, a typo (2030 for 2022) is years.
CLOCK_SKEW = dt.timedelta(minutes=5)
# What the analyst dates: what a source said or withdrew (valid time), and amendments. Registrations and voids are
# about the record itself.
DATED = (ev.Statement, ev.Retract, ev.FactReworded, ev.FactAmended, ev.SourceAmended, ev.PartyAmended)


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
        what = "source" if table == "sources" else "fact"
        raise NotFound(f"no {what} {key!r} in the log", code=f"unknown-{what}")


def _locate_retraction(event: ev.Retract, log: Lookups) -> tuple[str, str, str]:
    found = log.statement_of(event.target)
    if found is None:
        raise NotFound(f"no event {event.target!r} in the log")
    kind, fact, source, observed_at = found
    if kind not in ev.STATEMENT_TYPES or fact is None or source is None:
        raise InvalidInput(f"event {event.target} is a {kind}, not a statement; only statements can be retracted")
    if log.is_retracted(event.target):
        raise Conflict(f"statement {event.target} is already retracted")
    if format_time(event.observed_at) < observed_at:
        raise InvalidInput(f"a retraction cannot be made before the statement it withdraws ({observed_at})")
    return fact, source, event.target

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

    def is_retracted(self, event_id: str) -> bool:
        """Whether a retraction of ``event_id`` is in the log."""

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
        return event.fact, event.source, None
    if isinstance(event, ev.FactReworded):
        require(log, "facts", event.fact)
        return event.fact, None, None
    if isinstance(event, ev.Retract):
        return _locate_retraction(event, log, merge)
    raise InvalidInput(f"cannot append a {event.TYPE} event")


def require(log: Lookups, table: str, key: str) -> None:
    if not log.known(table, key):
        what = "source" if table == "sources" else "fact"
        raise NotFound(f"no {what} {key!r} in the log", code=f"unknown-{what}")


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
    if not merge and log.is_retracted(event.target):
        raise Conflict(f"statement {event.target} is already retracted")
    if format_time(event.observed_at) < observed_at:
        raise InvalidInput(f"a retraction cannot be made before the statement it withdraws ({observed_at})")
    return fact, source, event.target

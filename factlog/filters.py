"""Which events, facts and rows a listing keeps (``status``, ``log``, ``export`` take ``--tag``, ``--party``,
``--source``, ``--type``, ``--since`` and ``--until``), defined once for every back end and command.

An event matches when each condition given holds:
- ``tag``: the event is about a fact with that tag;
- ``party``: the event is about a fact tracked for that party, or is by (or registers) a source of that party;
- ``source``: the event is by (or registers, or withdraws a statement of) that source;
- ``type``: the event is of that type;
- ``since`` / ``until``: the event was said (a statement or retraction: the said-at time, ``observed_at``)
  within the range, ends included; what no source said (registrations, amendments, voids) has no said-at time.

A fact matches when one of its events (in the view asked for) matches: ``status --source tass`` lists the facts
TASS spoke about, ``status --tag belgorod`` the facts tagged so. A stance row matches when its fact does and its
standing statement matches the event conditions. The store turns this into its query (SQLite:
``store/sqlite/queries.py``); ``matches`` is the same rule in Python, for the rows a fold makes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from attrs import fields, frozen

SAID_TYPES = ("claim", "confirm", "deny", "decline", "retract")  # the events that have a said-at time


@frozen
class EventFilter:
    tag: str | None = None
    party: str | None = None
    source: str | None = None
    type: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(EventFilter))

    def said_matches(self, source: str | None, type: str, observed_at: dt.datetime) -> bool:
        """The conditions on the event itself (source, type, said-at time), for a row a fold made."""
        if self.source is not None and source != self.source:
            return False
        if self.type is not None and type != self.type:
            return False
        if self.since is None and self.until is None:
            return True
        return (type in SAID_TYPES and (self.since is None or observed_at >= self.since)
                and (self.until is None or observed_at <= self.until))

    def describe(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(EventFilter) if getattr(self, f.name) is not None}


EVERYTHING = EventFilter()

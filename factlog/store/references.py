"""Event references (DESIGN "Event references, ids and times"), resolved once for every back end and command.

A reference is what a user types to name an event: its ``seq`` in this log (a bare number, ``factlog retract
57``), its full id, or a unique prefix of at least ``SHORTEST_PREFIX`` characters of the id (as with git's
hashes). An exact id always wins; an ambiguous reference is an error that lists the candidates with their seq.
The back end answers three questions only: ``content_by_id``, ``event_ids_from`` and ``event_rows``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..clock import Clock
from ..errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from .base import LogStore

SHORTEST_PREFIX = 8  # the ids' first 8 characters are a time stamp: fewer would name whole batches of events
LISTED = 5  # candidates named by an ambiguity error
SEQ = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: a fullwidth "５７" is not a seq


def resolve(store: LogStore, given: str | int) -> str:
    """The id of the event ``given`` names; NotFound or InvalidInput (one line) when it names none or several."""
    if isinstance(given, bool) or not isinstance(given, (str, int)):
        raise InvalidInput(f"an event is named by its seq or its id, not {given!r}")
    if isinstance(given, int):
        return _by_seq(store, given)
    text = given.strip()
    if not text:
        raise InvalidInput("no event named: give its seq, its id or at least 8 characters of its id")
    if not _encodable(text):  # not text any id can be (undecodable bytes on the command line)
        raise NotFound(f"no event {given!r} in the log")
    if store.content_by_id(text) is not None:
        return text  # an exact id wins over a seq or a longer id it is a prefix of
    prefixed = _prefixed(store, text) if len(text) >= SHORTEST_PREFIX else []
    if SEQ.fullmatch(text):
        at_seq = _id_at(store, int(text))
        if not prefixed:
            return _by_seq(store, int(text))
        # a number of 8+ digits may also start ids (their first characters are hex): both readings are listed
        return _one(store, text, ([at_seq] if at_seq else []) + [i for i in prefixed if i != at_seq])
    if len(text) < SHORTEST_PREFIX:
        raise InvalidInput(f"event reference {text!r} is too short: give the event's seq, its full id or at least"
                           f" {SHORTEST_PREFIX} characters of its id")
    if not prefixed:
        raise NotFound(f"no event {text!r} in the log")
    return _one(store, text, prefixed)


def _prefixed(store: LogStore, text: str) -> list[str]:
    """The ids that start with ``text``; ids are lowercase hex, so ``01A233D1`` is read as ``01a233d1`` when
    nothing starts with it as typed (an id imported before ids were checked may hold capitals)."""
    found = store.event_ids_from(text, LISTED + 1)
    if not found and text.lower() != text:
        found = store.event_ids_from(text.lower(), LISTED + 1)
    return found


def _by_seq(store: LogStore, seq: int) -> str:
    if seq < 1:
        raise InvalidInput(f"there is no event at seq {seq}: seqs start at 1")
    found = _id_at(store, seq)
    if found is None:
        last = store.last()[0]
        raise NotFound(f"no event at seq {seq}: the log has {last} event{'s' if last != 1 else ''}")
    return found


def _id_at(store: LogStore, seq: int) -> str | None:
    if seq < 1 or seq > store.last()[0]:
        return None
    for row in store.event_rows(clock=Clock(at_seq=seq), newest_first=True, limit=1):
        return row[1] if row[0] == seq else None
    return None


def _one(store: LogStore, text: str, candidates: list[str]) -> str:
    if len(candidates) == 1:
        return candidates[0]
    named = ", ".join(f"seq {_seq_of(store, i)} ({i})" for i in candidates[:LISTED])
    more = " and more" if len(candidates) > LISTED else ""
    raise InvalidInput(f"event reference {text!r} is ambiguous: it names {named}{more}; give the seq or more"
                       f" characters of the id", code="ambiguous-event")


def _seq_of(store: LogStore, event_id: str) -> int | str:
    found = store.content_by_id(event_id)
    return "?" if found is None else found[0]


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

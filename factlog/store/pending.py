"""An event on its way into the log: the validated event and what to store of it, and its placement."""

from __future__ import annotations

import re
from typing import Any

from attrs import fields, frozen

from .. import events as ev
from ..errors import InvalidInput
from ..times import format_time
from .chain import chain_hash


@frozen
class Pending:
    """An event about to be appended: the parsed event, and the version and data to store as they came.

    ``chained`` is what an exported record said of its place in its own log, ``(seq, prev_hash, hash, fields)``,
    once that hash was checked against the record: where the event lands at the same place after the same
    hash, its hash here is the same and need not be computed twice.
    """

    event: ev.Event
    version: int
    data_text: str
    chained: tuple[Any, Any, str, tuple] | None = None
    written_times: tuple[Any, Any] = (None, None)  # recorded_at and observed_at as the record spelled them
    fresh: bool = False  # made here and now (the API), not merged from another log: an amendment must change something
    attachment: Any = None  # an evidence-attached event's file bytes (``store.evidence.Attachment``), when it brings them

    @classmethod
    def of(cls, event: ev.Event) -> Pending:
        wire = ev.to_wire(event)
        return cls(event, wire["version"], ev.canonical_json(wire["data"]), fresh=True)

    @classmethod
    def from_wire(cls, record: dict[str, Any], check_hash: bool = False) -> Pending:
        """The record as an event to append. With ``check_hash``, a record that carries its hash must match
        it: an export altered after it was written is refused (a record without one is taken as new content)."""
        data_text = ev.canonical_json(record.get("data", {}))
        chained = _checked_chain(record, data_text) if check_hash and record.get("hash") is not None else None
        event = ev.from_wire(record)
        _require_uuid(event.id)
        version = record.get("version", type(event).VERSION)
        return cls(event, version, data_text, chained, (record.get("recorded_at"), record.get("observed_at")))

    def stored_times(self) -> tuple[str, str]:
        """recorded_at and observed_at in their stored form; an export already spells them so, and checking
        that costs a fifth of formatting them again."""
        recorded, observed = self.written_times
        return (recorded if type(recorded) is str and _STORED_TIME.fullmatch(recorded)
                else format_time(self.event.recorded_at),
                observed if type(observed) is str and _STORED_TIME.fullmatch(observed)
                else format_time(self.event.observed_at))

    def content(self) -> tuple:
        """What the log stores of the event besides its id and place: compared when the id is already known."""
        event = self.event
        return (event.TYPE, self.version, *self.stored_times(), event.recorded_by, self.data_text)

    def digest(self, seq: int, prev_hash: str) -> str:
        """The event's hash at ``seq`` after ``prev_hash``: the record's own checked hash when it lands where it
        was, after the same hash, unchanged; else computed."""
        hashed = (self.event.id, *self.content())
        chained = self.chained
        if chained is not None and chained[0] == seq and chained[1] == prev_hash and chained[3] == hashed:
            return chained[2]
        return chain_hash(prev_hash, seq, *hashed)


# What format_time writes: text of this form parses to a time that format_time writes back as the same text.
_STORED_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")


# An event id as factlog writes them: a UUID in its canonical form (lowercase, hyphenated).
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _require_uuid(event_id: Any) -> None:
    """Refuse any other id: an id such as ``0189e7a4`` could pass for the prefix of another event's id."""
    if type(event_id) is str and _UUID.fullmatch(event_id):
        return
    raise InvalidInput(f"event id {str(event_id)[:80]!a} is not a UUID in its canonical form"
                       " (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, lowercase)")


def _checked_chain(record: dict[str, Any], data_text: str) -> tuple[Any, Any, str, tuple]:
    get = record.get
    hashed = (get("id"), get("type"), get("version"), get("recorded_at"), get("observed_at"), get("recorded_by"),
              data_text)
    try:
        digest = chain_hash(get("prev_hash"), get("seq"), *hashed)
    except UnicodeEncodeError:  # a lone surrogate (a JSON escape such as \ud800): not an event, say which field
        ev.from_wire(record)
        raise InvalidInput(f"event {get('id')!a} holds a lone surrogate, which is not valid UTF-8") from None
    if digest != record["hash"]:
        raise HashMismatch(f"event {record.get('id')} does not match its hash: the file was altered after it was"
                           " exported")
    return record.get("seq"), record.get("prev_hash"), digest, hashed


class HashMismatch(InvalidInput):
    """A record's content does not give the hash it carries."""


def placed(event: ev.Event, seq: int, prev_hash: str, digest: str) -> ev.Event:
    """The event with its position in the log. Its fields were validated when it was built and the position
    fields have no validators, so they are set on a copy rather than through ``evolve``, which would validate
    every field again (a tenth of the cost of an import)."""
    if event.seq == seq and event.hash == digest and event.prev_hash == prev_hash:
        return event  # a record imported at the place it had in its own log: it already says all this
    copy = object.__new__(type(event))
    for name in _field_names(type(event)):
        object.__setattr__(copy, name, getattr(event, name))
    for name, value in (("seq", seq), ("prev_hash", prev_hash), ("hash", digest)):
        object.__setattr__(copy, name, value)
    return copy


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type[ev.Event]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(a.name for a in fields(cls))
    return names

"""The events of the log: one frozen attrs class per type, and the one cattrs converter.

An event travels as a *wire record*: the envelope (``seq``, ``id``, ``type``, ``version``, ``recorded_at``,
``observed_at``, ``recorded_by``, ``prev_hash``, ``hash``) plus the type's own fields under ``data``. This
module turns wire records into event objects and back; it does no I/O.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from json.encoder import c_make_encoder as _c_make_encoder  # type: ignore[attr-defined]  (None without _json)
from json.encoder import encode_basestring as _encode_json_string
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
from attrs import field, frozen

if TYPE_CHECKING:
    import cattrs

from .errors import InvalidInput
from .times import format_time, parse_time

SOURCE_KINDS = ("official", "journalist", "agency", "media", "witness", "anonymous", "document", "other")
RELIABILITY_RATINGS = "ABCDEF"
STATEMENT_TYPES = ("claim", "confirm", "deny", "decline")

# Upper limits a user could hit; stated in the README.
MAX_ID = 64
MAX_NAME = 500
MAX_TEXT = 20_000
MAX_URL = 2_000
MAX_ITEMS = 100

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def normalize_slug(value: str) -> str:
    """One identity for one slug: fullwidth and other compatibility forms fold to ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", value)


def _slug(instance: Any, attribute: attrs.Attribute, value: str | None) -> None:
    if value is None:
        return
    if len(value) > MAX_ID or not _SLUG.fullmatch(value):
        raise ValueError(
            f"{attribute.name} {value!r} is not a slug: lowercase letters, digits and single '-', "
            f"at most {MAX_ID} characters"
        )


def _text(limit: int, required: bool = False) -> Callable[[Any, attrs.Attribute, str | None], None]:
    def check(instance: Any, attribute: attrs.Attribute, value: str | None) -> None:
        if value is None:
            return
        if required and not value.strip():
            raise ValueError(f"{attribute.name} must not be empty")
        if len(value) > limit:
            raise ValueError(f"{attribute.name} is {len(value):,} characters long; the limit is {limit:,}")

    return check


def _one_of(choices: tuple[str, ...] | str, what: str) -> Callable[[Any, attrs.Attribute, Any], None]:
    choices = tuple(choices)  # a string of letters is a set of one-letter choices, not a substring test ("AB")

    def check(instance: Any, attribute: attrs.Attribute, value: str | None) -> None:
        if value is not None and value not in choices:
            raise ValueError(f"{what} {value!r} is not one of {', '.join(choices)}")

    return check


def _credibility(instance: Any, attribute: attrs.Attribute, value: int | None) -> None:
    if value is not None and not 1 <= value <= 6:
        raise ValueError(f"credibility {value} is outside 1-6 (Admiralty information rating)")


def _slugs(instance: Any, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
    if len(value) > MAX_ITEMS:
        raise ValueError(f"{attribute.name} has {len(value)} items; the limit is {MAX_ITEMS}")
    for item in value:
        _slug(instance, attribute, item)
    if len(set(value)) != len(value):
        raise ValueError(f"{attribute.name} names the same item twice")


def _aware(instance: Any, attribute: attrs.Attribute, value: dt.datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{attribute.name} has no UTC offset")


@frozen(kw_only=True)
class Event:
    """The envelope every event shares. ``seq``, ``prev_hash`` and ``hash`` are set when the log appends it."""

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    id: str = field(validator=_text(MAX_ID, required=True))
    recorded_at: dt.datetime = field(validator=_aware)
    observed_at: dt.datetime = field(validator=_aware)
    recorded_by: str = field(validator=_text(MAX_NAME))
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None

    @property
    def type(self) -> str:
        return self.TYPE


@frozen(kw_only=True)
class SourceRegistered(Event):
    """A source (who speaks) enters the log."""

    TYPE: ClassVar[str] = "source-registered"
    source: str = field(validator=_slug)
    name: str = field(validator=_text(MAX_NAME, required=True))
    kind: str = field(default="other", validator=_one_of(SOURCE_KINDS, "kind"))
    party: str | None = field(default=None, validator=_slug)
    reliability: str | None = field(default=None, validator=_one_of(RELIABILITY_RATINGS, "reliability"))
    url: str | None = field(default=None, validator=_text(MAX_URL))


@frozen(kw_only=True)
class FactOpened(Event):
    """A proposition to track. Version 2 replaced v1's single ``party`` with the list ``parties``."""

    TYPE: ClassVar[str] = "fact-opened"
    VERSION: ClassVar[int] = 2
    fact: str = field(validator=_slug)
    statement: str = field(validator=_text(MAX_TEXT, required=True))
    parties: tuple[str, ...] = field(default=(), validator=_slugs)
    tags: tuple[str, ...] = field(default=(), validator=_slugs)
    occurred_at: dt.datetime | None = field(default=None, validator=_aware)


@frozen(kw_only=True)
class FactReworded(Event):
    """An amendment: the fact's statement is reworded; its history and statements stay."""

    TYPE: ClassVar[str] = "fact-reworded"
    fact: str = field(validator=_slug)
    statement: str = field(validator=_text(MAX_TEXT, required=True))
    reason: str | None = field(default=None, validator=_text(MAX_TEXT))


@frozen(kw_only=True)
class Statement(Event):
    """What one source said about one fact."""

    fact: str = field(validator=_slug)
    source: str = field(validator=_slug)
    quote: str | None = field(default=None, validator=_text(MAX_TEXT, required=True))
    url: str | None = field(default=None, validator=_text(MAX_URL))
    credibility: int | None = field(default=None, validator=_credibility)
    note: str | None = field(default=None, validator=_text(MAX_TEXT))


@frozen(kw_only=True)
class Claim(Statement):
    """The source asserts the fact."""

    TYPE: ClassVar[str] = "claim"


@frozen(kw_only=True)
class Confirm(Statement):
    """The source asserts the fact with authority (typically the party responsible)."""

    TYPE: ClassVar[str] = "confirm"


@frozen(kw_only=True)
class Deny(Statement):
    """The source asserts the fact is false."""

    TYPE: ClassVar[str] = "deny"


@frozen(kw_only=True)
class Decline(Statement):
    """The source addressed the question and took no stance."""

    TYPE: ClassVar[str] = "decline"


@frozen(kw_only=True)
class Retract(Event):
    """The source of one earlier statement withdraws it."""

    TYPE: ClassVar[str] = "retract"
    target: str = field(validator=_text(MAX_ID, required=True))
    reason: str | None = field(default=None, validator=_text(MAX_TEXT))


EVENT_CLASSES: dict[str, type[Event]] = {
    cls.TYPE: cls for cls in (SourceRegistered, FactOpened, FactReworded, Claim, Confirm, Deny, Decline, Retract)
}
ENVELOPE_FIELDS = tuple(a.name for a in attrs.fields(Event))
POSITION_FIELDS = ("seq", "prev_hash", "hash")


def data_fields(cls: type[Event]) -> tuple[str, ...]:
    return tuple(a.name for a in attrs.fields(cls) if a.name not in ENVELOPE_FIELDS)


# --- upcasting: old versions of a type's data are brought to the current version on read ---------------


def _fact_opened_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "parties" in data:  # not a v1 key: refuse it rather than overwrite (and so hide) it
        raise InvalidInput("invalid fact-opened event: version 1 has no 'parties' (that is version 2)")
    party = data.pop("party", None)
    data["parties"] = [party] if party else []
    return data


UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("fact-opened", 1): _fact_opened_v1_to_v2,
}


def upcast(event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring ``data`` stored at ``version`` up to the current version of ``event_type``."""
    current = EVENT_CLASSES[event_type].VERSION
    if version > current:
        raise InvalidInput(f"{event_type} version {version} is newer than this factlog knows ({current}); upgrade")
    while version < current:
        step = UPCASTERS.get((event_type, version))
        if step is None:
            raise InvalidInput(f"no upcast from {event_type} version {version}")
        data = step(data)
        version += 1
    return data


# --- the converter: strict, no silent coercion ----------------------------------------------------------


def _strict_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid UTF-8 (lone surrogate)") from None
    return value


def _strict_int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    if abs(value) > 2**63 - 1:
        raise ValueError("integer out of range")
    return value


def _strict_datetime(value: Any, _: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise ValueError("time has no UTC offset")
        return value.astimezone(dt.timezone.utc)
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 time, got {type(value).__name__}")
    try:
        return parse_time(value)
    except InvalidInput as exc:
        raise ValueError(str(exc)) from None


def _strict_slug_tuple(value: Any, _: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return tuple(_strict_str(item, str) for item in value)


def _make_converter() -> cattrs.Converter:
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(dt.datetime, _strict_datetime)
    converter.register_structure_hook_func(lambda type_: type_ == tuple[str, ...], _strict_slug_tuple)
    converter.register_unstructure_hook(dt.datetime, format_time)
    converter.register_unstructure_hook(tuple, list)
    return converter


@cache
def get_converter() -> cattrs.Converter:
    """The converter, built on first use: the fast path below handles the usual records, so most commands never
    import cattrs nor build it."""
    return _make_converter()


def __getattr__(name: str) -> Any:
    if name == "converter":  # ``events.converter``, as before it was built lazily
        return get_converter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _format_exception(exc: BaseException, type_: Any) -> str:
    # Our hooks and validators write messages meant for people; keep them rather than cattrs' generic ones.
    import cattrs

    if isinstance(exc, (ValueError, TypeError)) and str(exc) and not isinstance(exc, cattrs.BaseValidationError):
        return str(exc)
    return cattrs.v.format_exception(exc, type_)


def _describe(exc: Exception, cls: type[Event]) -> str:
    import cattrs

    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc, path=cls.TYPE, format_exception=_format_exception)
        return "; ".join(_reword(message, cls.TYPE) for message in messages)
    return str(exc)


def _reword(message: str, root: str) -> str:
    """cattrs' ``reason @ claim.credibility`` read as ``credibility: reason``; the bare root path is dropped."""
    reason, _, path = message.rpartition(" @ ")
    if not reason:
        return message
    field_path = path[len(root) + 1:] if path.startswith(root + ".") else ("" if path == root else path)
    if not field_path or reason.startswith(field_path.split(".")[-1] + " "):
        return reason
    return f"{field_path}: {reason}"


# --- the fast path: the same checks as the converter's hooks, for the shapes events have -----------------
# Importing or replaying a log structures every event; the converter's generic dispatch costs most of that time.
# A record the fast path accepts, the converter accepts too and builds the same event; anything else (wrong type,
# extra key, failed validator) goes to the converter, which decides and words the error.


class _Slow(Exception):
    """This value is not one the fast path can vouch for."""


def _fast_str(value: Any) -> str:
    if type(value) is not str or "\x00" in value:
        raise _Slow
    if not value.isascii():
        value.encode("utf-8")  # a lone surrogate raises here, and the converter refuses it with its own words
    return value


def _fast_int(value: Any) -> int:
    if type(value) is not int or not -(2**63 - 1) <= value <= 2**63 - 1:
        raise _Slow
    return value


def _fast_datetime(value: Any) -> dt.datetime:
    if type(value) is str:
        return parse_time(value)
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        return value.astimezone(dt.timezone.utc)
    raise _Slow


def _fast_str_tuple(value: Any) -> tuple[str, ...]:
    if type(value) is not list and type(value) is not tuple:
        raise _Slow
    return tuple(_fast_str(item) for item in value)


_FAST_CHECKS = {"str": _fast_str, "int": _fast_int, "dt.datetime": _fast_datetime, "tuple[str, ...]": _fast_str_tuple}


def _fast_fields(cls: type[Event]) -> dict[str, tuple[Callable[[Any], Any], bool]] | None:
    """Each field's check and whether it may be None; None if a field has a type the fast path does not know."""
    fields = {}
    for attribute in attrs.fields(cls):
        text = attribute.type if isinstance(attribute.type, str) else None
        optional = bool(text and text.endswith(" | None"))
        check = _FAST_CHECKS.get(text[: -len(" | None")] if optional else text) if text else None
        if check is None:
            return None
        fields[attribute.name] = (check, optional)
    return fields


def _fast_values(fields: Mapping[str, tuple[Callable[[Any], Any] | None, bool]], pairs: Iterable[tuple[str, Any]],
                 values: dict[str, Any]) -> None:
    """Check each (name, value) as the converter's hooks would and put it in ``values``; raise (_Slow or any error)
    for anything the converter might refuse or read differently. Names whose check is None are skipped."""
    for name, value in pairs:
        check, optional = fields[name]  # an unknown key raises KeyError: the converter refuses extra keys
        if check is _fast_str and type(value) is str and value.isascii() and "\x00" not in value:
            pass  # the usual text, which _fast_str passes as it is: checked here without a call
        elif check is None:
            continue
        elif value is None and optional:
            pass
        else:
            value = check(value)
        values[name] = value


def _fast_structure(flat: Mapping[str, Any], cls: type[Event]) -> Event:
    fields = _FAST_FIELDS[cls]
    if fields is None:
        raise _Slow
    values: dict[str, Any] = {}
    _fast_values(fields, flat.items(), values)
    return cls(**values)


def _fast_from_wire(record: dict[str, Any]) -> Event:
    """from_wire of a record at the current version, its envelope and data checked where they are.

    It accepts a record only if every key of the record is an envelope field (or type, version, data) and every
    key of data is a data field: then from_wire's merged mapping holds the same keys and values, none is
    overwritten, nothing is upcast, and ``_fast_structure`` of it checks each value as here."""
    cls = EVENT_CLASSES[record["type"]]  # no type or an unknown one raises: from_wire words it
    version = record.get("version", cls.VERSION)
    data = record.get("data", {})
    tables = _FAST_WIRE_FIELDS[cls]
    if type(version) is not int or version != cls.VERSION or type(data) is not dict or tables is None:
        raise _Slow
    values: dict[str, Any] = {}
    _fast_values(tables[0], record.items(), values)
    _fast_values(tables[1], data.items(), values)
    return cls(**values)


def _wire_tables(cls: type[Event]) -> tuple[dict, dict] | None:
    """The fast checks of the record's own keys (type, version, data skipped) and of its data's keys."""
    fields = _FAST_FIELDS[cls]
    if fields is None:
        return None
    envelope = {name: check for name, check in fields.items() if name in ENVELOPE_FIELDS}
    envelope.update({name: (None, False) for name in ("type", "version", "data")})
    return envelope, {name: check for name, check in fields.items() if name not in ENVELOPE_FIELDS}


_FAST_FIELDS = {cls: _fast_fields(cls) for cls in EVENT_CLASSES.values()}
_FAST_WIRE_FIELDS = {cls: _wire_tables(cls) for cls in EVENT_CLASSES.values()}


def structure(flat: Mapping[str, Any], cls: type[Event]) -> Event:
    """Build an event of ``cls`` from a flat mapping of envelope and data fields, or raise InvalidInput."""
    try:
        return _fast_structure(flat, cls)
    except Exception:  # noqa: BLE001  (the converter below decides, and words the error)
        pass
    import cattrs

    try:
        return get_converter().structure(dict(flat), cls)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        raise InvalidInput(f"invalid {cls.TYPE} event: {_describe(exc, cls)}") from None


def from_wire(record: Mapping[str, Any]) -> Event:
    """The tagged union: read ``type`` and ``version``, upcast ``data``, structure the matching class."""
    if type(record) is dict:
        try:
            return _fast_from_wire(record)
        except Exception:  # noqa: BLE001  (the full reading below decides, and words the error)
            pass
    return _from_wire(record)


def _from_wire(record: Mapping[str, Any]) -> Event:
    if not isinstance(record, Mapping):
        raise InvalidInput(f"an event must be a JSON object, got {type(record).__name__}")
    rest = dict(record)
    event_type = rest.pop("type", None)
    if not isinstance(event_type, str) or event_type not in EVENT_CLASSES:
        raise InvalidInput(f"unknown event type {event_type!r}; known: {', '.join(EVENT_CLASSES)}")
    cls = EVENT_CLASSES[event_type]
    version = rest.pop("version", cls.VERSION)
    data = rest.pop("data", {})
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidInput(f"invalid {event_type} event: version must be an integer")
    if not isinstance(data, dict):
        raise InvalidInput(f"invalid {event_type} event: data must be an object")
    clash = set(data) & set(ENVELOPE_FIELDS)
    if clash:
        raise InvalidInput(f"invalid {event_type} event: data may not hold envelope field(s) {', '.join(sorted(clash))}")
    return structure({**rest, **upcast(event_type, version, data)}, cls)


def to_wire(event: Event) -> dict[str, Any]:
    """The wire record of an event, in a fixed key order."""
    return {
        "seq": event.seq, "id": event.id, "type": event.TYPE, "version": event.VERSION,
        "recorded_at": format_time(event.recorded_at), "observed_at": format_time(event.observed_at),
        "recorded_by": event.recorded_by,
        "data": {name: _plain(getattr(event, name)) for name in _DATA_FIELDS[type(event)]},
        "prev_hash": event.prev_hash, "hash": event.hash,
    }


def _plain(value: Any) -> Any:
    """What the converter's unstructure hooks give, without generating code for it at every start (a write
    command builds one wire record, and compiling the converter's function for it cost more than the write)."""
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, tuple):
        return list(value)
    return value


_DATA_FIELDS = {cls: data_fields(cls) for cls in EVENT_CLASSES.values()}


def content_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """What an event *says*, independent of where it sits in a log: the wire record without its position."""
    return {key: value for key, value in record.items() if key not in POSITION_FIELDS}


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """One spelling per value, so that hashes and exports are byte-identical across runs."""
    if _c_make_encoder is None:  # an interpreter without the json accelerator
        return _CANONICAL.encode(value)
    # What json.dumps(value, **the options above) runs, without building a JSONEncoder each time (import
    # spells every record's data: 2.4 -> 1.4 us). Fresh markers each call, as json does: they hold what is being
    # encoded, to refuse cycles, and a shared dict could be left dirty by an error or seen by another thread.
    encode = _c_make_encoder({}, _CANONICAL.default, _encode_json_string, None, ":", ",", True, False, False)
    return "".join(encode(value, 0))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in factlog JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError("number out of range")
    return number


def strict_json_loads(text: str | bytes) -> Any:
    """json.loads that refuses NaN, Infinity and out-of-range numbers instead of reading them."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)


def new_event_id() -> str:
    """A UUIDv7: unique, stable, independent of position, and time-ordered so the id index stays compact."""
    import time

    millis = time.time_ns() // 1_000_000
    value = (millis & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

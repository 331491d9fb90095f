"""The one cattrs converter, and wire records in and out.

An event travels as a *wire record*: the envelope (``seq``, ``id``, ``type``, ``version``, ``recorded_at``,
``observed_at``, ``recorded_by``, ``prev_hash``, ``hash``) plus the type's own fields under ``data``. This module
turns wire records into event objects (strictly: no silent coercion) and back; it does no I/O.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from ..errors import InvalidInput
from ..times import format_time, parse_time
from .model import ENVELOPE_FIELDS, EVENT_CLASSES, OMITTED_WHEN_NONE, POSITION_FIELDS, Event, data_fields
from .upcasting import upcast

if TYPE_CHECKING:
    import cattrs

_INT64 = 2**63 - 1


# --- the converter's hooks: strict, no silent coercion --------------------------------------------------


def _strict_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    if not value.isascii():  # only non-ASCII text can hold a lone surrogate
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("is not valid UTF-8 (lone surrogate)") from None
    return value


def _strict_int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    if abs(value) > _INT64:
        raise ValueError("integer out of range")
    return value


def _strict_bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
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


def _strict_str_tuple(value: Any, _: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return tuple(_strict_str(item, str) for item in value)


def _is_optional(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) in (Union, types.UnionType) and len(args) == 2 and type(None) in args


def _optional_hook(type_: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """``X | None``: None, or X's hook, looked up once here rather than at every value (cattrs' own optional
    hook dispatches on X for each value, and events have up to seven optional fields)."""
    inner = next(arg for arg in get_args(type_) if arg is not type(None))
    hook = converter.get_structure_hook(inner)

    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return structure_optional


def _make_converter() -> cattrs.Converter:
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(bool, _strict_bool)
    converter.register_structure_hook(dt.datetime, _strict_datetime)
    converter.register_structure_hook_func(lambda type_: type_ == tuple[str, ...], _strict_str_tuple)
    converter.register_structure_hook_factory(_is_optional, _optional_hook)
    return converter


@cache
def get_converter() -> cattrs.Converter:
    """The converter, built on first use: commands that only write events build them directly and never import
    cattrs."""
    return _make_converter()


# --- error wording ----------------------------------------------------------------------------------------


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


# --- wire records -----------------------------------------------------------------------------------------


_HOOKS: dict[type[Event], Callable[[Any, Any], Any]] = {}


def _structure_hook(cls: type[Event]) -> Callable[[Any, Any], Any]:
    """The converter's hook for the class, looked up once: converter.structure dispatches on it at every call."""
    hook = _HOOKS.get(cls)
    if hook is None:
        hook = _HOOKS[cls] = get_converter().get_structure_hook(cls)
    return hook


def structure(flat: Mapping[str, Any], cls: type[Event]) -> Event:
    """Build an event of ``cls`` from a flat mapping of envelope and data fields, or raise InvalidInput."""
    try:
        return _structure_hook(cls)(flat if type(flat) is dict else dict(flat), cls)
    except Exception as exc:
        import cattrs  # imported already: the converter is built

        if not isinstance(exc, (cattrs.BaseValidationError, ValueError, TypeError)):
            raise
        raise InvalidInput(f"invalid {cls.TYPE} event: {_describe(exc, cls)}") from None


def from_wire(record: Mapping[str, Any]) -> Event:
    """The tagged union: read ``type`` and ``version``, upcast ``data``, structure the matching class."""
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
    clash = set(data) & _ENVELOPE
    if clash:
        raise InvalidInput(f"invalid {event_type} event: data may not hold envelope field(s) "
                           f"{', '.join(sorted(clash))}")
    rest.update(upcast(event_type, version, data))
    return structure(rest, cls)


_ENVELOPE = frozenset(ENVELOPE_FIELDS)


def to_wire(event: Event) -> dict[str, Any]:
    """The wire record of an event, in a fixed key order.

    Written out rather than through the converter's unstructuring: the fields are few and fixed, and a write
    command then neither imports cattrs nor generates code for the one record it builds."""
    return {
        "seq": event.seq, "id": event.id, "type": event.TYPE, "version": event.VERSION,
        "recorded_at": format_time(event.recorded_at), "observed_at": format_time(event.observed_at),
        "recorded_by": event.recorded_by,
        "data": _data(event),
        "prev_hash": event.prev_hash, "hash": event.hash,
    }


def _data(event: Event) -> dict[str, Any]:
    data = {name: _plain(getattr(event, name)) for name in _DATA_FIELDS[type(event)]}
    for name in _OMITTED.get(type(event), ()):
        if data[name] is None:
            del data[name]
    return data


def _plain(value: Any) -> Any:
    """A field's value as JSON holds it: times in their stored form, tuples as lists."""
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, tuple):
        return list(value)
    return value


_DATA_FIELDS = {cls: data_fields(cls) for cls in EVENT_CLASSES.values()}
_OMITTED = {cls: tuple(name for name in fields if name in OMITTED_WHEN_NONE) for cls, fields in _DATA_FIELDS.items()}


def content_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """What an event *says*, independent of where it sits in a log: the wire record without its position."""
    return {key: value for key, value in record.items() if key not in POSITION_FIELDS}

"""Parsing and formatting of times: ISO 8601 with an offset in, UTC out."""

from __future__ import annotations

import datetime as dt
import re

from .errors import InvalidInput

UTC = dt.timezone.utc


EXAMPLE = "2022-03-29T22:00:00+03:00"
# The date in the extended form every message and example uses; what follows it is checked apart (``_shape``).
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The form ``format_time`` writes (and exports carry): read as it is, without the checks a typed time needs.
_STORED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")


def parse_time(text: str, default_zone: str | None = None) -> dt.datetime:
    """Parse an ISO 8601 time; a time without an offset is refused unless ``default_zone`` names one.

    A date alone means midnight: in its own offset if it has one (``2022-11-16+03:00``), else in
    ``default_zone``. The result is always in UTC.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"time must be a string, got {type(text).__name__}")
    if len(text) == 32 and _STORED.fullmatch(text):  # the stored form (every imported time): UTC already
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:  # a month 13, a year 0: the path below words it
            pass
    cleaned = _shape(text)
    try:
        parsed = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"cannot read {text!r} as a time; use ISO 8601, e.g. {EXAMPLE}") from None
    if parsed.tzinfo is None:
        if not default_zone:
            # the form suggested here must read as it says: ``_shape`` reads a date with an offset as midnight
            suggested = cleaned.replace(" ", "T", 1)  # one word, for the shell
            raise InvalidInput(
                f"time {text!r} has no UTC offset; add one (e.g. {suggested}+03:00) or say which zone with --tz"
            )
        parsed = parsed.replace(tzinfo=zone(default_zone))
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is in the year 10000 in UTC
        raise InvalidInput(f"time {text!r} is out of range: it must fall within the years 1-9999 in UTC") from None


# What people type on the command line besides ISO 8601 (``--since 7d``, ``--as-of yesterday``), stated in the
# CLI's root help. Wire records (imports) never take these: only ``parse_user_time`` reads them.
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
          "d": 86400, "day": 86400, "w": 604800, "week": 604800}
_SPAN = re.compile(r"(\d{1,7})\s*([a-z]+?)s?(?:\s+ago)?")
_DAYS_BACK = {"today": 0, "yesterday": 1}


def parse_user_time(text: str, default_zone: str | None = None, moment: dt.datetime | None = None) -> dt.datetime:
    """A time as a person types it: ISO 8601 (``parse_time``), ``now``, ``today``, ``yesterday`` or a span
    back from now (``7d``, ``36h``, ``2 weeks ago``). ``moment`` stands for now (tests)."""
    if not isinstance(text, str):
        raise InvalidInput(f"time must be a string, got {type(text).__name__}")
    word = " ".join(text.lower().split())
    current = moment or now()
    if word == "now":
        return current
    if word in _DAYS_BACK:
        local = current.astimezone(zone(default_zone) if default_zone else None)
        midnight = local.date() - dt.timedelta(days=_DAYS_BACK[word])
        return dt.datetime.combine(midnight, dt.time(), local.tzinfo).astimezone(UTC)
    span = _SPAN.fullmatch(word)
    if span and span.group(2) in _UNITS:
        try:
            return current - dt.timedelta(seconds=int(span.group(1)) * _UNITS[span.group(2)])
        except OverflowError:
            raise InvalidInput(f"time {text!r} is before the year 1") from None
    if DATE.match(word) is None:
        raise InvalidInput(f"cannot read {text!r} as a time; use ISO 8601 (e.g. {EXAMPLE}), a span back from now"
                           " (30s, 15m, 36h, 7d, 2w), now, today or yesterday")
    return parse_time(text, default_zone)


def _shape(text: str) -> str:
    """``text`` as ``fromisoformat`` must read it: a date, then nothing, ``T``/space and a time, or an offset.

    ``fromisoformat`` takes any character between the date and the time, so on its own it would read
    ``2022-11-16+03:00`` as 03:00 with no offset: a date followed by an offset is made midnight at that offset."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isprintable()):  # fromisoformat ignores a trailing NUL, for one
        raise InvalidInput(f"cannot read {text!r} as a time; use ISO 8601, e.g. {EXAMPLE}")
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"  # Python 3.10's fromisoformat does not know "Z"
    date = DATE.match(cleaned)
    rest = cleaned[date.end():] if date else "?"
    if not date or rest[:1] not in ("", "T", "t", " ", "+", "-"):
        raise InvalidInput(f"cannot read {text!r} as a time; use ISO 8601, e.g. {EXAMPLE}")
    if rest[:1] in ("+", "-"):
        return f"{date.group()}T00:00{rest}"
    return cleaned


def zone(name: str) -> dt.tzinfo:
    """The time zone called ``name`` (an IANA name such as Europe/Kyiv, or UTC)."""
    if name.upper() == "UTC":
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r}; use an IANA name such as Europe/Kyiv") from None


def format_time(moment: dt.datetime) -> str:
    """The stored form: UTC, microseconds, so that text order is time order.

    isoformat, not strftime: it writes a year before 1000 with four digits (strftime's ``%Y`` writes ``999``,
    which no ISO 8601 reader accepts), and costs two thirds as much."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def now() -> dt.datetime:
    return dt.datetime.now(UTC)

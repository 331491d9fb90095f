"""Parsing and formatting of times: ISO 8601 with an offset in, UTC out."""

from __future__ import annotations

import datetime as dt

from .errors import InvalidInput

UTC = dt.timezone.utc


def parse_time(text: str, default_zone: str | None = None) -> dt.datetime:
    """Parse an ISO 8601 time; a time without an offset is refused unless ``default_zone`` names one.

    The result is always in UTC.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"time must be a string, got {type(text).__name__}")
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isprintable()):  # fromisoformat ignores a trailing NUL, for one
        raise InvalidInput(f"cannot read {text!r} as a time; use ISO 8601, e.g. 2022-03-29T22:00:00+03:00")
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"  # Python 3.10's fromisoformat does not know "Z"
    try:
        parsed = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"cannot read {text!r} as a time; use ISO 8601, e.g. 2022-03-29T22:00:00+03:00") from None
    if parsed.tzinfo is None:
        if not default_zone:
            raise InvalidInput(
                f"time {text!r} has no UTC offset; add one (e.g. {text}+03:00) or say which zone with --tz"
            )
        parsed = parsed.replace(tzinfo=zone(default_zone))
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is in the year 10000 in UTC
        raise InvalidInput(f"time {text!r} is out of range: it must fall within the years 1-9999 in UTC") from None


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

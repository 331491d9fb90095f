"""Ids as a user types them, in the form the log keeps them."""

from __future__ import annotations

from . import events as ev
from .errors import InvalidInput


def slug(value: str | None) -> str | None:
    """Ids are compared in NFKC, so fullwidth or decomposed input names the same thing."""
    if value is None:
        return None
    folded = ev.normalize_slug(value).strip()
    try:
        folded.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes on the command line: no id in the log can match them
        raise InvalidInput(f"id {value!r} is not valid UTF-8 text") from None
    return folded

"""Text helpers the built-in exporters share: valid UTF-8 out, whatever came in.

The log itself refuses lone surrogates (``factlog.events``), so they reach an exporter only through rows built
elsewhere; the human-facing formats then replace each with U+FFFD rather than crash half-way through a file.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def valid_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so that it encodes as UTF-8."""
    if text.isascii():  # most cells: no surrogate possible, and isascii is far cheaper than the regex
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None

"""Text from the log made safe for a terminal: every character that could steer it is shown as an escape.

A quote, a source name or an imported id may hold ESC sequences that set the window title, clear the screen or
move the cursor to overwrite a line above with a fake ``status: confirmed``; CR and bidi overrides can do the
same by other means. Human output passes every piece of such text through ``visible``; JSON keeps it exact.
Standard library only: it runs on the write path (error messages).
"""

from __future__ import annotations

import re

# C0 controls (TAB and LF included: a line break in a quote would start a fake line), DEL, C1 controls; lone
# surrogates (undecodable bytes from the command line); the line and paragraph separators; the bidi controls
# that reorder what is shown (Trojan Source: U+061C, U+200E/F, U+202A-E, U+2066-9). Joiners (U+200C/D) stay:
# Persian, Indic scripts and emoji need them, and they move no text.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in NAMED:
        return NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as Python's surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control, bidi and separator character written as ``\\x1b``, ``\\r``, ``\\u202e``."""
    if text.isprintable():  # every character above is unprintable to Python: the common case costs no regex
        return text
    return UNSAFE.sub(_escape, text)

"""The hash chain: each event's SHA-256 covers the previous event's hash, its position and its stored fields, so
any edit, removal or reordering of the log is detected (DESIGN "The event envelope"). Shared by every back end."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import IntegrityError

GENESIS = "sha256:" + "0" * 64


def chain_hash(prev_hash: Any, seq: Any, *fields: Any) -> str:
    """SHA-256 over the previous hash, the position and the stored fields, each length-prefixed (unambiguous):
    ``<length in bytes>:<value>`` for each, a value being bytes as they are, anything else ``str(value)`` in UTF-8.
    A lone surrogate cannot be encoded and raises UnicodeEncodeError."""
    parts = []
    for value in (prev_hash, seq, *fields):
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
        parts.append(b"%d:%s" % (len(raw), raw))
    return "sha256:" + hashlib.sha256(b"".join(parts)).hexdigest()


def check_link(seq: int, expected_seq: int, prev_hash: bytes, expected_prev: bytes) -> None:
    if seq != expected_seq:
        raise IntegrityError(f"seq {expected_seq} is missing: the log has a gap before seq {seq}", expected_seq)
    if prev_hash != expected_prev:
        raise IntegrityError(f"event at seq {seq} does not follow the previous event's hash", seq)


# One stored event as verify reads it: seq, the hashed fields as bytes (id, type, version, recorded_at,
# observed_at, recorded_by, data), prev_hash and hash as bytes.
ChainRow = tuple[int, list, bytes, bytes]


def verify_chain(rows: Iterable[ChainRow], head: str | None,
                 check_row: Callable[[int, list], None] = lambda seq, fields: None) -> tuple[int, str]:
    """Walk the stored events in ``seq`` order and check every link and hash; ``check_row`` adds the back end's
    own checks of each event. Raises IntegrityError naming the first bad seq; returns the head (seq, hash).

    ``head``, when given, is a hash published earlier: it must still be in the chain."""
    # every chain starts at GENESIS: the head of an empty log, which any log holds
    expected_prev, expected_seq, anchored = GENESIS.encode(), 1, head in (None, GENESIS)
    stray: tuple[int, bytes] | None = None
    for seq, fields, prev_hash, stored_hash in rows:
        if seq < expected_seq:  # only a seq below 1 sorts first: an event moved out of the log's range
            stray = stray or (seq, prev_hash)
            continue
        check_link(seq, expected_seq, prev_hash, expected_prev)
        if chain_hash(prev_hash, seq, *fields).encode() != stored_hash:
            raise IntegrityError(f"event at seq {seq} was altered: its hash does not match", seq)
        check_row(seq, fields)
        anchored = anchored or stored_hash.decode(errors="replace") == head
        expected_prev, expected_seq = stored_hash, seq + 1
    if stray is not None:
        raise MovedEvent(stray[0], stray[1])
    if not anchored:
        raise IntegrityError(
            f"the anchored head {head} is not in this log: events were removed or the chain was rewritten"
        )
    return expected_seq - 1, expected_prev.decode()


class MovedEvent(Exception):
    """An event found outside the log's range of seq; the back end says where it belongs."""

    def __init__(self, seq: int, prev_hash: bytes):
        super().__init__(seq, prev_hash)
        self.seq = seq
        self.prev_hash = prev_hash

"""Evidence files inside the log (DESIGN "Verdicts, provenance, track records and evidence"), the same on every
back end: the bytes of each file are stored once by their SHA-256 (content-addressed, deduplicated, insert-only:
the database refuses UPDATE and DELETE as it does for events), in chunks of ``CHUNK`` bytes, written in the
transaction that appends the ``evidence-attached`` event naming them: both or neither.

The back end stores and reads the rows (``LogStore.insert_file_chunk`` ...); what they must say lives here once.
Memory stays flat: a file goes in and comes out one chunk at a time, and is hashed as it streams.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from attrs import frozen

from .. import events as ev
from ..errors import Conflict, IntegrityError, InvalidInput, NotFound

if TYPE_CHECKING:
    from .base import LogStore

CHUNK = 1024 * 1024  # one stored row; a 100 MiB file is 100 rows
SHORTEST_PREFIX = 8  # a file named by the start of its hash, as git names a commit


@frozen
class Attachment:
    """The bytes of an evidence file on their way into a log: ``chunks()`` reads them from the start (a file on
    disk, a spooled import, another log's rows). They are hashed as they are stored; bytes that do not give the
    event's hash and size are refused."""

    chunks: Callable[[], Iterable[bytes]]


def hash_stream(read: Callable[[int], bytes], limit: int) -> tuple[str, int]:
    """The SHA-256 and size of what ``read`` gives, read ``CHUNK`` bytes at a time; more than ``limit`` bytes is
    an error (a file that grew past the limit after it was measured)."""
    digest, size = hashlib.sha256(), 0
    while chunk := read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise InvalidInput(too_large(size, limit))
        digest.update(chunk)
    return digest.hexdigest(), size


def too_large(size: int, limit: int = ev.MAX_EVIDENCE_BYTES) -> str:
    return f"the file is {size / 2**20:,.1f} MiB; the limit is {limit // 2**20} MiB a file"


def rechunked(pieces: Iterable[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """``pieces`` regrouped into chunks of ``size`` bytes (the last one shorter): a stored file's rows are the same
    however its bytes arrived."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def store_file(store: LogStore, event: ev.EvidenceAttached, attachment: Attachment | None, merge: bool) -> None:
    """Inside the append of ``event``: make sure the log holds the file it names. A file the log holds is not
    stored again; otherwise ``attachment`` brings its bytes, which must give the event's hash and size."""
    if not merge:
        refuse_twice(store, event)
    held = store.file_size(event.sha256)
    if held is not None:
        if held != event.size:
            raise InvalidInput(f"evidence file {event.sha256} is in the log with {held:,} bytes, not {event.size:,}")
        return
    if attachment is None:
        raise NotFound(f"the bytes of evidence file {event.sha256} are neither in the log nor given with its event",
                       code="missing-evidence")
    digest, size, part = hashlib.sha256(), 0, 0
    for chunk in rechunked(attachment.chunks()):
        size += len(chunk)
        if size > event.size:
            break
        digest.update(chunk)
        store.insert_file_chunk(event.sha256, part, chunk)
        part += 1
    if size != event.size or digest.hexdigest() != event.sha256:
        raise InvalidInput(f"the bytes given for evidence file {event.sha256} do not match its hash and size"
                           f" ({event.size:,} bytes): refused")
    store.insert_file(event.sha256, size, part)


def refuse_twice(store: LogStore, event: ev.EvidenceAttached) -> None:
    """The same file attached twice to one statement says nothing new: refused when recorded (a merge of two logs
    that each attached it keeps both events, as with a retraction recorded on both sides)."""
    for other, kind in store.targeting(event.target):
        if kind == event.TYPE:
            found = store.event(other)
            if isinstance(found, ev.EvidenceAttached) and found.sha256 == event.sha256:
                raise Conflict(f"file {event.sha256} is already attached to that statement (by event {found.id}"
                               f" at seq {found.seq})")


def read_file(store: LogStore, sha256: str) -> Iterator[bytes]:
    """The stored bytes of file ``sha256``, chunk by chunk; NotFound if the log does not hold it."""
    if store.file_size(sha256) is None:
        raise NotFound(f"no evidence file {sha256} in the log")
    return store.file_chunks(sha256)


def resolve(store: LogStore, given: str) -> str:
    """The hash of the stored file ``given`` names: its full SHA-256 or a unique prefix of at least 8 hex digits."""
    text = given.strip().lower().removeprefix("sha256:")
    if len(text) < SHORTEST_PREFIX or any(c not in "0123456789abcdef" for c in text):
        raise InvalidInput(f"{given!r} is not a file hash: give the SHA-256 (64 hex digits) or at least"
                           f" {SHORTEST_PREFIX} of its first digits")
    found = store.file_hashes_from(text, 2)
    if not found:
        raise NotFound(f"no evidence file {text} in the log")
    if len(found) > 1:
        raise InvalidInput(f"file hash {text!r} is ambiguous: it starts {', '.join(found)}; give more digits",
                           code="ambiguous-file")
    return found[0]


def verify_files(store: LogStore) -> None:
    """Every stored file re-hashed (streamed) against its hash and size, and every ``evidence-attached`` event's
    file present with the size it says; IntegrityError names the damaged file and the event that attached it."""
    attached: dict[str, tuple[int, str, int]] = {}  # hash -> (seq, event id, size) of its first event
    for row in store.event_rows(type=ev.EvidenceAttached.TYPE):
        event = ev.from_wire(_wire(row))
        assert isinstance(event, ev.EvidenceAttached)
        attached.setdefault(event.sha256, (row[0], row[1], event.size))
    stored = {}
    for sha256, size, parts in store.file_rows():
        stored[sha256] = size
        digest, length, count = hashlib.sha256(), 0, 0
        for chunk in store.file_chunks(sha256):
            digest.update(chunk)
            length += len(chunk)
            count += 1
        if digest.hexdigest() != sha256 or length != size or count != parts:
            raise IntegrityError(f"evidence file {sha256}{_attached_by(attached.get(sha256))} is damaged: its stored"
                                 f" bytes ({length:,}) hash to {digest.hexdigest()} (the file was changed outside"
                                 " factlog)", _seq(attached.get(sha256)), code="damaged-evidence")
    for sha256, (seq, event_id, size) in attached.items():
        if sha256 not in stored:
            raise IntegrityError(f"evidence file {sha256}{_attached_by((seq, event_id, size))} is missing from the"
                                 " log (removed outside factlog)", seq, code="damaged-evidence")
        if stored[sha256] != size:
            raise IntegrityError(f"evidence file {sha256}{_attached_by((seq, event_id, size))} is stored with"
                                 f" {stored[sha256]:,} bytes, not {size:,}", seq, code="damaged-evidence")


def _wire(row: tuple) -> dict:
    from .rows import row_to_wire

    return row_to_wire(row)


def _attached_by(found: tuple[int, str, int] | None) -> str:
    return "" if found is None else f" (attached by event {found[1]} at seq {found[0]})"


def _seq(found: tuple[int, str, int] | None) -> int | None:
    return None if found is None else found[0]

"""Evidence files on their way in and out of a log: a file on disk attached to a statement, and the records that
carry a file's bytes in a JSON Lines export (``export jsonl`` writes them, ``import`` reads them).

A jsonl export carries each file inline, base64-encoded, as records of their own kind, right before the first
``evidence-attached`` event that names it (so an import meets the bytes before the event that needs them)::

    {"evidence_file": "<sha256>", "part": 0, "parts": 2, "size": 1500000, "base64": "..."}

one record per stored chunk of 1 MiB (a line stays under the reader's 4 MiB limit); an empty file is one record
with ``parts`` 0. An import checks the bytes against the hash before it uses them. No SQL here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

import attrs

from . import events as ev
from .errors import InvalidInput, NotFound
from .store.evidence import CHUNK, Attachment, hash_stream, too_large
from .store.pending import Pending

FILE_KEY = "evidence_file"  # what marks a jsonl record as a file's bytes rather than an event
_FILE_KEYS = frozenset((FILE_KEY, "part", "parts", "size", "base64"))
SPOOLED_IN_MEMORY = 4 * CHUNK  # an imported file larger than this waits in a temporary file, not in memory


@contextmanager
def attach_pending(path: str, flat: dict[str, Any]) -> Iterator[Pending]:
    """The ``evidence-attached`` event for the file at ``path`` (``flat``: its envelope, target and note), as a
    Pending whose attachment reads the file again as it is stored (a file changed in between is refused)."""
    with _opened(path) as stream:
        sha256, size = hash_stream(stream.read, ev.MAX_EVIDENCE_BYTES)
        name = os.path.basename(path.rstrip(os.sep)) or path
        media_type = mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
        event = ev.structure({**flat, "observed_at": flat["recorded_at"], "sha256": sha256, "name": name,
                              "media_type": media_type, "size": size,
                              **({} if flat.get("note") is None else {"note": flat["note"]})},
                             ev.EvidenceAttached)

        def chunks() -> Iterator[bytes]:
            stream.seek(0)
            while chunk := stream.read(CHUNK):
                yield chunk

        yield attrs.evolve(Pending.of(event), attachment=Attachment(chunks))


@contextmanager
def _opened(path: str) -> Iterator[IO[bytes]]:
    """The file to attach, open for reading: a regular file of at most ``MAX_EVIDENCE_BYTES``, else one clear error."""
    try:
        if not stat.S_ISDIR(os.stat(path).st_mode) and not os.path.isfile(path):
            raise InvalidInput(f"{path} is not a regular file; save it to a file first")  # opening a FIFO would wait
        stream = open(path, "rb")
    except FileNotFoundError:
        raise NotFound(f"no file {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    with stream:
        info = os.fstat(stream.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise InvalidInput(f"{path} is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):  # a pipe or device has no size to check before it is read
            raise InvalidInput(f"{path} is not a regular file; save it to a file first")
        if info.st_size > ev.MAX_EVIDENCE_BYTES:
            raise InvalidInput(f"{path}: {too_large(info.st_size)}")
        try:
            yield stream
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None


def evidence_dict(event: ev.EvidenceAttached, store: Any) -> dict[str, Any]:
    """An ``evidence-attached`` event as ``evidence list --json`` prints it."""
    from .times import format_time

    found = store.content_by_id(event.target)
    kind, fact, source, _ = store.statement_of(event.target) or (None, None, None, None)
    return {"seq": event.seq, "id": event.id, "event": event.target, "event_seq": found[0] if found else None,
            "event_type": kind, "fact": fact, "source": source,
            "sha256": event.sha256, "name": event.name, "media_type": event.media_type, "size": event.size,
            "note": event.note, "recorded_at": format_time(event.recorded_at), "recorded_by": event.recorded_by}


# --- the file records of a jsonl export ----------------------------------------------------------------------


def file_records(sha256: str, size: int, chunks: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """The records that carry a stored file in a jsonl export, one per chunk (one for an empty file)."""
    parts = -(-size // CHUNK)
    part = -1
    for part, chunk in enumerate(chunks):
        yield {FILE_KEY: sha256, "part": part, "parts": parts, "size": size,
               "base64": base64.b64encode(chunk).decode("ascii")}
    if part < 0:
        yield {FILE_KEY: sha256, "part": 0, "parts": 0, "size": size, "base64": ""}


def is_file_record(record: dict[str, Any]) -> bool:
    return FILE_KEY in record and "type" not in record


class FileRecords:
    """The files an import reads, each spooled (to a temporary file past ``SPOOLED_IN_MEMORY``) and checked
    against its hash once its last part is in; the ``evidence-attached`` events that follow take their bytes
    from here."""

    def __init__(self) -> None:
        self.ready: dict[str, IO[bytes]] = {}
        self._open: tuple[str, int, int, Any, IO[bytes]] | None = None  # hash, parts, size, digest, spool

    def take(self, line: int, record: dict[str, Any]) -> None:
        """One file record; InvalidInput (naming the line) if it is malformed, out of order or the file's bytes
        do not give its hash."""
        sha256, part, parts, size, data = _fields(line, record)
        if part == 0:
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOLED_IN_MEMORY)
            self._open = (sha256, parts, size, hashlib.sha256(), spool)
        current = self._open
        if current is None or current[:3] != (sha256, parts, size) or current[4].tell() != part * CHUNK:
            raise InvalidInput(f"line {line}: part {part} of evidence file {sha256} is out of order")
        current[3].update(data)
        current[4].write(data)
        if part + 1 >= parts:
            self._finish(line, current)

    def _finish(self, line: int, current: tuple[str, int, int, Any, IO[bytes]]) -> None:
        sha256, _, size, digest, spool = current
        self._open = None
        if spool.tell() != size or digest.hexdigest() != sha256:
            spool.close()
            raise InvalidInput(f"line {line}: the bytes of evidence file {sha256} do not match its hash"
                               f" (they hash to {digest.hexdigest()}): the export was altered; refused")
        self.ready.setdefault(sha256, spool)

    def attach(self, pending: Pending) -> Pending:
        """``pending`` with the bytes of its file, when it is an ``evidence-attached`` event this import carries."""
        event = pending.event
        if not isinstance(event, ev.EvidenceAttached) or event.sha256 not in self.ready:
            return pending
        spool = self.ready[event.sha256]

        def chunks() -> Iterator[bytes]:
            spool.seek(0)
            while chunk := spool.read(CHUNK):
                yield chunk

        return attrs.evolve(pending, attachment=Attachment(chunks))

    def close(self) -> None:
        for spool in self.ready.values():
            spool.close()
        if self._open is not None:
            self._open[4].close()


def _fields(line: int, record: dict[str, Any]) -> tuple[str, int, int, int, bytes]:
    if set(record) != _FILE_KEYS:
        raise InvalidInput(f"line {line}: an evidence file record has the keys {', '.join(sorted(_FILE_KEYS))}")
    sha256, part, parts, size, text = (record[k] for k in (FILE_KEY, "part", "parts", "size", "base64"))
    if not (type(sha256) is str and len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)):
        raise InvalidInput(f"line {line}: {str(sha256)[:80]!r} is not a SHA-256 in hex")
    if any(type(n) is not int for n in (part, parts, size)) or not 0 <= size <= ev.MAX_EVIDENCE_BYTES \
            or parts != -(-size // CHUNK) or not 0 <= part < max(parts, 1):
        raise InvalidInput(f"line {line}: evidence file {sha256} has a bad part, parts or size")
    if type(text) is not str:
        raise InvalidInput(f"line {line}: base64 must be text")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"line {line}: the base64 of evidence file {sha256} is not valid base64") from None
    if len(data) != (CHUNK if part + 1 < parts else size - part * CHUNK):
        raise InvalidInput(f"line {line}: part {part} of evidence file {sha256} has {len(data):,} bytes, not the"
                           " chunk size")
    return sha256, part, parts, size, data

"""Copying the events one log lacks from another (``Log.push``, ``Log.pull``), between any two logs, a SQLite file
or a server, with the merge rules of ``import``.

The receiving log appends in one transaction (all or nothing) and the sending log is read in one snapshot, in its
seq order, so every registration comes before the events that name it. What the receiver already holds is not
sent: first the stretch of chain both logs share (the same hash at the same seq means the same events up to
there), found with a few lookups on each side; after it, unless the receiver holds nothing more than that
stretch, it is asked which of each batch of events it holds, one question a batch. Memory stays flat: one batch
at a time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice

from . import events as ev
from .clock import Clock
from .errors import FactlogError, IntegrityError, InvalidInput, LogUnavailable
from .log import Log, open_log
from .store import LogStore, Pending
from .store.pending import HashMismatch
from .store.rows import row_to_wire

BATCH = 500  # events asked about at once: one round trip to a server per batch

Each = Callable[[ev.Event, bool], None]
Seen = Callable[[int, int], None]  # (events of the sending log read so far, how many it holds)


@contextmanager
def opened(other: str | os.PathLike | Log, this: Log, receiving: bool) -> Iterator[Log]:
    """The other log of a push (``receiving``: created if missing) or a pull (it must exist). Opened as any
    command opens a log, so one written by a newer factlog, or a file that is no log, is refused before a read."""
    if isinstance(other, Log):
        if same_log(other.location, other.files(), this):
            raise InvalidInput(f"{shown(other.location)} is this log itself")
        yield other
        return
    location = os.fspath(other)
    if same_log(location, [location], this):
        raise InvalidInput(f"{shown(location)} is this log itself")
    try:
        log = open_log(location, create=receiving, user=this.user, tz=this.tz)
    except LogUnavailable as exc:
        raise LogUnavailable(str(exc)) from None  # about the other log: no advice about this one
    try:
        yield log
    finally:
        log.close()


def same_log(location: str, files: list[str], this: Log) -> bool:
    ours = this.files()
    if ours and files:
        return os.path.exists(files[0]) and os.path.exists(ours[0]) and os.path.samefile(files[0], ours[0])
    return location == this.location


def copy_missing(origin: Log, target: Log, each: Each | None = None, seen: Seen | None = None) -> tuple[int, int]:
    """Append to ``target`` the events of ``origin`` it lacks, in ``origin``'s order, merging registrations by
    slug; all or nothing. Returns (new, already there). ``each(event, new)`` is called for every event that
    went through the append (each new one among them); ``seen`` as ``origin``'s events are read."""
    counts = [0, 0]
    at = [0]  # the seq in ``origin`` of the event being copied, for an error message

    def placed(event: ev.Event, new: bool) -> None:
        counts[0 if new else 1] += 1
        if each is not None:
            each(event, new)

    def skipped(amount: int) -> None:
        counts[1] += amount

    try:
        with origin.store.snapshot():
            total = origin.store.last()[0]
            pendings = _missing(origin.store, target.store, total, at, skipped, seen)
            target.store.append_each(pendings, placed, merge=True)
    except FactlogError as exc:
        if not at[0]:
            raise
        raise type(exc)(f"seq {at[0]} of {shown(origin.location)}: {exc}", code=exc.code) from None
    return counts[0], counts[1]


def _missing(origin: LogStore, target: LogStore, total: int, at: list[int], skipped: Callable[[int], None],
             seen: Seen | None) -> Iterator[Pending]:
    """``origin``'s events that ``target`` may lack, as events to append (read inside the append's transaction,
    so what ``target`` holds cannot change meanwhile). An event ``target`` holds with the same stored content is
    not sent; one it holds with other content is, for the append to refuse it as ``import`` would."""
    shared = shared_prefix(origin, target)
    # a target that holds just the start of origin's chain (an empty one, a clone) lacks every event after it
    ask = shared < target.last()[0]
    skipped(shared)
    if seen is not None:
        seen(shared, total)
    done = shared
    rows = (row for row in origin.event_rows() if row[0] > shared)
    while batch := list(islice(rows, BATCH)):
        held = target.contents_by_ids([row[1] for row in batch]) if ask else {}
        for row in batch:
            at[0] = row[0]
            stored = held.get(row[1])
            if stored is not None and tuple(stored[1:]) == tuple(row[2:8]):
                skipped(1)
                continue
            yield _with_file(_pending(row), origin)
        done += len(batch)
        if seen is not None:
            seen(done, total)
    at[0] = 0


def _pending(row: tuple) -> Pending:
    """A stored row of the sending log as an event to append; its hash must match it (an event changed in the
    file outside factlog is not copied)."""
    try:
        return Pending.from_wire(row_to_wire(row), check_hash=True)
    except HashMismatch:
        raise IntegrityError(f"event {row[1]} does not match its hash: that log was changed outside factlog",
                             row[0]) from None


def _with_file(pending: Pending, origin: LogStore) -> Pending:
    """An ``evidence-attached`` event travels with its file: the bytes are read from ``origin`` (only if the
    receiving log lacks them), a chunk at a time, and checked against the hash as they are stored."""
    event = pending.event
    if not isinstance(event, ev.EvidenceAttached):
        return pending
    import attrs

    from .store.evidence import Attachment

    sha256 = event.sha256
    return attrs.evolve(pending, attachment=Attachment(lambda: origin.file_chunks(sha256)))


def shared_prefix(origin: LogStore, target: LogStore) -> int:
    """The last seq up to which both logs hold the same events. Each hash covers the one before, so the same
    hash at the same seq means the same log up to there, and a binary search finds where they part."""
    low, high = 0, min(origin.last()[0], target.last()[0])
    if high == 0 or _hash_at(origin, high) == _hash_at(target, high):
        return high
    while high - low > 1:  # the same at ``low`` (0: both start at GENESIS), different at ``high``
        middle = (low + high) // 2
        if _hash_at(origin, middle) == _hash_at(target, middle):
            low = middle
        else:
            high = middle
    return low


def _hash_at(store: LogStore, seq: int) -> str | None:
    for row in store.event_rows(clock=Clock(at_seq=seq), newest_first=True, limit=1):
        return row[9] if row[0] == seq else None
    return None


_PASSWORD = re.compile(r"(?<=://)([^/@:]*):[^/@]*@|(?<=[?&])password=[^&]*", re.IGNORECASE)


def shown(location: str) -> str:
    """A log's location fit to print: a server URL's password is left out."""
    if "://" not in location:
        return location
    return _PASSWORD.sub(lambda m: f"{m.group(1)}:***@" if m.group(1) is not None else "password=***", location)

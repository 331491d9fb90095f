"""Opening a SQLite log file: the connection, its settings, and why an open failed, in words that say what to fix."""

from __future__ import annotations

import os
import re
import sqlite3

from ...errors import LogUnavailable

BUSY_TIMEOUT_SECONDS = 60


def connect(path: str, create: bool) -> sqlite3.Connection:
    """A connection to the log file at ``path`` (created if ``create``), in autocommit mode: transactions are
    explicit."""
    if not os.path.exists(path):
        if not create:
            raise LogUnavailable(f"no log at {path}", code="no-log")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise LogUnavailable(f"cannot create a log at {path}: folder {parent} does not exist")
    if os.path.isdir(path):
        raise LogUnavailable(f"{path} is a folder, not a log file")
    try:
        return sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    except sqlite3.Error as exc:
        raise LogUnavailable(open_failure(path, exc)) from None


def configure(conn: sqlite3.Connection) -> None:
    """The settings every connection to a log needs before it reads or writes."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    # Upserts and INSERT OR REPLACE delete rows through the conflict path: recursive triggers make the
    # DELETE trigger fire for them too, so the database refuses them.
    conn.execute("PRAGMA recursive_triggers = ON")


def tune_for_appends(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA synchronous = NORMAL")
    # An append writes ~19 pages (event, indexes, beliefs, stances, search index). SQLite's default
    # checkpoint every 1,000 WAL pages copied them back every ~50 appends, and in a big log the pages an
    # append touches are far apart: appends into a 100k-event log cost 1.3x those into a 1k one. Every
    # 10,000 pages, a checkpoint writes each hot page once for ~500 appends (1.03x); the WAL is cut back to
    # 64 MiB after it.
    conn.execute("PRAGMA wal_autocheckpoint = 10000")
    conn.execute("PRAGMA journal_size_limit = 67108864")


def open_failure(path: str, exc: sqlite3.Error) -> str:
    """Why a log could not be opened, in words that say what to fix."""
    folder = os.path.dirname(os.path.abspath(path))
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        if not os.access(folder, os.W_OK | os.X_OK):
            return (f"cannot use the log {path}: its folder {folder} is not writable by you (SQLite keeps the"
                    " -wal and -shm files beside the log, even to read it)")
        if os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK):
            return f"cannot use the log {path}: the file is not writable by you"
    if name == "SQLITE_FULL":
        return f"cannot use the log {path}: the disk holding it is full; nothing was recorded"
    if name == "SQLITE_NOTADB":
        return f"{path} is not a factlog log (not an SQLite file); it was left untouched"
    if name == "SQLITE_CORRUPT":
        return f"{path} is damaged (database disk image is malformed); restore it from a copy"
    return f"cannot use {path} as a factlog log: {exc}"


def database_message(exc: sqlite3.Error) -> str:
    """SQLite's own words, except where the user needs to know what happened to the log and what to do."""
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":
        return "the disk holding the log is full (or the log reached a size limit); nothing was recorded"
    return f"database error: {exc}"


# File systems on which SQLite's WAL (shared memory between processes) is unsafe or does not work.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre", "gpfs",
    "beegfs", "davfs", "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.glusterfs", "fuse.cephfs", "fuse.gcsfuse",
})
MOUNTS = "/proc/mounts"


def network_filesystem(path: str) -> str | None:
    """The type of the network file system that holds ``path`` (read from /proc/mounts), or None."""
    try:
        with open(MOUNTS, encoding="utf-8", errors="replace") as mounts:
            lines = mounts.read().splitlines()
    except OSError:  # not Linux, or no /proc: nothing to warn about that we can know
        return None
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    best, fstype = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), parts[1])  # \040 is a space
        inside = folder == point or folder.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, parts[2]
    return fstype if fstype in NETWORK_FILESYSTEMS else None

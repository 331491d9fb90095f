"""The storage layer: one interface (``LogStore``), a SQLite and a PostgreSQL implementation. Every line of SQL
in factlog lives in this package.

``open_store(location)`` picks the back end from what the user named: a ``postgresql://`` (or ``postgres://``)
URL opens a team log on a PostgreSQL server; anything else is the path of a SQLite file.
"""

from __future__ import annotations

from ..clock import NOW, Clock
from .base import BULK_AFTER, LogStore
from .chain import GENESIS, chain_hash
from .pending import Pending, placed

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(location: str) -> bool:
    return location.startswith(POSTGRES_SCHEMES)


def open_store(location: str, create: bool = False, read_only: bool = False) -> LogStore:
    """Open the log at ``location``; create it if ``create``, else a missing log is an error. ``read_only``
    opens it for reads only, without migrating or locking it."""
    if is_server_url(location):
        from .postgres import PostgresStore

        return PostgresStore.open(location, create=create and not read_only)
    from .sqlite import SQLiteStore

    if read_only:
        return SQLiteStore.open_read_only(location)
    return SQLiteStore.open(location, create=create)


def database_failure(exc: BaseException) -> str | None:
    """A database driver's error in words for the user, or None when ``exc`` is not one."""
    import sqlite3
    import sys

    if isinstance(exc, sqlite3.Error):
        from .sqlite.connection import database_message

        return database_message(exc)
    if "psycopg" in sys.modules:  # only a log on a server loads the driver
        from .postgres.errors import server_message

        return server_message(exc)
    return None


def local_warning(location: str) -> str | None:
    """Why the log at ``location`` may not be safe to share, if it is a file on a network file system."""
    if is_server_url(location):
        return None
    from .sqlite.connection import network_filesystem

    fstype = network_filesystem(location)
    if not fstype:
        return None
    return (f"the log {location} is on a network file system ({fstype}): SQLite's WAL mode needs every process"
            " on one machine; do not let several machines write it, and keep a local copy as the evidence")


__all__ = ["BULK_AFTER", "Clock", "GENESIS", "LogStore", "NOW", "Pending", "chain_hash", "is_server_url",
           "local_warning", "open_store", "placed"]

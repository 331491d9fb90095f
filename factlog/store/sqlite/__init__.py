"""The SQLite back end: a log is one file (the embedded default)."""

from .store import SQLiteStore

__all__ = ["SQLiteStore"]

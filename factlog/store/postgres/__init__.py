"""The PostgreSQL back end: a team log on a server (``--db postgresql://...``). Imports psycopg; nothing outside
this package does, so a SQLite log never loads the driver."""

from .store import PostgresStore

__all__ = ["PostgresStore"]

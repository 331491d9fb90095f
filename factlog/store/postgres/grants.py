"""The grants of an analyst's role on a team database: read everything, append events, keep the projections.

An analyst may SELECT and INSERT events and nothing else on them (no UPDATE, DELETE or TRUNCATE, and, not owning
the tables, no ALTER or DISABLE TRIGGER). The projections are written by the appending transaction itself, so the
role needs to write them; they are not the truth (``verify`` compares them with a fresh fold, ``rebuild`` redoes
them). INSERT on ``logs`` lets an analyst open a new investigation in the same database.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from .connection import SCHEMA
from .schema import PROJECTION_TABLES

READ_AND_APPEND = ("events", "logs", "evidence_chunks", "evidence_files")  # evidence files: insert-only as events
READ_ONLY = ("migrations",)
PROJECTIONS = (*PROJECTION_TABLES, "search_index")


def statements(role: str) -> list[sql.Composed]:
    """The GRANT statements for ``role`` (an identifier, quoted as one)."""
    who = sql.Identifier(role)

    def tables(names: tuple[str, ...]) -> sql.Composable:
        return sql.SQL(", ").join(sql.Identifier(SCHEMA, name) for name in names)

    return [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(SCHEMA), who),
        sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(tables(READ_AND_APPEND), who),
        sql.SQL("GRANT SELECT ON {} TO {}").format(tables(READ_ONLY), who),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(tables(PROJECTIONS), who),
    ]


def analyst_grants(conn: psycopg.Connection, role: str, apply: bool) -> list[str]:
    """The grants as SQL text; with ``apply``, granted in one transaction."""
    composed = statements(role)
    if apply:
        with conn.transaction():
            for statement in composed:
                conn.execute(statement)
    return [statement.as_string(conn) + ";" for statement in composed]

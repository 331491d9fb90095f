"""The projection tables: what ``status`` and the exporters read. Dropped and re-created by ``rebuild``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

PROJECTION_TABLES = ("sources", "facts", "beliefs", "stances", "projection_state", "parties")


def create_projection_tables(db: sqlite_utils.Database, indexes: bool = True) -> None:
    """Create the tables; with ``indexes=False`` their secondary indexes are left to ``create_projection_indexes``
    (a rebuild fills the tables first: one sort per index instead of an insert at a random place per row).

    Beliefs and stances declare their foreign keys to facts and sources so that Datasette and sqlite-utils link
    them; factlog never turns SQLite's enforcement on (the fold is what keeps them consistent, and ``verify``
    checks it)."""
    db.table("sources").create(
        {"id": str, "name": str, "kind": str, "party": str, "reliability": str, "url": str, "seq": int}, pk="id"
    )
    db.table("facts").create(
        {"id": str, "statement": str, "parties": str, "tags": str, "occurred_at": str, "opened_seq": int}, pk="id"
    )
    db.table("beliefs").create(
        {
            "fact": str, "statement": str, "status": str, "label": str, "parties": str, "sources": str,
            "updated_seq": int, "statement_count": int, "standing_count": int, "withdrawn_count": int,
            "verdict": str,
            **CITATION_COLUMNS,
        },
        pk="fact",
        foreign_keys=[("fact", "facts", "id")],
    )
    db.table("stances").create(
        {
            "fact": str, "source": str, "stance": str, "type": str, "event_id": str, "observed_at": str,
            "quote": str, "url": str,
        },
        pk=("fact", "source"),
        foreign_keys=[("fact", "facts", "id"), ("source", "sources", "id")],
    )
    db.table("projection_state").create({"name": str, "last_seq": int}, pk="name")
    create_parties_table(db)
    if indexes:
        create_projection_indexes(db)


# DESIGN "cites" (migration m010): the number of distinct origins among the standing assertions, and the origin
# chain of each standing statement that cites another source (JSON: source -> [source, cited, ..., origin]).
CITATION_COLUMNS: dict[str, type] = {"independent_assertions": int, "chains": str}


def add_citation_columns(db: sqlite_utils.Database) -> None:
    """Migration m010 on a log whose beliefs table predates it. No statement cited anyone before, so every
    standing assertion is its own origin: the columns are filled exactly from the stances, without a replay."""
    beliefs = db.table("beliefs")
    if "independent_assertions" in beliefs.columns_dict:
        return  # created by this version's create_projection_tables (a new log, or m008 just now)
    for name, type_ in CITATION_COLUMNS.items():
        beliefs.add_column(name, type_)
    db.execute("UPDATE beliefs SET chains = '{}', independent_assertions = (SELECT count(*) FROM stances"
               " WHERE stances.fact = beliefs.fact AND stances.stance = 'asserts')")


def add_verdict_column(db: sqlite_utils.Database) -> None:
    """Issue 16: the beliefs' standing verdict (JSON text, NULL for none), unless the table has it already."""
    if "verdict" not in db.table("beliefs").columns_dict:
        db.execute("ALTER TABLE beliefs ADD COLUMN verdict TEXT")


def create_parties_table(db: sqlite_utils.Database) -> None:
    """The registered parties (issue 12), as their registration and amendments leave them."""
    db.table("parties").create({"id": str, "name": str, "kind": str, "seq": int}, pk="id", if_not_exists=True)


def create_projection_indexes(db: sqlite_utils.Database) -> None:
    db.table("stances").create_index(["source"])


def drop_projection_tables(db: sqlite_utils.Database) -> None:
    for name in PROJECTION_TABLES:
        db[name].drop(ignore=True)

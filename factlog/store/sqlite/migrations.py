"""The schema of a log file, as named migrations: recorded when applied, applied at every open, never edited
once shipped. A new schema change is a new function appended to ``STEPS``.

sqlite-utils is imported only when a migration is pending, so everyday commands do not pay for it.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Callable

from ...errors import LogUnavailable
from ..chain import GENESIS as GENESIS_HASH

if TYPE_CHECKING:
    import sqlite_utils

MIGRATION_SET = "factlog"

IMMUTABLE_EVENTS_SQL = """
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'factlog events are immutable: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'factlog events are immutable: DELETE refused'); END;
"""


def m001_events(db: sqlite_utils.Database) -> None:
    """The log itself: append-only, hash-chained; UNIQUE(prev_hash) means the chain cannot fork."""
    db.table("events").create(
        {
            "seq": int, "id": str, "type": str, "version": int, "recorded_at": str, "observed_at": str,
            "recorded_by": str, "fact": str, "source": str, "target": str, "data": str,
            "prev_hash": str, "hash": str,
        },
        pk="seq",
        not_null={"id", "type", "version", "recorded_at", "observed_at", "recorded_by", "data", "prev_hash", "hash"},
    )
    db.table("events").create_index(["id"], unique=True)
    db.table("events").create_index(["prev_hash"], unique=True)
    db.table("events").create_index(["fact", "seq"])
    db.table("events").create_index(["source", "seq"])
    db.table("events").create_index(["target"])
    db.table("events").create_index(["recorded_at"])
    db.executescript(IMMUTABLE_EVENTS_SQL)


def m002_projections(db: sqlite_utils.Database) -> None:
    """The materialised projections: droppable, rebuilt from the log by ``factlog rebuild``."""
    from .schema import create_projection_tables

    create_projection_tables(db)


NO_OVERWRITE_SQL = """
CREATE TRIGGER IF NOT EXISTS events_no_overwrite BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq)
  OR EXISTS (SELECT 1 FROM events WHERE id = NEW.id)
  OR EXISTS (SELECT 1 FROM events WHERE prev_hash = NEW.prev_hash)
BEGIN SELECT RAISE(ABORT, 'factlog events are immutable: INSERT over an existing seq, id or prev_hash refused'); END;
"""


def m003_events_no_overwrite(db: sqlite_utils.Database) -> None:
    """INSERT OR REPLACE deletes the row it collides with without firing the DELETE trigger unless the connection
    set ``recursive_triggers``; refusing the colliding insert itself closes that hole on any connection."""
    db.executescript(NO_OVERWRITE_SQL)


def m004_sql_views(db: sqlite_utils.Database) -> None:
    """Views that let sqlite-utils and Datasette read beliefs, stances and the event log without factlog."""
    from .views import create_views

    create_views(db.conn)


def m005_search_index(db: sqlite_utils.Database) -> None:
    """The FTS5 index behind ``factlog search``, filled from the events already in the log."""
    from .search import create_index

    create_index(db.conn)


# One statement each, run with execute(): executescript() would COMMIT the migration's transaction first.
NO_OVERWRITE_V2_SQL = """CREATE TRIGGER IF NOT EXISTS events_no_overwrite BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq) OR EXISTS (SELECT 1 FROM events WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'factlog events are immutable: INSERT over an existing seq or id refused'); END"""
CHAIN_LINK_SQL = f"""CREATE TRIGGER IF NOT EXISTS events_chain_link BEFORE INSERT ON events
WHEN NEW.prev_hash IS NOT (CASE WHEN NEW.seq = 1 THEN '{GENESIS_HASH}'
                                ELSE (SELECT hash FROM events WHERE seq = NEW.seq - 1) END)
BEGIN SELECT RAISE(ABORT, 'factlog events form one chain: an event must follow the hash of the event before it');
END"""
GUARD_TRIGGERS = ("events_no_update", "events_no_delete", "events_no_overwrite", "events_chain_link")


def m006_chain_link(db: sqlite_utils.Database) -> None:
    """The chain is guarded by a link check instead of UNIQUE(prev_hash): each event must carry the hash of the
    event at ``seq - 1`` (GENESIS at seq 1), which also refuses a fork and a gap. The UNIQUE index on random
    hashes cost every append a page write at a random place of the file (in a million-event log, one that is
    not in the cache); the link check reads the page before, which is. The target index keeps only
    retractions, the one kind of event that has a target."""
    for sql in ("DROP TRIGGER IF EXISTS events_no_overwrite", NO_OVERWRITE_V2_SQL, CHAIN_LINK_SQL,
                "DROP INDEX IF EXISTS idx_events_prev_hash", "DROP INDEX IF EXISTS idx_events_target",
                "CREATE INDEX idx_events_target ON events (target) WHERE target IS NOT NULL"):
        db.execute(sql)


def m007_parties(db: sqlite_utils.Database) -> None:
    """Issue 12: the ``parties`` projection table, and an index of the events about who is who (source and party
    registrations and amendments, the events without a fact) by type, which every append that derives a label
    reads. A log that holds the new event types needs this step, so an older factlog refuses it as newer."""
    from .schema import create_parties_table

    create_parties_table(db)
    db.execute("CREATE INDEX IF NOT EXISTS idx_events_who ON events (type, seq) WHERE fact IS NULL")


def m008_projection_foreign_keys(db: sqlite_utils.Database) -> None:
    """The projection tables again, now with their foreign keys (beliefs and stances to facts and sources), for
    Datasette's links. They are only projections: dropped here, they are refilled from the events when the log
    is opened (they are then behind the log)."""
    from .schema import create_projection_tables, drop_projection_tables

    drop_projection_tables(db)
    create_projection_tables(db)


def m009_verdicts(db: sqlite_utils.Database) -> None:
    """Issue 16: the ``verdict`` column of the beliefs (the analyst's standing verdict, JSON text). A log from
    before it holds no verdict event, so NULL is what a rebuild would write; a log that holds verdicts needs
    this step, so an older factlog refuses it as newer. The views that show it are made again by m010, which
    adds the columns they also name."""
    from .schema import add_verdict_column

    add_verdict_column(db)


def m010_citations(db: sqlite_utils.Database) -> None:
    """Issue 16, cited-source chains: the beliefs table's ``independent_assertions`` and ``chains``, and the views
    that show them (and each statement's ``cites``). A log that holds a ``cites`` needs this step, so an older
    factlog refuses it as newer."""
    from .schema import add_citation_columns
    from .views import create_views

    add_citation_columns(db)
    create_views(db.conn)


def m013_append_pages(db: sqlite_utils.Database) -> None:
    """Issue 14: fewer pages in each append's commit (each is written to the WAL and, at synchronous=FULL,
    synced). The search index is made again without its per-text size table (``search.CREATE_SQL``), and
    the projection watermark becomes "in step with the log" (NULL, ``projections.IN_STEP``) instead of a seq
    rewritten by every append; a watermark behind the log stays a seq, for the open to refill from."""
    from .search import rebuild_index

    rebuild_index(db.conn)
    db.execute("UPDATE projection_state SET last_seq = NULL WHERE name = 'beliefs'"
               " AND last_seq = (SELECT max(seq) FROM events)")


# Issue 16: evidence files, insert-only as the events are. One statement each (see NO_OVERWRITE_V2_SQL).
EVIDENCE_SQL = (
    # a rowid table: SQLite keeps a large row's bytes in overflow pages there, not in the index's own pages
    "CREATE TABLE evidence_chunks (sha256 TEXT NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL,"
    " PRIMARY KEY (sha256, part))",
    "CREATE TABLE evidence_files (sha256 TEXT PRIMARY KEY NOT NULL, size INTEGER NOT NULL, parts INTEGER NOT NULL)"
    " WITHOUT ROWID",
    *(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
BEGIN SELECT RAISE(ABORT, 'factlog evidence files are immutable: {verb} refused'); END"""
      for table in ("evidence_chunks", "evidence_files") for verb in ("UPDATE", "DELETE")),
    # INSERT OR REPLACE would delete the row it collides with without firing the DELETE trigger (see m003)
    """CREATE TRIGGER evidence_chunks_no_overwrite BEFORE INSERT ON evidence_chunks
WHEN EXISTS (SELECT 1 FROM evidence_chunks WHERE sha256 = NEW.sha256 AND part = NEW.part)
BEGIN SELECT RAISE(ABORT, 'factlog evidence files are immutable: INSERT over a stored chunk refused'); END""",
    """CREATE TRIGGER evidence_files_no_overwrite BEFORE INSERT ON evidence_files
WHEN EXISTS (SELECT 1 FROM evidence_files WHERE sha256 = NEW.sha256)
BEGIN SELECT RAISE(ABORT, 'factlog evidence files are immutable: INSERT over a stored file refused'); END""",
)
EVIDENCE_GUARD_TRIGGERS = tuple(f"{table}_no_{verb}" for table in ("evidence_chunks", "evidence_files")
                                for verb in ("update", "delete", "overwrite"))


def m011_evidence(db: sqlite_utils.Database) -> None:
    """Issue 16: the evidence files, content-addressed (by SHA-256) and insert-only, in chunks of 1 MiB rows (a file
    goes in and out a chunk at a time: memory stays flat). ``evidence_files`` says a file is whole."""
    for sql in EVIDENCE_SQL:
        db.execute(sql)


def m012_valid_time(db: sqlite_utils.Database) -> None:
    """Issue 14: what sources said (statements and retractions) and the analyst's verdicts, indexed by fact and said-at time. ``status
    --valid-at T`` folds only the facts with something said after T and reads the others' stored beliefs; this
    index finds those facts without reading the events table. Its WHERE must stay the text of
    ``queries.SAID_IN_VALID_TIME``, else SQLite does not use it."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_events_said ON events (fact, observed_at)"
               " WHERE type IN ('claim','confirm','deny','decline','retract','verdict-given')")
    db.execute("CREATE INDEX IF NOT EXISTS idx_events_unsaid ON events (fact, seq)"
               " WHERE type NOT IN ('claim','confirm','deny','decline','retract','verdict-given')")


STEPS: tuple[tuple[str, Callable[[sqlite_utils.Database], None]], ...] = (
    ("m001_events", m001_events),
    ("m002_projections", m002_projections),
    ("m003_events_no_overwrite", m003_events_no_overwrite),
    ("m004_sql_views", m004_sql_views),
    ("m005_search_index", m005_search_index),
    ("m006_chain_link", m006_chain_link),
    ("m007_parties", m007_parties),
    ("m008_projection_foreign_keys", m008_projection_foreign_keys),
    ("m009_verdicts", m009_verdicts),
    ("m010_citations", m010_citations),
    ("m011_evidence", m011_evidence),
    ("m012_valid_time", m012_valid_time),
    ("m013_append_pages", m013_append_pages),
)
NAMES = tuple(name for name, _ in STEPS)


def apply_pending(db: sqlite_utils.Database) -> None:
    """Apply every pending migration; the caller holds the write lock so two processes cannot race."""
    from sqlite_utils import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, step in STEPS:
        migrations(name=name)(step)
    migrations.apply(db)


def is_factlog(conn: sqlite3.Connection, tables: set[str]) -> bool:
    """Whether a SQLite file with these tables is a factlog log (it records factlog's migrations)."""
    if "_sqlite_migrations" not in tables:
        return False
    sql = "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? LIMIT 1"
    return conn.execute(sql, (MIGRATION_SET,)).fetchone() is not None


def pending(conn: sqlite3.Connection, tables: set[str], path: str) -> bool:
    """Whether migrations are pending; a log written by a newer factlog is refused, untouched."""
    if "_sqlite_migrations" not in tables:
        return True
    applied = {
        row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,))
    }
    newer = sorted(applied - set(NAMES))
    if newer:
        raise LogUnavailable(f"{path} was written by a newer factlog (schema step {', '.join(newer)});"
                             " upgrade factlog to use it; the file was left untouched")
    return bool(set(NAMES) - applied)

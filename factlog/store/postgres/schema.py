"""The schema of a team log database, as named migrations: recorded in ``factlog.migrations`` when applied, applied
at open under an advisory lock (two processes opening a fresh database do not race), never edited once shipped.
A database written by a newer factlog is refused, untouched.

Every table has a ``log`` column, part of its keys: one database holds many logs, each its own seq and chain.
Text columns use the "C" collation, so ids and slugs sort by their bytes as SQLite sorts them, and the output of
both back ends is the same.
"""

from __future__ import annotations

import psycopg

from ...errors import LogUnavailable
from ..chain import GENESIS
from .connection import SCHEMA

# The first key of factlog's advisory locks; the second is 0 for the schema, a log's number for its head.
LOCK_SPACE = 0x6661_6374  # "fact"
T = 'text COLLATE "C"'

M001_EVENTS = [
    f"""CREATE TABLE logs (
        name {T} PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by {T} NOT NULL DEFAULT session_user)""",
    f"""CREATE TABLE events (
        log {T} NOT NULL REFERENCES logs (name),
        seq bigint NOT NULL CHECK (seq > 0),
        id {T} NOT NULL, type {T} NOT NULL, version bigint NOT NULL,
        recorded_at {T} NOT NULL, observed_at {T} NOT NULL, recorded_by {T} NOT NULL,
        fact {T}, source {T}, target {T},
        data {T} NOT NULL, prev_hash {T} NOT NULL, hash {T} NOT NULL,
        PRIMARY KEY (log, seq), UNIQUE (log, id))""",
    "CREATE INDEX events_fact ON events (log, fact, seq)",
    "CREATE INDEX events_source ON events (log, source, seq)",
    "CREATE INDEX events_target ON events (log, target) WHERE target IS NOT NULL",
    "CREATE INDEX events_recorded_at ON events (log, recorded_at)",
    # The server's own rules: events are never changed or removed, each follows the hash of the one before it,
    # and only the log's owner may bring in events recorded by someone else (an import of a merged log).
    f"""CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql SET search_path = {SCHEMA}, pg_catalog AS $$
    BEGIN
      RAISE EXCEPTION 'factlog events are immutable: % refused', TG_OP USING ERRCODE = 'FL001';
    END $$""",
    f"""CREATE FUNCTION check_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = {SCHEMA}, pg_catalog AS $$
    BEGIN
      IF NEW.recorded_by IS DISTINCT FROM session_user::text AND NOT pg_has_role(
          session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RAISE EXCEPTION 'role % cannot record events as %', session_user, NEW.recorded_by USING ERRCODE = 'FL002',
          DETAIL = 'recorded_by must be the role that appends (only the owner of the log''s tables may import'
                   ' events recorded by others)';
      END IF;
      IF NEW.prev_hash IS DISTINCT FROM (CASE WHEN NEW.seq = 1 THEN '{GENESIS}'
          ELSE (SELECT hash FROM events WHERE log = NEW.log AND seq = NEW.seq - 1) END) THEN
        RAISE EXCEPTION 'factlog events form one chain: an event must follow the hash of the event before it'
          USING ERRCODE = 'FL003';
      END IF;
      RETURN NEW;
    END $$""",
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION refuse_change()",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION refuse_change()",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()",
    "CREATE TRIGGER events_check_insert BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION check_insert()",
]
GUARD_TRIGGERS = ("events_no_update", "events_no_delete", "events_no_truncate", "events_check_insert")

M002_PROJECTIONS = [
    f"""CREATE TABLE sources (log {T} NOT NULL, id {T} NOT NULL, name {T}, kind {T}, party {T}, reliability {T},
        url {T}, seq bigint, PRIMARY KEY (log, id))""",
    f"""CREATE TABLE facts (log {T} NOT NULL, id {T} NOT NULL, statement {T}, parties {T}, tags {T},
        occurred_at {T}, opened_seq bigint, PRIMARY KEY (log, id))""",
    f"""CREATE TABLE beliefs (log {T} NOT NULL, fact {T} NOT NULL, statement {T}, status {T}, label {T},
        parties {T}, sources {T}, updated_seq bigint, statement_count bigint, standing_count bigint,
        withdrawn_count bigint, PRIMARY KEY (log, fact))""",
    f"""CREATE TABLE stances (log {T} NOT NULL, fact {T} NOT NULL, source {T} NOT NULL, stance {T}, type {T},
        event_id {T}, observed_at {T}, quote {T}, url {T}, PRIMARY KEY (log, fact, source))""",
    "CREATE INDEX stances_source ON stances (log, source)",
    f"CREATE TABLE projection_state (log {T} NOT NULL, name {T} NOT NULL, last_seq bigint, PRIMARY KEY (log, name))",
]

M003_SEARCH = [
    # One row per text of each event; PostgreSQL's full-text search (tsvector, GIN) in place of SQLite's FTS5.
    f"""CREATE TABLE search_index (log {T} NOT NULL, seq bigint NOT NULL, event_id {T} NOT NULL, field {T} NOT NULL,
        text {T} NOT NULL, fact {T}, source {T}, type {T},
        tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED)""",
    "CREATE INDEX search_index_tsv ON search_index USING gin (tsv)",
    "CREATE INDEX search_index_seq ON search_index (log, seq)",
]

M004_PARTIES = [
    # issue 12: the registered parties, and an index of the events about who is who (the only ones without a fact)
    f"CREATE TABLE parties (log {T} NOT NULL, id {T} NOT NULL, name {T}, kind {T}, seq bigint, PRIMARY KEY (log, id))",
    "CREATE INDEX events_who ON events (log, type, seq) WHERE fact IS NULL",
]

M005_VERDICTS = [
    # issue 16: the beliefs' standing verdict (JSON text, NULL for none); no log before it holds a verdict event
    f"ALTER TABLE beliefs ADD COLUMN verdict {T}",
]
M006_CITATIONS = [
    # issue 16, cited-source chains (as SQLite's m010): no statement cited anyone before this step, so each
    # standing assertion is its own origin and the new columns are filled exactly from the stances
    f"ALTER TABLE beliefs ADD COLUMN independent_assertions bigint, ADD COLUMN chains {T}",
    "UPDATE beliefs SET chains = '{}', independent_assertions = (SELECT count(*) FROM stances"
    " WHERE stances.log = beliefs.log AND stances.fact = beliefs.fact AND stances.stance = 'asserts')",
]
_EVIDENCE_REFUSAL = f"""CREATE FUNCTION refuse_evidence_change() RETURNS trigger LANGUAGE plpgsql
    SET search_path = {SCHEMA}, pg_catalog AS $$
    BEGIN
      RAISE EXCEPTION 'factlog evidence files are immutable: % refused', TG_OP USING ERRCODE = 'FL001';
    END $$"""
EVIDENCE_TABLES = ("evidence_chunks", "evidence_files")
M007_EVIDENCE = [
    # issue 16: evidence files by SHA-256, per log, in chunks of 1 MiB; insert-only as events are
    f"""CREATE TABLE evidence_chunks (log {T} NOT NULL REFERENCES logs (name), sha256 {T} NOT NULL,
        part bigint NOT NULL CHECK (part >= 0), data bytea NOT NULL, PRIMARY KEY (log, sha256, part))""",
    f"""CREATE TABLE evidence_files (log {T} NOT NULL REFERENCES logs (name), sha256 {T} NOT NULL,
        size bigint NOT NULL, parts bigint NOT NULL, PRIMARY KEY (log, sha256))""",
    _EVIDENCE_REFUSAL,
    *(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} FOR EACH"
      f" {'STATEMENT' if verb == 'TRUNCATE' else 'ROW'} EXECUTE FUNCTION refuse_evidence_change()"
      for table in EVIDENCE_TABLES for verb in ("UPDATE", "DELETE", "TRUNCATE")),
]
EVIDENCE_GUARD_TRIGGERS = {table: tuple(f"{table}_no_{verb}" for verb in ("update", "delete", "truncate"))
                           for table in EVIDENCE_TABLES}
M008_VALID_TIME = [
    # issue 14: what sources said, by fact and said-at time: ``status --valid-at T`` folds only the facts with
    # something said after T (the WHERE must stay ``queries.SAID_IN_VALID_TIME``)
    "CREATE INDEX events_said ON events (log, fact, observed_at)"
    " WHERE type IN ('claim','confirm','deny','decline','retract','verdict-given')",
]

STEPS: tuple[tuple[str, list[str]], ...] = (
    ("m001_events", M001_EVENTS),
    ("m002_projections", M002_PROJECTIONS),
    ("m003_search", M003_SEARCH),
    ("m004_parties", M004_PARTIES),
    ("m005_verdicts", M005_VERDICTS),
    ("m006_citations", M006_CITATIONS),
    ("m007_evidence", M007_EVIDENCE),
    ("m008_valid_time", M008_VALID_TIME),
)
NAMES = tuple(name for name, _ in STEPS)
PROJECTION_TABLES = ("sources", "facts", "beliefs", "stances", "projection_state", "parties")


def installed(conn: psycopg.Connection) -> bool:
    """Whether the database holds factlog's schema."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.migrations",)).fetchone()
    return row is not None and row[0] is not None


def pending(conn: psycopg.Connection, where: str) -> list[str]:
    """The migrations not applied yet; a database written by a newer factlog is refused."""
    applied = {row[0] for row in conn.execute("SELECT name FROM migrations")}
    newer = sorted(applied - set(NAMES))
    if newer:
        raise LogUnavailable(f"{where} was written by a newer factlog (schema step {', '.join(newer)}); upgrade"
                             " factlog to use it; the database was left untouched")
    return [name for name in NAMES if name not in applied]


def migrate(conn: psycopg.Connection, where: str) -> None:
    """Create the schema or apply what is pending, in one transaction under the schema's advisory lock."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (LOCK_SPACE,))
        if not installed(conn):  # (CREATE SCHEMA needs the right to create, even with IF NOT EXISTS)
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(f"CREATE TABLE migrations (name {T} PRIMARY KEY,"
                         " applied_at timestamptz NOT NULL DEFAULT now())")
        todo = set(pending(conn, where))  # again, under the lock: another process may have applied them
        for name, statements in STEPS:
            if name in todo:
                for sql in statements:
                    conn.execute(sql)
                conn.execute("INSERT INTO migrations (name) VALUES (%s)", (name,))


def _body(sql: str) -> str:
    return sql.split("$$")[1]


# What each guard trigger's function must still say (``check_guards``): a function replaced by a no-op is caught.
FUNCTION_BODIES = {
    "events_no_update": _body(M001_EVENTS[6]), "events_no_delete": _body(M001_EVENTS[6]),
    "events_no_truncate": _body(M001_EVENTS[6]), "events_check_insert": _body(M001_EVENTS[7]),
}
FUNCTION_BODIES.update({name: _body(_EVIDENCE_REFUSAL) for names in EVIDENCE_GUARD_TRIGGERS.values() for name in names})

"""The read queries of a SQLite log: events on both clocks, and the rows the fold reads."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ...clock import Clock
from ...filters import SAID_TYPES, EventFilter
from ...times import format_time
from ..folding import FOLD_COLUMNS

EVENT_COLUMNS = "seq, id, type, version, recorded_at, observed_at, recorded_by, data, prev_hash, hash"
SQLITE_MAX_INT = 2**63 - 1  # a larger count or seq means "everything": clamp it rather than overflow
STATEMENT_AND_RETRACT = ("claim", "confirm", "deny", "decline", "retract")


def fact_column(fact: str | None, clock: Clock) -> str:
    """``fact``, or ``+fact`` (which no index serves) for every fact in a past view of transaction time.

    The (fact, seq) index would walk the whole log to find the events of ``--at-seq 20``; with ``+fact`` SQLite
    reads the range of seq (or of recorded_at for ``--as-of``) and sorts it: the cost follows the view.
    """
    return "+fact" if fact is None and (clock.at_seq is not None or clock.as_of is not None) else "fact"


def event_filter(clock: Clock, where: EventFilter | None = None, **equal: Any) -> tuple[str, list]:
    """The WHERE clause (fixed text) and its parameters for events equal to ``equal`` (column: value, None
    for any) that match ``where``, in the view ``clock`` names."""
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    if where is not None:
        clauses, params = filter_clauses(where)
    for column, value in equal.items():
        if value is not None:
            clauses.append(f"{column} = ?")  # column names come from this module's callers, never from input
            params.append(value)
    if clock.at_seq is not None:
        clauses.append("seq <= ?")
        params.append(min(clock.at_seq, SQLITE_MAX_INT))
    if clock.as_of is not None:
        clauses.append("recorded_at <= ?")
        params.append(format_time(clock.as_of))
    if clock.valid_at is not None:
        # registrations always count in valid time; only what sources said is filtered
        # (and the analyst's verdicts, which have a valid time too)
        clauses.append("(type NOT IN ('claim','confirm','deny','decline','retract','verdict-given')"
                       " OR observed_at <= ?)")
        params.append(format_time(clock.valid_at))
    return " AND ".join(clauses), params


# The conditions of ``factlog.filters.EventFilter`` (its docstring says what each means). Tags and parties are
# read from the facts and sources tables (as they are now); the subqueries give fact ids, which the (fact, seq)
# index serves.
TAGGED = "fact IN (SELECT f.id FROM facts f, json_each(f.tags) t WHERE t.value = ?)"
OF_PARTY = ("(fact IN (SELECT f.id FROM facts f, json_each(f.parties) p WHERE p.value = ?)"
            " OR source IN (SELECT s.id FROM sources s WHERE s.party = ?))")
SAID = f"type IN ({', '.join(repr(t) for t in SAID_TYPES)})"


def filter_clauses(where: EventFilter) -> tuple[list[str], list]:
    clauses: list[str] = ["1 = 1"]
    params: list = []
    if where.tag is not None:
        clauses.append(TAGGED)
        params.append(where.tag)
    if where.party is not None:
        clauses.append(OF_PARTY)
        params += [where.party, where.party]
    if where.source is not None:
        clauses.append("source = ?")
        params.append(where.source)
    if where.type is not None:
        clauses.append("type = ?")
        params.append(where.type)
    if where.since is not None or where.until is not None:
        clauses.append(SAID)
    if where.since is not None:
        clauses.append("observed_at >= ?")
        params.append(format_time(where.since))
    if where.until is not None:
        clauses.append("observed_at <= ?")
        params.append(format_time(where.until))
    return clauses, params


def matching_facts(conn: sqlite3.Connection, where: EventFilter, clock: Clock) -> list[str]:
    """The facts with an event that matches ``where`` in the view ``clock`` names, in id order."""
    condition, params = event_filter(clock, where)
    sql = f"SELECT DISTINCT fact FROM events WHERE {condition} AND fact IS NOT NULL ORDER BY fact"
    return [row[0] for row in conn.execute(sql, params)]


def event_rows(conn: sqlite3.Connection, where: str, params: Sequence[Any], limit: int | None = None,
               newest_first: bool = False) -> Iterator[tuple]:
    sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} ORDER BY seq{' DESC' if newest_first else ''}"
    if limit is not None:
        sql += " LIMIT ?"
        params = (*params, min(limit, SQLITE_MAX_INT))
    # a plain loop, not ``yield from``: closing this generator late (after the log was closed, e.g. when
    # the reader of stdout went away) must not call close() on the cursor of a closed connection
    for row in conn.execute(sql, params):
        yield row


# What valid time filters (``beliefs.in_valid_time``): what sources said, and everything else. The same texts as
# the WHERE of the partial indexes ``m012_valid_time`` made, which SQLite uses only for a query with that very term.
SAID_IN_VALID_TIME = "type IN ('claim','confirm','deny','decline','retract','verdict-given')"
NOT_SAID = "type NOT IN ('claim','confirm','deny','decline','retract','verdict-given')"
SAID_AFTER = f"SELECT fact FROM events WHERE {SAID_IN_VALID_TIME} AND observed_at > ?"


def beliefs_unsaid_after(conn: sqlite3.Connection, columns: str, valid_at: dt.datetime,
                         fact: str | None) -> Iterator[tuple]:
    """The stored ``beliefs`` rows (``columns``) of the facts (``fact`` only, when given) with nothing said after
    ``valid_at``, in fact order: the complement of ``said_after_fold_rows``'s facts."""
    sql = f"SELECT {columns} FROM beliefs WHERE fact NOT IN ({SAID_AFTER})"
    params = [format_time(valid_at)]
    if fact is not None:
        sql, params = sql + " AND fact = ?", [*params, fact]
    for row in conn.execute(sql + " ORDER BY fact", params):
        yield row


def said_after_fold_rows(conn: sqlite3.Connection, valid_at: dt.datetime, fact: str | None) -> Iterator[tuple]:
    """The rows of ``folding.fold_rows`` in the view of valid time ``valid_at`` (now in transaction time), of the
    facts (``fact`` only, when given) with a statement or retraction said after it.

    Two halves, each through its partial index, so that no row said after ``valid_at`` is read: the facts' other
    events (registrations, amendments, voids), and what was said by ``valid_at``."""
    when = format_time(valid_at)
    facts = f"fact IN ({SAID_AFTER})" + ("" if fact is None else " AND fact = ?")
    chosen = [when] if fact is None else [when, fact]
    sql = (f"SELECT {FOLD_COLUMNS}, fact FROM events WHERE {NOT_SAID} AND {facts}"
           f" UNION ALL SELECT {FOLD_COLUMNS}, fact FROM events WHERE {SAID_IN_VALID_TIME} AND {facts}"
           " AND observed_at <= ? ORDER BY fact, seq")
    for row in conn.execute(sql, [*chosen, *chosen, when]):
        yield row


def fold_rows(conn: sqlite3.Connection, clock: Clock, fact: str | None) -> Iterator[tuple]:
    """The rows of ``folding.fold_rows`` in the view of transaction time (valid time is the fold's filter)."""
    where, params = event_filter(Clock(clock.as_of, clock.at_seq), fact=fact)
    by_fact = fact_column(fact, clock)
    sql = (f"SELECT {FOLD_COLUMNS}, {by_fact} FROM events WHERE {where} AND {by_fact} IS NOT NULL"
           f" ORDER BY {by_fact}, seq")
    for row in conn.execute(sql, params):
        yield row


SOURCE_EVENTS = ("source-registered", "source-amended")
PARTY_EVENTS = ("party-registered", "party-amended")


def who_rows(conn: sqlite3.Connection, types: tuple[str, str], sources: Iterable[str] | None,
             clock: Clock) -> Iterator[tuple]:
    """Registrations and amendments of sources or parties (``types``), of ``sources`` only when given, in the
    view of transaction time ``clock`` names, in seq order."""
    # events about who is who are the only ones without a fact: one SELECT per type, each an equality that the
    # partial index of those events (m007) serves; with IN (...) SQLite walked them all through the fact index
    where, params = event_filter(Clock(clock.as_of, clock.at_seq))
    one = f"SELECT {EVENT_COLUMNS} FROM events WHERE fact IS NULL AND type = ? AND {where}"
    values: list = []
    if sources is not None:
        one += " AND source IN (SELECT value FROM json_each(?))"
        params = [*params, json.dumps(sorted(sources))]
    for kind in types:
        values += [kind, *params]
    for row in conn.execute(" UNION ALL ".join([one] * len(types)) + " ORDER BY seq", values):
        yield row


CHAIN_SQL = (
    "SELECT seq, CAST(id AS BLOB), CAST(type AS BLOB), version, CAST(recorded_at AS BLOB),"
    " CAST(observed_at AS BLOB), CAST(recorded_by AS BLOB), CAST(data AS BLOB),"
    " CAST(prev_hash AS BLOB), CAST(hash AS BLOB), CAST(fact AS BLOB), CAST(source AS BLOB),"
    " CAST(target AS BLOB) FROM events ORDER BY seq"
)


def chain_rows(conn: sqlite3.Connection) -> Iterator[tuple[tuple[int, list, bytes, bytes], tuple]]:
    """Every event as ``verify`` reads it: the stored bytes, whatever a program outside factlog wrote there."""
    for seq, *fields, prev_hash, stored_hash, fact, source, target in conn.execute(CHAIN_SQL):
        yield (seq, fields, prev_hash, stored_hash), (fact, source, target)

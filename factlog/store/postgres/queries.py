"""The read queries of a team log: events on both clocks, the rows the fold reads, the chain as bytes.

Long reads come in pages (keyset pagination on the order they are read in): memory stays flat however long the
log, and the connection is free between pages for the queries a reader makes while it walks (a fold that meets an
unusual row reads that event). Inside ``snapshot()`` every page sees the same state.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg

from ...clock import Clock
from ...filters import EventFilter
from ...times import format_time
from ..folding import FOLD_COLUMNS

EVENT_COLUMNS = "seq, id, type, version, recorded_at, observed_at, recorded_by, data, prev_hash, hash"
MAX_INT = 2**63 - 1  # a larger count or seq means "everything": clamp it rather than overflow
PAGE = 2000


def event_filter(log: str, clock: Clock, where: EventFilter | None = None, **equal: Any) -> tuple[str, list]:
    """The WHERE clause (fixed text) and its parameters for the log's events equal to ``equal`` (column: value,
    None for any) that match ``where``, in the view ``clock`` names."""
    clauses: list[str] = ["log = %s"]
    params: list[Any] = [log]
    if where is not None:
        more, values = filter_clauses(log, where)
        clauses += more
        params += values
    for column, value in equal.items():
        if value is not None:
            clauses.append(f"{column} = %s")  # column names come from this module's callers, never from input
            params.append(value)
    if clock.at_seq is not None:
        clauses.append("seq <= %s")
        params.append(min(clock.at_seq, MAX_INT))
    if clock.as_of is not None:
        clauses.append("recorded_at <= %s")
        params.append(format_time(clock.as_of))
    if clock.valid_at is not None:
        # registrations always count in valid time; only what sources said is filtered
        # (and the analyst's verdicts, which have a valid time too)
        clauses.append("(type NOT IN ('claim','confirm','deny','decline','retract','verdict-given')"
                       " OR observed_at <= %s)")
        params.append(format_time(clock.valid_at))
    return " AND ".join(clauses), params


# The conditions of ``factlog.filters.EventFilter`` (its docstring says what each means), as on SQLite: tags and
# parties are read from the facts and sources tables (as they are now).
TAGGED = "fact IN (SELECT f.id FROM facts f WHERE f.log = %s AND f.tags::jsonb ? %s)"
OF_PARTY = ("(fact IN (SELECT f.id FROM facts f WHERE f.log = %s AND f.parties::jsonb ? %s)"
            " OR source IN (SELECT s.id FROM sources s WHERE s.log = %s AND s.party = %s))")
SAID = "type IN ('claim', 'confirm', 'deny', 'decline', 'retract')"


def filter_clauses(log: str, where: EventFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if where.tag is not None:
        clauses.append(TAGGED)
        params += [log, where.tag]
    if where.party is not None:
        clauses.append(OF_PARTY)
        params += [log, where.party, log, where.party]
    for column, value in (("source", where.source), ("type", where.type)):
        if value is not None:
            clauses.append(f"{column} = %s")  # a column name from this list, never from input
            params.append(value)
    if where.since is not None or where.until is not None:
        clauses.append(SAID)
    if where.since is not None:
        clauses.append("observed_at >= %s")
        params.append(format_time(where.since))
    if where.until is not None:
        clauses.append("observed_at <= %s")
        params.append(format_time(where.until))
    return clauses, params


def matching_facts(conn: psycopg.Connection, log: str, where: EventFilter, clock: Clock) -> list[str]:
    """The facts with an event that matches ``where`` in the view ``clock`` names, in id order."""
    condition, params = event_filter(log, clock, where)
    sql = f"SELECT DISTINCT fact FROM events WHERE {condition} AND fact IS NOT NULL ORDER BY fact"
    return [row[0] for row in conn.execute(sql, params)]


def paged(conn: psycopg.Connection, select: str, where: str, params: Sequence[Any], keys: str,
          key_of: Callable[[tuple], tuple], descending: bool = False, limit: int | None = None) -> Iterator[tuple]:
    """``SELECT {select} ... WHERE {where} ORDER BY {keys}`` in pages: each page starts after the last row's keys."""
    order = ", ".join(f"{key} DESC" if descending else key for key in keys.split(", "))
    after: tuple | None = None
    left = MAX_INT if limit is None else limit
    while left > 0:
        page_where, page_params = where, list(params)
        if after is not None:
            page_where += f" AND ({keys}) {'<' if descending else '>'} ({', '.join(['%s'] * len(after))})"
            page_params += after
        size = min(PAGE, left)
        rows = conn.execute(f"SELECT {select} WHERE {page_where} ORDER BY {order} LIMIT %s",
                            (*page_params, size)).fetchall()
        for row in rows:
            yield row
        if len(rows) < size:
            return
        left -= len(rows)
        after = key_of(rows[-1])


def event_rows(conn: psycopg.Connection, where: str, params: Sequence[Any], limit: int | None = None,
               newest_first: bool = False) -> Iterator[tuple]:
    return paged(conn, f"{EVENT_COLUMNS} FROM events", where, params, "seq", lambda row: (row[0],),
                 newest_first, limit)


# What valid time filters (``beliefs.in_valid_time``): what sources said; the partial index m008_valid_time made
# on (log, fact, observed_at) has this WHERE, which the planner needs to find in a query to use it.
SAID_IN_VALID_TIME = "type IN ('claim','confirm','deny','decline','retract','verdict-given')"
SAID_AFTER = f"SELECT fact FROM events WHERE log = %s AND {SAID_IN_VALID_TIME} AND observed_at > %s"


def beliefs_unsaid_after(conn: psycopg.Connection, log: str, columns: str, valid_at: dt.datetime,
                         fact: str | None) -> list[tuple]:
    """The stored ``beliefs`` rows (``columns``) of the facts (``fact`` only, when given) with nothing said after
    ``valid_at``, in fact order: the complement of ``said_after_fold_rows``'s facts."""
    sql = f"SELECT {columns} FROM beliefs WHERE log = %s AND fact NOT IN ({SAID_AFTER})"
    params = [log, log, format_time(valid_at)]
    if fact is not None:
        sql, params = sql + " AND fact = %s", [*params, fact]
    return conn.execute(sql + " ORDER BY fact", params).fetchall()


def said_after_fold_rows(conn: psycopg.Connection, log: str, valid_at: dt.datetime,
                         fact: str | None) -> Iterator[tuple]:
    """The rows of ``folding.fold_rows`` in the view of valid time ``valid_at`` (now in transaction time), of the
    facts with a statement or retraction said after it."""
    where, params = event_filter(log, Clock(valid_at=valid_at), fact=fact)
    return paged(conn, f"{FOLD_COLUMNS}, fact FROM events", where + f" AND fact IN ({SAID_AFTER})",
                 [*params, log, format_time(valid_at)], "fact, seq", lambda row: (row[7], row[0]))


def fold_rows(conn: psycopg.Connection, log: str, clock: Clock, fact: str | None) -> Iterator[tuple]:
    """The rows of ``folding.fold_rows`` in the view of transaction time (valid time is the fold's filter)."""
    where, params = event_filter(log, Clock(clock.as_of, clock.at_seq), fact=fact)
    return paged(conn, f"{FOLD_COLUMNS}, fact FROM events", where + " AND fact IS NOT NULL", params, "fact, seq",
                 lambda row: (row[7], row[0]))


# The stored text as bytes (convert_to gives bytea, which psycopg returns as bytes): verify hashes what is stored.
CHAIN_SELECT = (
    "seq, convert_to(id, 'UTF8'), convert_to(type, 'UTF8'), version, convert_to(recorded_at, 'UTF8'),"
    " convert_to(observed_at, 'UTF8'), convert_to(recorded_by, 'UTF8'), convert_to(data, 'UTF8'),"
    " convert_to(prev_hash, 'UTF8'), convert_to(hash, 'UTF8'), convert_to(fact, 'UTF8'),"
    " convert_to(source, 'UTF8'), convert_to(target, 'UTF8') FROM events"
)


def chain_rows(conn: psycopg.Connection, log: str) -> Iterator[tuple[tuple[int, list, bytes, bytes], tuple]]:
    """Every event as ``verify`` reads it: the stored bytes, whatever a program outside factlog wrote there."""
    for seq, *fields, prev_hash, stored_hash, fact, source, target in paged(
            conn, CHAIN_SELECT, "log = %s", (log,), "seq", lambda row: (row[0],)):
        yield (seq, fields, prev_hash, stored_hash), (fact, source, target)

"""The views an export can ask for, as streams of flat-ish dicts with a fixed set of keys in a fixed order.

- ``beliefs``: one row per fact (what ``status --json`` says, plus counts and the time of the last change);
- ``stances``: one row per fact and source, the source's standing statement;
- ``events``: the log itself, one wire record per event, exactly as stored.

Every view streams: the beliefs are folded fact by fact (``Log.beliefs``) and the events come from a cursor, so
memory does not grow with the size of the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput
from .clock import Clock
from .store.rows import row_to_wire
from .times import format_time

if TYPE_CHECKING:
    from .beliefs import Belief, SourceInfo
    from .filters import EventFilter
    from .log import Log

VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "beliefs": (
        "fact", "statement", "status", "label", "parties", "sources", "verdict", "independent_assertions",
        "chains", "statement_count", "standing_count", "withdrawn_count", "updated_seq", "updated_at",
    ),
    "stances": (
        "fact", "source", "source_name", "speaks_for", "stance", "type", "observed_at", "quote", "url",
        "credibility", "note", "cites", "origin", "chain", "event_id", "seq",
    ),
    "events": (
        "seq", "id", "type", "version", "recorded_at", "observed_at", "recorded_by", "data", "prev_hash", "hash",
    ),
}
VIEWS = tuple(VIEW_COLUMNS)


def columns(view: str) -> tuple[str, ...]:
    """The keys of every row of ``view``, in order (a CSV header even when the view is empty)."""
    if view not in VIEW_COLUMNS:
        raise InvalidInput(f"unknown view {view!r}; use one of {', '.join(VIEWS)}")
    return VIEW_COLUMNS[view]


def view_rows(log: Log, view: str, clock: Clock, where: EventFilter | None = None) -> Iterator[dict[str, Any]]:
    """The rows of ``view`` for the moment ``clock`` names that ``where`` keeps (``factlog.filters``), streamed."""
    columns(view)
    if view == "events":
        return log.records(clock=clock, where=where)
    if view == "stances":
        return _stance_rows(log, clock, where)
    return _belief_rows(log, clock, where)


def event_tuples(log: Log, clock: Clock, where: EventFilter | None = None) -> Iterator[tuple]:
    """The ``events`` view as the stored column tuples, in ``columns("events")`` order with ``data`` still the
    stored JSON text: for an exporter that builds its cells straight from the columns (the CSV fast path).
    ``event_record`` turns one into the row ``view_rows`` would have given."""
    return log.event_rows(clock, where)


def event_record(row: tuple) -> dict[str, Any]:
    """The ``events`` view row (a wire record) for one tuple of ``event_tuples``."""
    return row_to_wire(row)


def _belief_rows(log: Log, clock: Clock, where: EventFilter | None) -> Iterator[dict[str, Any]]:
    for belief in log.beliefs(clock, where=where):
        yield belief_row(belief, _recorded_at(log, belief.updated_seq))


def belief_row(belief: Belief, updated_at: str | None) -> dict[str, Any]:
    """``status --json``'s fields, with the counts before ``updated_seq`` and the time of that change after."""
    from .beliefs import belief_fields

    row = belief_fields(belief)
    updated_seq = row.pop("updated_seq")
    row.update(statement_count=belief.statement_count, standing_count=len(belief.standing),
               withdrawn_count=len(belief.withdrawn), updated_seq=updated_seq, updated_at=updated_at)
    return row


def _recorded_at(log: Log, seq: int) -> str | None:
    """When the event at ``seq`` was recorded: the time of a fact's last change in the log."""
    return log.recorded_at(seq)


def _stance_rows(log: Log, clock: Clock, where: EventFilter | None) -> Iterator[dict[str, Any]]:
    """A stance row is kept when its fact is and its standing statement matches (``factlog.filters``)."""
    sources = log.source_map(clock)
    for belief in log.beliefs(clock, where=where):
        for row, record in zip(stance_rows(belief, sources), belief.standing):
            if where is None or where.said_matches(record.source, record.type, record.observed_at):
                yield row


def stance_rows(belief: Belief, sources: dict[str, SourceInfo]) -> Iterator[dict[str, Any]]:
    from .beliefs import origin_of

    for record in belief.standing:
        source = sources[record.source]
        chain = belief.chains[record.source]
        yield {
            "fact": belief.fact,
            "source": record.source,
            "source_name": source.name,
            "speaks_for": source.speaks_for,
            "stance": record.stance,
            "type": record.type,
            "observed_at": format_time(record.observed_at),
            "quote": record.quote,
            "url": record.url,
            "credibility": record.credibility,
            "note": record.note,
            "cites": record.cites,  # DESIGN "cites": whom it attributes its words to, and where that leads
            "origin": origin_of(chain),
            "chain": list(chain),
            "event_id": record.event_id,
            "seq": record.seq,
        }

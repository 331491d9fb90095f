"""A source's track record (``factlog source record``): how its standing word on the facts the analyst gave a
verdict compares with those verdicts. A number for the analyst to weigh; it never changes a rating by itself.

The rule, per source and per fact with a standing verdict:
- the source's standing statement asserts the fact (claim, confirm): it **agrees** with a verdict of true or
  mostly-true and **disagrees** with one of false or mostly-false;
- it denies the fact: the reverse (agrees with false or mostly-false, disagrees with true or mostly-true);
- a verdict of mixed or unproven settles nothing either way: the assertion or denial counts as **neither**;
- no standing assertion or denial, but the source withdrew (retracted) one: **withdrawn**;
- a standing decline, or silence, counts nowhere.
Each fact counts once per source. Pure: the Log hands in the beliefs (the facts with a verdict).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .state import Belief, SourceInfo

# How each rating reads an assertion of the fact; a denial reads the other way. Missing: neither.
_ASSERTION_IS = {"true": "agree", "mostly-true": "agree", "false": "disagree", "mostly-false": "disagree"}
_FLIPPED = {"agree": "disagree", "disagree": "agree"}
OUTCOMES = ("agree", "disagree", "neither", "withdrawn")


def outcome(stance: str, rating: str) -> str:
    """``agree``, ``disagree`` or ``neither``: how a standing assertion or denial (``stance``) compares with a
    verdict of ``rating``."""
    reading = _ASSERTION_IS.get(rating, "neither")
    return reading if stance == "asserts" else _FLIPPED.get(reading, reading)


def track_records(beliefs: Iterable[Belief], sources: Mapping[str, SourceInfo],
                  only: str | None = None) -> list[dict[str, Any]]:
    """Each source's track record (of ``only`` when given), in source id order: the counts of each outcome and
    the facts behind them (fact, rating, and the statement that counted)."""
    records = {source: _empty(info) for source, info in sorted(sources.items()) if only in (None, source)}
    for belief in beliefs:
        verdict = belief.verdict
        if verdict is None:
            continue
        counted: set[str] = set()
        for record in belief.standing:
            if record.stance == "declines" or record.source not in records:
                continue
            _count(records[record.source], outcome(record.stance, verdict.rating), belief, record.type,
                   record.event_id)
            counted.add(record.source)
        for record in belief.withdrawn:  # in log order: the first withdrawn assertion or denial names it
            if record.stance == "declines" or record.source in counted or record.source not in records:
                continue
            _count(records[record.source], "withdrawn", belief, record.type, record.event_id)
            counted.add(record.source)
    return list(records.values())


def _empty(info: SourceInfo) -> dict[str, Any]:
    return {"source": info.id, "name": info.name, **{name: 0 for name in OUTCOMES},
            "facts": {name: [] for name in OUTCOMES}}


def _count(record: dict[str, Any], kind: str, belief: Belief, said: str, event_id: str) -> None:
    assert belief.verdict is not None
    record[kind] += 1
    record["facts"][kind].append({"fact": belief.fact, "rating": belief.verdict.rating, "type": said,
                                  "event": event_id})

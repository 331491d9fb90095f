"""Stored rows read for the fold, without building their validated events (a rebuild, a past view, a fact
that left the appends' state cache).

``read_row`` turns one row of the events table into what ``beliefs.apply`` would do with its event. It reads
only the fields the fold uses and checks only their types, which is what keeps the fold from failing: the rows
were validated when they were appended, and ``factlog verify`` is the check for a file changed since. Anything
it does not expect raises ``Unusual``, and the caller folds the validated event instead, so the states are the
same either way. No SQL here: the store runs the query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Union

import orjson

from .. import beliefs as bl
from .. import events as ev

FOLD_COLUMNS = "seq, id, type, version, recorded_at, observed_at, data"


class Unusual(Exception):
    """A row that ``read_row`` does not vouch for: the caller folds its validated event instead."""


# What a stored row means to the fold: a statement's record (consecutive ones are folded together), a fold
# function and its arguments after the state, or None for a row outside the view of valid time.
Step = Union[bl.StatementRecord, tuple[Callable[..., Any], tuple], None]


def read_row(row: Sequence[Any], valid_at: dt.datetime | None) -> Step:
    """What one stored row (``FOLD_COLUMNS`` and its fact) does to its fact's state: what ``bl.apply`` does with
    its event.

    It reads only the fields the fold uses and checks only their types, which is what keeps the fold itself from
    failing; anything it does not expect raises ``Unusual``.
    """
    seq, event_id, kind, version, recorded_at, observed_at, data, _ = row
    try:
        if "\\u" in data:  # an escape may hide a NUL or a lone surrogate, which only the validated path refuses
            raise Unusual
        values = orjson.loads(data)  # stored canonical JSON; a number it reads otherwise fails a type check
        if type(values) is not dict or type(seq) is not int or type(event_id) is not str:
            raise Unusual
        if version == 1 and kind in _STATEMENT_KINDS and values.keys() <= _STATEMENT_KEYS:
            return _read_statement(seq, event_id, kind, recorded_at, observed_at, values, valid_at)  # 9 rows in 10
        reader = _ROW_READERS.get(kind)
        if reader is None or version != _VERSION_OF[kind] or not values.keys() <= _DATA_KEYS[kind]:
            raise Unusual
        return reader(seq, event_id, kind, recorded_at, observed_at, values, valid_at)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise Unusual from None


def _stored_time(text: Any) -> dt.datetime:
    """A time as ``format_time`` stores it (fixed-width UTC text, which ``fromisoformat`` reads as UTC)."""
    if type(text) is not str or len(text) != 32 or text[26:] != "+00:00":
        raise Unusual
    return dt.datetime.fromisoformat(text)


def _text_or_none(value: Any) -> str | None:
    if value is not None and type(value) is not str:
        raise Unusual
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if type(value) is not list or any(type(item) is not str for item in value):
        raise Unusual
    return tuple(value)


def _read_statement(seq: int, event_id: str, kind: str, recorded_at: Any, observed_at: Any, values: dict,
                    valid_at: dt.datetime | None) -> Step:
    get = values.get
    source, quote, url, credibility, note = values["source"], get("quote"), get("url"), get("credibility"), get("note")
    cites = get("cites")
    if (type(source) is not str or (quote is not None and type(quote) is not str)
            or (cites is not None and type(cites) is not str)
            or (url is not None and type(url) is not str) or (note is not None and type(note) is not str)
            or (credibility is not None and type(credibility) is not int)):
        raise Unusual
    said = _stored_time(observed_at)
    if valid_at is not None and said > valid_at:
        return None
    return bl.StatementRecord(event_id, seq, kind, source, said, _stored_time(recorded_at), quote, url, credibility,
                              note, cites=cites)


def _read_retraction(seq: int, event_id: str, kind: str, recorded_at: Any, observed_at: Any, values: dict,
                     valid_at: dt.datetime | None) -> Step:
    said = _stored_time(observed_at)
    target, reason = values["target"], _text_or_none(values.get("reason"))
    if type(target) is not str:
        raise Unusual
    return None if valid_at is not None and said > valid_at else (_retracted, (target, event_id, reason, seq))


def _read_opened(seq: int, event_id: str, kind: str, recorded_at: Any, observed_at: Any, values: dict,
                 valid_at: dt.datetime | None) -> Step:
    fact, statement, occurred_at = values["fact"], values["statement"], values.get("occurred_at")
    if type(fact) is not str or type(statement) is not str:
        raise Unusual
    args = (fact, statement, _texts(values.get("parties", [])), _texts(values.get("tags", [])),
            None if occurred_at is None else _stored_time(occurred_at), seq)
    return _opened, args


def _read_reworded(seq: int, event_id: str, kind: str, recorded_at: Any, observed_at: Any, values: dict,
                   valid_at: dt.datetime | None) -> Step:
    statement = values["statement"]
    if type(statement) is not str or type(values["fact"]) is not str:
        raise Unusual
    _text_or_none(values.get("reason"))
    return _reworded, (statement, seq)


def _read_voided(seq: int, event_id: str, kind: str, recorded_at: Any, observed_at: Any, values: dict,
                 valid_at: dt.datetime | None) -> Step:
    """A void has no valid time: ``--valid-at`` never filters it out."""
    target, reason = values["target"], values["reason"]
    if type(target) is not str or type(reason) is not str:
        raise Unusual
    return _voided, (target, event_id, reason, seq)


def _read_amended(seq: int, event_id: str, kind: str, recorded_at: Any, observed_at: Any, values: dict,
                  valid_at: dt.datetime | None) -> Step:
    occurred_at = values.get("occurred_at")
    if type(values["fact"]) is not str:
        raise Unusual
    args = (_text_or_none(values.get("statement")), *(_texts(values.get(name, [])) for name in _AMENDED_LISTS),
            None if occurred_at is None else _stored_time(occurred_at), seq)
    return _amended, args


def _read_verdict(seq: int, event_id: str, kind: str, recorded_at: Any, observed_at: Any, values: dict,
                  valid_at: dt.datetime | None) -> Step:
    """A verdict has a valid time: ``--valid-at`` leaves out one given later."""
    rating, basis = values["rating"], values["basis"]
    if type(rating) is not str or type(basis) is not str or type(values["fact"]) is not str:
        raise Unusual
    said = _stored_time(observed_at)
    if valid_at is not None and said > valid_at:
        return None
    return _verdict, (bl.VerdictRecord(event_id, seq, rating, basis, said, _stored_time(recorded_at)),)


_AMENDED_LISTS = ("add_parties", "remove_parties", "add_tags", "remove_tags")


# The fold functions as ``apply`` calls them: an event about a fact that is not open (yet) leaves no state.
def _opened(state: bl.FactState | None, *args: Any) -> bl.FactState:
    return bl.fold_opened(*args)


def _reworded(state: bl.FactState | None, statement: str, seq: int) -> bl.FactState | None:
    return None if state is None else bl.fold_reworded(state, statement, seq)


def _retracted(state: bl.FactState | None, *args: Any) -> bl.FactState | None:
    return None if state is None else bl.fold_retraction(state, *args)


def _voided(state: bl.FactState | None, *args: Any) -> bl.FactState | None:
    return None if state is None else bl.fold_void(state, *args)


def _amended(state: bl.FactState | None, *args: Any) -> bl.FactState | None:
    return None if state is None else bl.fold_amended(state, *args)


def _verdict(state: bl.FactState | None, verdict: bl.VerdictRecord) -> bl.FactState | None:
    return None if state is None else bl.fold_verdict(state, verdict)


_ROW_READERS: dict[str, Callable[..., Step]] = {
    **{kind: _read_statement for kind in ev.STATEMENT_TYPES},
    "retract": _read_retraction, "fact-opened": _read_opened, "fact-reworded": _read_reworded,
    "statement-voided": _read_voided, "fact-amended": _read_amended, "verdict-given": _read_verdict,
}
_VERSION_OF = {kind: ev.EVENT_CLASSES[kind].VERSION for kind in _ROW_READERS}
_DATA_KEYS = {kind: frozenset(ev.data_fields(ev.EVENT_CLASSES[kind])) for kind in _ROW_READERS}
_STATEMENT_KINDS = frozenset(ev.STATEMENT_TYPES)
_STATEMENT_KEYS = _DATA_KEYS["claim"]


def fold_rows(rows: Iterable[Sequence[Any]], valid_at: dt.datetime | None,
              stored_event: Callable[[int], ev.Event]) -> Iterator[bl.FactState]:
    """Each fact's folded state from stored rows (``FOLD_COLUMNS`` and the fact, ordered by fact then seq).

    Each row is folded from the columns it needs (``read_row``), without building its validated event: the
    rows were validated when they were appended, and ``verify`` is the check for a file changed since. A row
    of any other shape (an old version, a payload that is not what factlog writes) takes ``stored_event(seq)``,
    the validated event, which upcasts it or says what is wrong with it, so the states are the same either way.
    """
    said: list[bl.StatementRecord] = []
    current_id, state = None, None  # ``said``: the fact's statements not folded in yet
    for row in rows:
        fact_id = row[7]
        if fact_id != current_id:
            if state is not None:
                yield bl.fold_statements(state, said) if said else state
            current_id, state, said = fact_id, None, []
        try:
            step = read_row(row, valid_at)
        except Unusual:
            event = stored_event(row[0])
            step = (bl.apply, (event,)) if bl.in_valid_time(event, valid_at) else None
        if type(step) is bl.StatementRecord:
            said.append(step)  # a run of statements folds in one go (fold_statements)
        elif step is not None:
            if said:
                state = bl.fold_statements(state, said) if state is not None else None
                said = []
            fold, args = step  # type: ignore[misc]
            state = fold(state, *args)
    if state is not None:
        yield bl.fold_statements(state, said) if said else state

"""The built-in ``jsonl`` exporter: the log itself, one wire record per line, lossless; and its reader.

A line holds ``seq, id, type, version, recorded_at, observed_at, recorded_by, data, prev_hash, hash`` exactly
as stored, so ``factlog import`` can merge it into another log and check each record's hash on the way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

import orjson

from factlog.errors import InvalidInput
from factlog.exporting import Exporter, ExportRequest
from factlog.hookspecs import hookimpl
from factlog.views import columns
from factlog.views import event_record as record_of

from .text import has_surrogate

EVENT_KEYS = columns("events")
MAX_LINE_BYTES = 4 * 1024 * 1024  # an event holds at most a few 20,000-character texts


def dumps(record: Mapping[str, Any]) -> str:
    line = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if has_surrogate(line):  # lossless or nothing: never replace a character of the log
        raise InvalidInput(f"event {record.get('id')} holds a lone surrogate and cannot be written as UTF-8")
    return line


def write(request: ExportRequest, stream: IO[str]) -> None:
    # Each line is written from the stored columns: what dumps() of request.rows() gives, at a sixth of the cost
    # (the log holds no lone surrogates, so there is nothing for dumps to refuse).
    for row in request.log.event_rows(request.clock, request.where):
        stream.write(wire_line(row) + "\n")


def wire_line(row: tuple) -> str:
    """``dumps`` of the wire record of a stored events row, without parsing the stored payload: the payload is
    canonical JSON already and goes into the line as it is (orjson's Fragment), the rest through orjson."""
    data = row[7]
    if type(data) is not str or data[:1] != "{" or data[-1:] != "}":  # only a file changed outside factlog
        return dumps(record_of(row))
    record = dict(zip(EVENT_KEYS, row))
    record["data"] = orjson.Fragment(data)
    try:
        return orjson.dumps(record).decode("utf-8")
    except TypeError:  # a column that is not text or a small integer, or a lone surrogate: the careful path
        return dumps(record_of(row))


# --- reading -----------------------------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} is out of range")
    return number


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice")
        result[key] = value
    return result


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite, object_pairs_hook=_unique_keys)


def parse_line(raw: bytes, number: int) -> dict[str, Any] | None:
    """One line of a JSON Lines file as a JSON object (None for a blank line); errors name the line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"line {number} is not valid UTF-8 (byte {raw[exc.start]:#04x} at column "
                           f"{exc.start + 1})") from None
    if number == 1:
        text = text.removeprefix("\ufeff")
    if not text.strip(" \t\r\n"):  # JSON's whitespace only: str.strip() would also skip a line of \x1c or \x85
        return None
    try:
        value = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"line {number} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"line {number} is not a JSON object but {type(value).__name__}")
    return value


def read_records(stream: IO[bytes] | Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """The records of a JSON Lines file with their line numbers, read line by line (memory: one line)."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise InvalidInput(f"line {number} is longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB")
        record = parse_line(raw, number)
        if record is not None:
            yield number, record


@hookimpl
def register_exporters(register: Any) -> None:
    register(Exporter(
        name="jsonl",
        description="The log itself, one event per line (lossless; 'factlog import' reads it back).",
        extension="jsonl",
        media_type="application/jsonl",
        write=write,
        views=("events",),
    ))

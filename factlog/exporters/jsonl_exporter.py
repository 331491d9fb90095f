"""The built-in ``jsonl`` exporter: the log itself, one wire record per line, lossless; and its reader.

A line holds ``seq, id, type, version, recorded_at, observed_at, recorded_by, data, prev_hash, hash`` exactly
as stored, so ``factlog import`` can merge it into another log and check each record's hash on the way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

import orjson

from factlog.errors import InvalidInput
from factlog.exporting import Exporter, ExportRequest
from factlog.hookspecs import hookimpl
from factlog.views import columns
from factlog.views import event_record as record_of

from .text import has_surrogate

EVENT_KEYS = columns("events")


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

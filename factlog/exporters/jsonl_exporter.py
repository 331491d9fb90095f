"""The built-in ``jsonl`` exporter: the log itself, one wire record per line, lossless; and its reader.

A line holds ``seq, id, type, version, recorded_at, observed_at, recorded_by, data, prev_hash, hash`` exactly
as stored, so ``factlog import`` can merge it into another log and check each record's hash on the way. Before
the first ``evidence-attached`` event that names a file come the file's bytes, base64-encoded, in records of
their own kind (``factlog.evidence_files`` describes them), so the export is the whole log, files included.
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
    carried: set[str] = set()
    for row in request.log.event_rows(request.clock, request.where):
        if row[2] == "evidence-attached":
            write_file_lines(request.log, row, carried, stream)
        stream.write(wire_line(row) + "\n")


def write_file_lines(log: Any, row: tuple, carried: set[str], stream: IO[str]) -> None:
    """Before the first event that names an evidence file, the file itself: base64 records, one a stored chunk
    (``factlog.evidence_files`` describes them; ``import`` checks them against the hash)."""
    from factlog.evidence_files import file_records

    sha256 = json.loads(row[7]).get("sha256")
    if not isinstance(sha256, str) or sha256 in carried:
        return
    size = log.file_size(sha256)
    if size is None:
        raise InvalidInput(f"evidence file {sha256} of event {row[1]} is missing from the log; 'factlog verify'")
    for record in file_records(sha256, size, log.file_chunks(sha256)):
        stream.write(orjson.dumps(record).decode("ascii") + "\n")
    carried.add(sha256)


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
        description="The log itself, one event per line (lossless; 'factlog import' reads it back), with the"
                    " evidence files base64-encoded in records of their own.",
        extension="jsonl",
        media_type="application/jsonl",
        write=write,
        views=("events",),
    ))

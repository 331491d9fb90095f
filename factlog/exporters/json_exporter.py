"""The built-in ``json`` exporter: any view as one strict JSON array (no NaN, valid UTF-8), written row by row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import IO, Any

from factlog.exporting import Exporter, ExportRequest
from factlog.hookspecs import hookimpl

from .text import valid_text


def dumps(row: Mapping[str, Any]) -> str:
    """One row as strict JSON; keys keep the view's fixed order, so the same log gives the same bytes."""
    return valid_text(json.dumps(row, ensure_ascii=False, allow_nan=False))


def write_rows(rows: Iterable[Mapping[str, Any]], stream: IO[str]) -> None:
    """A JSON array with one row per line: a streaming writer, and a diff shows which rows changed."""
    stream.write("[")
    separator = "\n"
    for row in rows:
        stream.write(separator + dumps(row))
        separator = ",\n"
    stream.write("\n]\n")


def write(request: ExportRequest, stream: IO[str]) -> None:
    write_rows(request.rows(), stream)


@hookimpl
def register_exporters(register: Any) -> None:
    register(Exporter(
        name="json",
        description="A JSON array of the view's rows, for pipelines (strict JSON, UTF-8).",
        extension="json",
        media_type="application/json",
        write=write,
    ))

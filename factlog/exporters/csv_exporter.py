"""The built-in ``csv`` exporter: any view as RFC 4180 CSV, one header row, spreadsheet-safe cells.

Nested values read as text a person can scan: a mapping as ``ukraine=unconfirmed; russia=declined``, a list
as ``a, b``. Cells that a spreadsheet would run as a formula are neutralised with a leading ``'`` (OWASP).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import IO, Any

from factlog.exporting import Exporter, ExportRequest
from factlog.hookspecs import hookimpl
from factlog.views import columns

from .text import valid_text

# '=', '+', '-', '@', tab and CR start a formula in some spreadsheet; LF and the fullwidth forms are added
# because some applications strip the one or fold the others to ASCII before deciding.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will show as text, never evaluate."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def flatten(value: Any) -> str:
    """One readable cell for any value of a row."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "; ".join(f"{key}={flatten(item)}" for key, item in value.items() if item is not None)
    if isinstance(value, (list, tuple)):
        return ", ".join(flatten(item) for item in value)
    return str(value)


def cell(value: Any) -> str | int:
    kind = type(value)
    if kind is str:  # the common case first: exports are millions of cells
        return neutralise(valid_text(value))
    if kind is int and value >= 0:
        return value
    return neutralise(valid_text(flatten(value)))


def write_rows(rows: Iterable[Mapping[str, Any]], header: Iterable[str], stream: IO[str]) -> None:
    """Write a header and one CSV record per row; ``stream`` must not translate newlines."""
    names = list(header)
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(name) for name in names])
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in names])


def write(request: ExportRequest, stream: IO[str]) -> None:
    write_rows(request.rows(), columns(request.view), stream)


@hookimpl
def register_exporters(register: Any) -> None:
    register(Exporter(
        name="csv",
        description="A spreadsheet: one row per fact, stance or event; formula cells neutralised.",
        extension="csv",
        media_type="text/csv; charset=utf-8",
        write=write,
    ))

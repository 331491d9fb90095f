"""The built-in ``csv`` exporter: any view as RFC 4180 CSV, one header row, spreadsheet-safe cells.

Nested values read as text a person can scan: a mapping as ``ukraine=unconfirmed; russia=declined``, a list
as ``a, b``. Cells that a spreadsheet would run as a formula are neutralised with a leading ``'`` (OWASP).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import IO, Any

import orjson

from factlog.exporting import Exporter, ExportRequest
from factlog.hookspecs import hookimpl
from factlog.views import columns, event_record, event_tuples

from .text import valid_text

# '=', '+', '-', '@', tab and CR start a formula in some spreadsheet; LF and the fullwidth forms are added
# because some applications strip the one or fold the others to ASCII before deciding.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will show as text, never evaluate. A cell that starts with ``'`` gets one too: a
    spreadsheet eats the first, so the text reads as written, and the guard can always be told from the text."""
    return "'" + cell if is_formula(cell) or cell.startswith("'") else cell


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet might run ``cell``: it starts with a formula sign, also after blanks or invisible
    characters (a space, NBSP, a BOM, a zero-width space, NUL ...), which some applications strip first."""
    return cell.startswith(FORMULA_STARTS) or (
        bool(cell) and _hidden(cell[0]) and _after_hidden(cell).startswith(FORMULA_STARTS))


def _hidden(char: str) -> bool:
    return char.isspace() or not char.isprintable()


def _after_hidden(cell: str) -> str:
    start = 0
    while start < len(cell) and _hidden(cell[start]):
        start += 1
    return cell[start:]


def flatten(value: Any) -> str:
    """One readable cell for any value of a row."""
    kind = type(value)
    # exact types first, in the order the views hand them out; anything else takes the general chain
    if kind is str:
        return value
    if kind is dict:
        return "; ".join([f"{key}={flatten(item)}" for key, item in value.items() if item is not None])
    if kind is int:
        return str(value)
    if kind is list:
        return ", ".join([flatten(item) for item in value])
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "; ".join(f"{key}={flatten(item)}" for key, item in value.items() if item is not None)
    if isinstance(value, (list, tuple)):
        return ", ".join(flatten(item) for item in value)
    return str(value)


def text_cell(text: str) -> str:
    return neutralise(valid_text(text))


def cell(value: Any) -> str | int:
    kind = type(value)
    if kind is str:  # the common case first: exports are millions of cells
        return text_cell(value)
    if kind is int and value >= 0:
        return value
    return text_cell(flatten(value))


def write_rows(rows: Iterable[Mapping[str, Any]], header: Iterable[str], stream: IO[str]) -> None:
    """Write a header and one CSV record per row; ``stream`` must not translate newlines."""
    names = list(header)
    writer = _writer(names, stream)
    writer.writerows([cell(row.get(name)) for name in names] for row in rows)


def _writer(names: list[str], stream: IO[str]) -> Any:
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(name) for name in names])
    return writer


# --- the events view, from the stored columns -------------------------------------------------------------------
#
# ``write_rows`` over ``view_rows`` parses each payload into a wire record, sends every value through ``cell`` and
# every row through the csv module: most of the time of ``export csv --view events``. Here a row of the usual
# shape (integer seq and version, text columns, cells of ASCII that need neither quoting nor neutralising)
# becomes its line by one JSON decoding, one flattening of the payload and one join, and a few whole-line checks
# prove that the csv module would have written exactly that line. Any other row takes the general path, cell by
# cell through ``cell`` and the csv module, so the bytes are the same either way. What is left is mostly the
# reading of the rows and the decoding of the payloads (both in C).

_LINE_END = "\r\n"
# in a line of ASCII with no comma inside a cell, a cell starts right after each comma: these are the formula
# starts that ``neutralise`` would have prefixed there, after any ASCII blanks and controls (the others are not
# ASCII); the pattern may find more than ``neutralise`` would prefix, never less: such lines take the cell path
_FORMULA_AFTER_COMMA = re.compile(
    ",(?:'|[\x00-\x20\x7f]*[" + "".join(re.escape(start) for start in FORMULA_STARTS if start.isascii()) + "])"
)


class _Echo:
    """A stream whose ``write`` hands back its argument: ``csv.writer(_Echo()).writerow`` returns the line."""

    @staticmethod
    def write(line: str) -> str:
        return line


_csv_line = csv.writer(_Echo(), lineterminator=_LINE_END, quoting=csv.QUOTE_MINIMAL).writerow


def flat_payload(payload: Any) -> str:
    """``flatten(payload)``, with the usual payload (a dict of text, integers and lists of text) done inline."""
    if type(payload) is not dict:
        return flatten(payload)
    return "; ".join([f"{key}={item}" if type(item) is str else f"{key}={flatten(item)}"
                      for key, item in payload.items() if item is not None])


_decoder = json.JSONDecoder()


def _flat_usual(payload: Any) -> str | None:
    """``flat_payload(payload)`` for a dict of text, integers (not booleans) and lists of text; None for any
    other payload, whose values orjson may not read as json does."""
    if type(payload) is not dict:
        return None
    parts = []
    for key, item in payload.items():
        kind = type(item)
        if kind is str or kind is int:
            parts.append(f"{key}={item}")
        elif kind is list and all(type(v) is str for v in item):
            parts.append(f"{key}={', '.join(item)}")
        elif item is not None:
            return None
    return "; ".join(parts)


def _standard_loads(data: str) -> Any:
    try:  # json.loads without its whitespace handling: the stored payload is one JSON value, end to end
        payload, end = _decoder.raw_decode(data)
    except ValueError:
        end = -1
    if end != len(data):  # whitespace around it, text after it, or not JSON: json.loads' answer, or its error
        payload = json.loads(data)
    return payload


def event_line(row: tuple) -> str:
    """The CSV line of one ``events`` row given as stored columns: what the csv module writes for the cells that
    ``cell`` makes of each value of ``event_record(row)``."""
    seq, event_id, kind, version, recorded_at, observed_at, recorded_by, data, prev_hash, digest = row
    if type(seq) is not int or type(version) is not int or type(data) is not str or seq < 0 or version < 0:
        return _csv_line([cell(value) for value in event_record(row).values()])
    try:  # orjson: twice as fast; the same values as json.loads for a payload of text, integers and lists of text
        flat = _flat_usual(orjson.loads(data))
    except orjson.JSONDecodeError:  # what only json reads (a lone surrogate escape, NaN ...) or nothing reads
        flat = None
    if flat is None:  # any other payload (orjson reads an integer beyond 64 bits as a float): json, as it was
        flat = flat_payload(_standard_loads(data))
    cells = [str(seq), event_id, kind, str(version), recorded_at, observed_at, recorded_by, flat, prev_hash, digest]
    try:
        line = ",".join(cells)
    except TypeError:  # a column that is not text (only in a file changed outside factlog)
        return _line_by_cells(row, flat, cell)
    # isascii: no surrogate and no fullwidth formula sign; no quote, line break or NUL: nothing but a comma for
    # csv to quote (or, before Python 3.11, to refuse); then only a formula start can be left, and a cell starts
    # right after a comma (the first is seq, digits; the pattern also looks after the commas inside the payload)
    if (line.isascii() and '"' not in line and "\n" not in line and "\r" not in line and "\0" not in line
            and _FORMULA_AFTER_COMMA.search(line) is None):
        commas = line.count(",")
        if commas == 9:  # none inside a cell
            return line + _LINE_END
        if commas == 9 + flat.count(","):  # only inside the payload (a list's ", "): csv quotes that cell alone
            cells[7] = f'"{flat}"'
            return ",".join(cells) + _LINE_END
    return _line_by_cells(row, flat, text_cell)


def _line_by_cells(row: tuple, flat: str, make_cell: Callable[[Any], Any]) -> str:
    """The line of a row whose seq and version are cells already, each other value made a cell by ``make_cell``
    (the payload as its flattened text, which ``cell`` turns into the same cell as the payload itself)."""
    seq, event_id, kind, version, recorded_at, observed_at, recorded_by, _, prev_hash, digest = row
    texts = (recorded_at, observed_at, recorded_by, flat, prev_hash, digest)
    return _csv_line([seq, make_cell(event_id), make_cell(kind), version, *map(make_cell, texts)])


def write_events(rows: Iterable[tuple], stream: IO[str], batch: int = 512) -> None:
    """Write the ``events`` view from ``event_tuples``: the same bytes as ``write_rows`` over its records,
    ``batch`` lines per write (memory stays flat)."""
    _writer(list(columns("events")), stream)
    lines = map(event_line, rows)
    while chunk := list(islice(lines, batch)):
        stream.write("".join(chunk))


def write(request: ExportRequest, stream: IO[str]) -> None:
    if request.view == "events":
        write_events(event_tuples(request.log, request.clock, request.where), stream)
    else:
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

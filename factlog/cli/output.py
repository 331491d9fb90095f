"""Printing: JSON arrays streamed row by row, and readable tables (rich, imported only when a table prints).

A table always fits the width it is given: the terminal's, else ``$COLUMNS``, else 100 when stdout is not a
terminal. When it does not fit, factlog gives way in this order: long texts (statements, labels, quotes) wrap
at 60, event ids are shortened in the middle, texts wrap at 30, optional columns are left out, ids and names
are cut with ``…``, and finally texts wrap tighter (``STAGES``). ``--json`` never depends on any of this.

Every piece of text printed for people passes through ``factlog.visible`` here (table cells and titles in
``print_table``, lines in ``say``): control characters from the log are shown escaped, never sent raw.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import click

from ..visible import visible

STATUS_STYLES = {
    "confirmed": "bold green", "claimed": "yellow", "denied": "bold red", "disputed": "bold magenta",
    "retracted": "dim", "open": "cyan",
    "asserts": "green", "denies": "red", "declines": "cyan", "unconfirmed": "dim", "declined": "cyan",
    "split": "magenta",
}
DEFAULT_WIDTH = 100  # when stdout is not a terminal and $COLUMNS is not set
GAP = 2  # blank columns between two table columns
ID_SHORT = 17  # an event id shortened to its first and last 8 characters
TEXT_WIDE = 60  # long texts wrap to this width before an id is shortened
TEXT_COMFORT = 30  # texts wrap down to this width before anything else is cut
KEY_MIN = 12  # ids and names are cut down to no less than this
TEXT_MIN = 10


class Column(NamedTuple):
    """A table column. ``kind``: ``text`` wraps; ``key`` (ids, names) is cut with … only when it must be;
    ``id`` (an event id) is shortened in the middle; ``time``, ``num`` and ``status`` are never cut."""

    name: str
    kind: str = "text"
    optional: int = 0  # 0: always shown; else left out when the table is too wide, 1 first, then 2 ...


# The kinds of the column names the commands use; a plain string column is looked up here.
COLUMN_KINDS = {
    "id": "key", "fact": "key", "source": "key", "type": "key", "event": "key", "kind": "key", "party": "key",
    "reliability": "key", "seq": "num", "updated": "num", "status": "status", "said at": "time",
    "recorded at": "time", "valid at": "time", "event id": "id",
}


MARKS = ("\x02", "\x03")  # around the words to stress in a ``Marked`` cell


class Marked(str):
    """A cell whose stressed words (e.g. search hits) are between ``MARKS``: bold where the output has styles."""

    @property
    def plain(self) -> str:
        return self.replace(MARKS[0], "").replace(MARKS[1], "")

    def visible(self) -> Marked:
        """The same cell with its text escaped for a terminal and its marks kept."""
        parts = self.replace(MARKS[1], MARKS[0]).split(MARKS[0])
        return Marked("".join(visible(part) + (MARKS[i % 2] if i < len(parts) - 1 else "")
                              for i, part in enumerate(parts)))

    def rich(self) -> Any:
        from rich.text import Text

        text = Text()
        for i, part in enumerate(self.replace(MARKS[1], MARKS[0]).split(MARKS[0])):
            text.append(part, style="bold" if i % 2 else "")
        return text


def as_column(column: Column | str) -> Column:
    return column if isinstance(column, Column) else Column(column, COLUMN_KINDS.get(column, "text"))


def say(line: str, err: bool = False) -> None:
    """One line for people (``why``, summaries): any control character in it is shown escaped."""
    click.echo(visible(line), err=err)


def echo_json(rows: Iterable[Any]) -> None:
    """A JSON array on stdout, written item by item so memory does not grow with the output."""
    click.echo("[", nl=False)
    first = True
    for row in rows:
        click.echo(("\n  " if first else ",\n  ") + json.dumps(row, ensure_ascii=False, allow_nan=False), nl=False)
        first = False
    click.echo("\n]" if not first else "]")


def display_time(value: str | dt.datetime | None, utc: bool) -> str:
    """A stored time for people, to the minute: in the local zone with its offset, or in UTC with --utc.

    A time whose local form would fall outside the years 1-9999 (9999-12-31T23:59Z east of UTC, year 1 west
    of it) is shown in UTC, marked ``UTC`` like any other: every stored time can be shown in every zone."""
    if value is None:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if not utc:
        try:
            local = moment.astimezone()
        except (OverflowError, OSError, ValueError):  # beyond what datetime (or the C library) can hold
            pass
        else:
            return f"{minute_text(local)} {short_offset(local.utcoffset() or dt.timedelta(0))}"
    return f"{minute_text(moment.astimezone(dt.timezone.utc))} UTC"


def minute_text(moment: dt.datetime) -> str:
    """``0001-01-01 00:00``: strftime's ``%Y`` would write year 1 as ``1``."""
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment.hour:02d}:{moment.minute:02d}"


def short_offset(offset: dt.timedelta) -> str:
    """``+03`` or ``-05:30``: the ISO 8601 offset, without minutes when there are none."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")


def output_width() -> int:
    """The terminal's width; when stdout is not a terminal, ``$COLUMNS`` if set, else 100."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return DEFAULT_WIDTH


def console() -> Any:
    from rich.console import Console

    # rich drops colour when stdout is not a terminal and honours NO_COLOR (and FORCE_COLOR, for pagers)
    return Console(width=output_width(), highlight=False, soft_wrap=False, emoji=False, markup=False)


def shorten_middle(text: str, width: int) -> str:
    """``01a21adb…5783bda0``: the start (time-ordered) and the end (random) of an event id."""
    if len(text) <= width:
        return text
    if width < 3:
        return text[:width]
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


# How a table gives way, stage by stage: a kind of column and the width it may go down to, or ("drop", n): leave
# out the columns whose ``optional`` is n or less (the table is then laid out afresh without them).
STAGES: tuple[tuple[str, int], ...] = (
    ("text", TEXT_WIDE), ("id", ID_SHORT), ("text", TEXT_COMFORT), ("key", 20), ("drop", 1), ("key", 16),
    ("text", 20), ("drop", 2),
    ("key", KEY_MIN), ("text", TEXT_MIN), ("id", 9), ("drop", 3),
)


def fit_widths(columns: Sequence[Column], natural: Sequence[int], width: int) -> list[int | None]:
    """The width of each column (None: left out) so that the table fits in ``width`` characters."""
    for count in range(len(STAGES) + 1):
        widths, excess = _apply(columns, natural, width, STAGES[:count])
        if excess <= 0:
            break
    return widths  # still too wide at the very end: rich shares the excess out among all columns


def _apply(columns: Sequence[Column], natural: Sequence[int], width: int,
           stages: Sequence[tuple[str, int]]) -> tuple[list[int | None], int]:
    dropped = max((rank for kind, rank in stages if kind == "drop"), default=0)
    kept = [i for i, column in enumerate(columns) if not 0 < column.optional <= dropped]
    widths = list(natural)
    excess = sum(widths[i] for i in kept) + GAP * (len(kept) - 1) - width
    for kind, floor in stages:
        indexes = [i for i in kept if columns[i].kind == kind]
        excess = _lower_widest(widths, indexes, {i: min(natural[i], floor) for i in indexes}, excess)
    return [widths[i] if i in kept else None for i in range(len(columns))], excess


def _lower_widest(widths: list[int], indexes: list[int], floors: dict[int, int], excess: int) -> int:
    """Take ``excess`` characters from the widest of ``indexes`` first, none below its floor."""
    while excess > 0:
        shrinkable = [i for i in indexes if widths[i] > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return excess


def print_table(columns: Sequence[Column | str], rows: Iterable[Sequence[Any]], title: str | None = None,
                styled_columns: Sequence[str] = (), empty: str = "nothing to show") -> None:
    """An aligned table that fits the output width (see the module's docstring); statuses in colour.

    The layout is measured on the first ``BATCH`` rows; longer tables are printed batch by batch in that same
    layout, so memory does not grow with the log."""
    spec = [as_column(c) for c in columns]
    spec = [c._replace(kind="status") if c.name in styled_columns else c for c in spec]
    batches = _batches(rows)
    first = next(batches, [])
    out = console()
    if not first:
        click.echo(f"({empty})")
        return
    more = next(batches, None)
    if more is None:  # the whole table is in view: times can share one zone, said once in the header
        spec = _zones_in_headers(spec, first)
    natural = [_natural_width(c.name, first, i) for i, c in enumerate(spec)]
    if more is not None:  # rows not yet seen may hold longer ids: leave them some room
        natural = [max(n, 16) if c.kind == "key" else n for n, c in zip(natural, spec)]
    widths = fit_widths(spec, natural, out.width)
    _print_batch(out, spec, widths, first, title, header=True)
    while more:
        _print_batch(out, spec, widths, more, None, header=False)
        more = next(batches, None)


BATCH = 1000


def _batches(rows: Iterable[Sequence[Any]]) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for row in rows:
        batch.append([cell.visible() if isinstance(cell, Marked) else "" if cell is None else visible(str(cell))
                      for cell in row])
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _print_batch(out: Any, spec: list[Column], widths: list[int | None], cells: list[list[Any]],
                 title: str | None, header: bool) -> None:
    """One batch of rows: plain rows (ASCII text, no styles) are laid out here as rich would lay them out, at a
    fraction of its cost (``log`` prints 200,000 rows); a row that needs rich (wide characters, marks, colours)
    goes through it, in the same widths."""
    kept = [w for w in widths if w is not None]
    if sum(kept) + GAP * (len(kept) - 1) > out.width:  # too narrow even after giving way: rich shares it out
        _print_rich(out, spec, widths, cells, title, header)
        return
    if header:
        _print_rich(out, spec, widths, [], title, header=True)
    plain: list[str] = []
    for row in cells:
        lines = _plain_row(spec, widths, row)
        if lines is None:
            _flush(plain)
            _print_rich(out, spec, widths, [row], None, header=False)
        else:
            plain.extend(lines)
    _flush(plain)


def _flush(lines: list[str]) -> None:
    if lines:
        click.echo("\n".join(lines))
        lines.clear()


def _plain_row(spec: list[Column], widths: list[int | None], row: list[Any]) -> list[str] | None:
    """The lines of one row, or None when rich must draw it (text that is not plain ASCII, a styled cell)."""
    columns: list[list[str]] = []
    starts: list[int] = []  # each column starts where the ones before it and their gaps end
    start, height = 0, 1
    for i, width in enumerate(widths):
        if width is None:
            continue
        text, column = row[i], spec[i]
        if isinstance(text, Marked) or not _narrow(text) or (column.kind == "status" and text in STATUS_STYLES):
            return None
        if column.kind == "text":
            wrapped = _wrap(text, width)
            if wrapped is None:
                return None
            height = max(height, len(wrapped))  # type: ignore[arg-type]
        else:
            if column.kind == "id":
                text = shorten_middle(text, width)
            wrapped = [text if len(text) <= width else text[:width - 1] + "…"]
        columns.append(wrapped)
        starts.append(start)
        start += width + GAP
    out = [""] * height
    for begin, lines in zip(starts, columns):  # column by column, each line gets the cells that reach it
        for n, text in enumerate(lines):
            if text:
                out[n] = out[n].ljust(begin) + text
    return out


def _narrow(text: str) -> bool:
    """Whether every character of ``text`` takes one column (ASCII, Cyrillic, the … of shortened ids ...): then
    its length is its width. Wide (CJK, emoji) and zero-width characters leave the row to rich."""
    if text.isascii():
        return True
    from rich.cells import cell_len

    return cell_len(text) == len(text) and all(char.isprintable() for char in text)


def _wrap(text: str, width: int) -> list[str] | None:
    """A text cell's lines as rich wraps them: at single blanks. None for a word wider than the column or a
    blank at either end (rich's folding rules then apply)."""
    if len(text) <= width:
        return [text]
    words = text.split(" ")
    sizes = [len(word) for word in words]
    if 0 in sizes or max(sizes) > width:
        return None
    lines: list[str] = []
    current, size = words[0], sizes[0]
    for word, length in zip(words[1:], sizes[1:]):
        if size + 1 + length <= width:
            current += " " + word
            size += 1 + length
        else:
            lines.append(current)
            current, size = word, length
    lines.append(current)
    return lines


def _print_rich(out: Any, spec: list[Column], widths: list[int | None], cells: list[list[Any]],
                title: str | None, header: bool) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=visible(title) if title else None, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  padding=(0, 1, 0, 0), header_style="bold", expand=False, show_header=header)
    kept = [i for i, w in enumerate(widths) if w is not None]
    for i in kept:
        wraps = spec[i].kind == "text"
        table.add_column(spec[i].name, width=widths[i], no_wrap=not wraps, overflow="fold" if wraps else "ellipsis")
    for row in cells:
        table.add_row(*(_cell(row[i], spec[i], widths[i] or 0, Text) for i in kept))
    with out.capture() as captured:
        out.print(table)
    # rich pads every cell to its column's width; the blanks at the end of a line are only noise in a file.
    # rich has already decided about colour (terminal, NO_COLOR, FORCE_COLOR): click must not strip it again.
    click.echo(TRAILING_BLANKS.sub(r"\1", captured.get()), nl=False, color=True)


TRAILING_BLANKS = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def _natural_width(header: str, cells: list[list[str]], index: int) -> int:
    from rich.cells import cell_len

    texts = (header, *(getattr(row[index], "plain", row[index]) for row in cells))
    return max(cell_len(line) for text in texts for line in text.splitlines() or [""])


def _zones_in_headers(spec: list[Column], cells: list[list[str]]) -> list[Column]:
    """When every time in a column has the same offset (``+03``, ``UTC``), say it once, in the header."""
    for i, column in enumerate(spec):
        if column.kind != "time":
            continue
        zones = {cell.rpartition(" ")[2] for cell in (row[i] for row in cells) if cell}
        if len(zones) == 1:
            zone = zones.pop()
            spec[i] = column._replace(name=f"{column.name} ({zone})")
            for row in cells:
                row[i] = row[i].rpartition(" ")[0]
    return spec


def _cell(text: str, column: Column, width: int, text_class: Any) -> Any:
    if isinstance(text, Marked):
        return text.rich()
    if column.kind == "id":
        text = shorten_middle(text, width)
    return text_class(text, style=STATUS_STYLES.get(text, "") if column.kind == "status" else "")


@contextlib.contextmanager
def paged(enabled: bool = True) -> Iterator[None]:
    """Send what is printed inside through ``$PAGER`` (else ``less``) when stdout is a terminal, as git does:
    ``LESS=FRX`` unless set (quit if one screen, keep colours, leave the screen as it is), colours kept, the
    terminal's width kept. Piped or redirected output, ``PAGER=cat`` or an empty ``PAGER`` print straight."""
    pager = os.environ.get("PAGER", "less")
    if not enabled or not sys.stdout.isatty() or pager.strip() in ("", "cat"):
        yield
        return
    import subprocess

    width = output_width()
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX"), "LV": os.environ.get("LV", "-c")}
    try:
        process = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        yield  # no pager to start: print straight
        return
    saved = sys.stdout, os.environ.get("COLUMNS"), os.environ.get("FORCE_COLOR")
    sys.stdout = io.TextIOWrapper(process.stdin, encoding="utf-8", errors="replace", line_buffering=False)
    os.environ["COLUMNS"] = str(width)
    if not os.environ.get("NO_COLOR"):
        os.environ["FORCE_COLOR"] = "1"  # rich sees a pipe; the pager shows colours (-R)
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader quit the pager early: that is how a pager ends, not an error
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.close()
        sys.stdout = saved[0]
        for name, value in (("COLUMNS", saved[1]), ("FORCE_COLOR", saved[2])):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        process.wait()


def is_terminal() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")

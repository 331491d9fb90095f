"""Printing: JSON arrays streamed row by row, and readable tables (rich, imported only when a table prints)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click

STATUS_STYLES = {
    "confirmed": "bold green", "claimed": "yellow", "denied": "bold red", "disputed": "bold magenta",
    "retracted": "dim", "open": "cyan",
    "asserts": "green", "denies": "red", "declines": "cyan", "unconfirmed": "dim", "declined": "cyan",
    "split": "magenta",
}


def echo_json(rows: Iterable[Any]) -> None:
    """A JSON array on stdout, written item by item so memory does not grow with the output."""
    click.echo("[", nl=False)
    first = True
    for row in rows:
        click.echo(("\n  " if first else ",\n  ") + json.dumps(row, ensure_ascii=False, allow_nan=False), nl=False)
        first = False
    click.echo("\n]" if not first else "]")


def display_time(value: str | dt.datetime | None, utc: bool) -> str:
    """A stored time for people: in the local zone (or UTC with --utc), to the minute."""
    if value is None:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.astimezone(dt.timezone.utc) if utc else moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M %z").replace("+0000", "UTC") if utc else moment.strftime("%Y-%m-%d %H:%M %z")


def console() -> Any:
    from rich.console import Console

    # rich honours NO_COLOR and drops colour when stdout is not a terminal
    return Console(highlight=False, soft_wrap=False)


def styled(text: str) -> str:
    from rich.markup import escape

    style = STATUS_STYLES.get(text)
    return f"[{style}]{escape(text)}[/]" if style else escape(text)


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None,
                styled_columns: Sequence[str] = (), empty: str = "nothing to show") -> None:
    """An aligned table that fits the terminal: long cells wrap inside their column."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, show_lines=False, expand=False, header_style="bold")
    for name in columns:
        table.add_column(name, overflow="fold")
    count = 0
    for row in rows:
        cells = [
            styled(str(cell)) if columns[i] in styled_columns else escape("" if cell is None else str(cell))
            for i, cell in enumerate(row)
        ]
        table.add_row(*cells)
        count += 1
    out = console()
    if count:
        out.print(table)
    else:
        out.print(f"({empty})")


def is_terminal() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")

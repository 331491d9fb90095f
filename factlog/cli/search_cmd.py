"""The ``search`` command: full-text search over fact statements, quotes, notes and retraction reasons."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from .common import json_option, with_log


@click.command()
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, metavar="N",
              help="Show at most N matches, best first (stderr says when there are more).")
@click.option("--fts", "fts", is_flag=True,
              help="Read TEXT as an SQLite FTS5 query: \"a phrase\", OR, NOT, prefix*, parentheses.")
@click.option("--quote", "quoted", is_flag=True, hidden=True,
              help="Search for the words as written (the default; kept for older scripts).")
@json_option
@with_log(write=False)
def search(log: Any, text: str, limit: int, fts: bool, quoted: bool, as_json: bool) -> None:
    """Find the statements, quotes and notes that mention TEXT, best matches first.

    TEXT is searched as written: every word must match, and hyphens, quotes, operators and * are part of the
    words (S-300, Tochka-U, "OTR-21"). Words match in any form (missile, missiles) and without accents. With
    --fts, TEXT is an SQLite FTS5 query instead. In --json each match's snippet marks the words found with **,
    and gives the fact, source, event id and the whole text.

    \b
    Examples:
      factlog search Tochka-U
      factlog search '"19th missile brigade"' --fts --json
      factlog search 'missile NOT Tochka' --fts --limit 5
    """
    if fts and quoted:
        raise click.UsageError("--fts and --quote exclude each other: --quote searches the words as written")
    if as_json:
        from .output import echo_json

        echo_json(_counted(log.search(text, limit + 1, as_written=not fts), limit))
        return
    from .output import MARKS

    print_matches(list(_counted(log.search(text, limit + 1, marks=MARKS, as_written=not fts),
                                limit)))


def _counted(rows: Iterator[dict], limit: int) -> Iterator[dict]:
    """The first ``limit`` rows; when there is one more, a note on stderr, so no result is cut silently."""
    for count, row in enumerate(rows):
        if count == limit:
            click.echo(f"(more than {limit} matches: showing the best {limit}; use --limit N for more)", err=True)
            return
        yield row


def print_matches(rows: list[dict]) -> None:
    from .output import Column, Marked, print_table

    print_table(
        ["seq", "fact", "status", "source", "type", Column("found in", "key", optional=2), "snippet",
         Column("event id", "id", optional=1)],
        ([r["seq"], r["fact"], r["fact_status"], r["source"], r["type"], r["field"], Marked(r["snippet"]),
          r["event_id"]]
         for r in rows),
        styled_columns=["status"], empty="no matches",
    )


def register(group: click.Group) -> None:
    group.add_command(search)

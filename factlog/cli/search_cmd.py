"""The ``search`` command: full-text search over fact statements, quotes, notes and retraction reasons."""

from __future__ import annotations

from typing import Any

import click

from .common import json_option, with_log


@click.command()
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, metavar="N",
              help="Show at most N matches, best first.")
@click.option("--quote", "quoted", is_flag=True,
              help="Search for the words as written, ignoring FTS5 syntax (for words such as Tochka-U).")
@json_option
@with_log(write=False)
def search(log: Any, text: str, limit: int, quoted: bool, as_json: bool) -> None:
    """Find the statements, quotes and notes that mention TEXT, best matches first.

    TEXT uses SQLite FTS5 syntax: words (all must match), "a phrase", OR, NOT, prefix*. Words match in any
    form (missile, missiles) and without accents. In --json each match's snippet marks the words found
    with **, and gives the fact, source, event id and the whole text.

    \b
    Examples:
      factlog search Tochka
      factlog search '"19th missile brigade"' --json
      factlog search 'missile NOT Tochka' --limit 5
      factlog search --quote Tochka-U
    """
    if as_json:
        from .output import echo_json

        echo_json(log.search(text, limit, quoted=quoted))
        return
    from .output import MARKS

    print_matches(list(log.search(text, limit, marks=MARKS, quoted=quoted)))


def print_matches(rows: list[dict]) -> None:
    from .output import Column, Marked, print_table

    print_table(
        ["fact", "status", "source", "type", Column("found in", "key", optional=2), "snippet",
         Column("event id", "id", optional=1)],
        ([r["fact"], r["fact_status"], r["source"], r["type"], r["field"], Marked(r["snippet"]), r["event_id"]]
         for r in rows),
        styled_columns=["status"], empty="no matches",
    )


def register(group: click.Group) -> None:
    group.add_command(search)

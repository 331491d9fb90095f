"""Commands of a team log on a PostgreSQL server: ``grant``."""

from __future__ import annotations

from typing import Any

import click

from .common import with_log


@click.command()
@click.argument("role")
@click.option("--apply", is_flag=True, help="Grant them now (run as the log's owner); else only print them.")
@with_log(write=False)
def grant(log: Any, role: str, apply: bool) -> None:
    """Print (or apply) the grants that make ROLE an analyst of the team log in --db.

    An analyst reads everything and appends events, and never changes or removes one; the server records
    each event as the role that appends it.

    \b
    Example:
      factlog --db postgresql://owner@db.example.org/newsroom grant alice --apply
    """
    for statement in log.analyst_grants(role, apply):
        click.echo(statement)
    if apply:
        click.echo(f"granted: {role} may read the team log and append to it", err=True)


def register(group: click.Group) -> None:
    group.add_command(grant)

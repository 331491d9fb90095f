"""The command line: thin click wrappers over ``factlog.log``. Split by noun; see DESIGN.md for the contract."""

from __future__ import annotations

import sqlite3
import sys

import click

from ..errors import FactlogError
from .common import FactlogGroup, db_option

__all__ = ["cli", "main"]


@click.group(cls=FactlogGroup, context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.option("--tz", metavar="ZONE", envvar="FACTLOG_TZ",
              help="Zone for times given without an offset, e.g. Europe/Kyiv (else they are refused). $FACTLOG_TZ.")
@click.option("--utc", is_flag=True, help="Show times in UTC rather than in your local zone.")
@click.version_option(package_name="factlog", prog_name="factlog")
@click.pass_context
def cli(ctx: click.Context, db: str | None, tz: str | None, utc: bool) -> None:
    """Track contested facts: who claimed, confirmed, denied or declined what, and what is believed now.

    \b
    The log is --db, else $FACTLOG_DB, else ./factlog.db (one log per investigation).
    Example:
      factlog claim belgorod-tochka-u --source butusov --quote "An OTR-21 Tochka-U hit the depot"
      factlog status belgorod-ukrainian-missile

    \b
    Shell completion of commands, fact ids and source ids (bash; see 'factlog completion --help'):
      eval "$(_FACTLOG_COMPLETE=bash_source factlog)"
    """
    ctx.ensure_object(dict)
    ctx.obj.update(db=db, tz=tz, utc=utc)


from . import read, record  # noqa: E402  (commands register themselves on ``cli``)

record.register(cli)
from . import completion, search_cmd  # noqa: E402
completion.register(cli)
search_cmd.register(cli)
from . import transfer  # noqa: E402
transfer.register(cli)
from . import plugins_cmd  # noqa: E402
plugins_cmd.register(cli)
read.register(cli)


def main() -> None:
    try:
        cli(prog_name="factlog")
    except (FactlogError, sqlite3.Error) as exc:  # pragma: no cover - FactlogGroup turns these into exits
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)

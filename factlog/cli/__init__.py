"""The command line: thin click wrappers over ``factlog.log``. Split by noun; see DESIGN.md for the contract."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from ..errors import FactlogError
from .common import FactlogGroup, accept_db_after, db_option, guard_closed_stdout

__all__ = ["cli", "main"]

# The modules whose ``register(group)`` adds commands, in the order they are tried when a command is looked up.
# A command imports only the modules up to its own: ``factlog claim`` never loads the code of export, search or
# plugins (a write from the shell must start faster than importing factlog's dependencies takes).
COMMAND_MODULES = ("record", "read", "transfer", "search_cmd", "config_cmd", "completion", "plugins_cmd", "team",
                   "evidence")
# Commands that never open a log, so take no --db of their own.
LOG_FREE_COMMANDS = ("completion", "plugins")


class LazyGroup(FactlogGroup):
    """The root group: each command module is imported when one of its commands is first asked for."""

    def __init__(self, *args: Any, **kwargs: Any):
        self._pending = list(COMMAND_MODULES)
        self._loading = False
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command (this imports every command module); click and the tests read it for listings."""
        while not self._loading and self._load_next():
            pass
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def _load_next(self) -> bool:
        if not self._pending:
            return False
        self._loading = True
        try:
            importlib.import_module(f".{self._pending.pop(0)}", __name__).register(self)
        finally:
            self._loading = False
        return True

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        super().add_command(cmd, name)
        if (name or cmd.name) not in LOG_FREE_COMMANDS:
            accept_db_after(cmd)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        while cmd_name not in self._commands and self._load_next():
            pass
        return self._commands.get(cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.option("--tz", metavar="ZONE", envvar="FACTLOG_TZ",
              help="Zone for times given without an offset, e.g. Europe/Kyiv (else they are refused). $FACTLOG_TZ.")
@click.option("--utc", is_flag=True, help="Show times in UTC rather than in your local zone.")
@click.version_option(package_name="factlog", prog_name="factlog")
@click.pass_context
def cli(ctx: click.Context, db: str | None, tz: str | None, utc: bool) -> None:
    """Track contested facts: who claimed, confirmed, denied or declined what, and what is believed now.

    \b
    The log is --db (before or after the command), else $FACTLOG_DB, else ./factlog.db.
    Example:
      factlog claim belgorod-tochka-u --source butusov --quote "An OTR-21 Tochka-U hit the depot"
      factlog status belgorod-ukrainian-missile

    \b
    Shell completion of commands, fact ids and source ids (bash; see 'factlog completion --help'):
      eval "$(_FACTLOG_COMPLETE=bash_source factlog)"

    Times (--at, --as-of, --valid-at, --occurred-at, --since, --until): ISO 8601 with an offset (2022-11-16T18:00+03:00,
    ...Z); a date, or a date and time, without one ('2022-11-16', '2022-11-16 18:00') in the zone of --tz; now,
    today or yesterday (midnight in --tz's zone, else this machine's); or a span back from now: 30s, 15m, 36h, 7d,
    2w, also written '7d ago', '7 days ago', '3 hours ago'.

    \b
    Environment:
      FACTLOG_DB            the log when --db is not given (else ./factlog.db)
      FACTLOG_TZ            the zone of times typed without an offset, as --tz
      FACTLOG_USER          who records the events (else your login name)
      FACTLOG_LOAD_PLUGINS  the plugins to load: unset all, empty none, or names (a,b)
    """
    guard_closed_stdout()
    ctx.ensure_object(dict)
    ctx.obj.update(db=db, tz=tz, utc=utc)


def main() -> None:
    try:
        cli(prog_name="factlog")
    except FactlogError as exc:  # pragma: no cover - FactlogGroup turns these into exits
        from ..visible import visible

        click.echo(f"Error: {visible(str(exc))}", err=True)
        sys.exit(1)

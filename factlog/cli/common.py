"""What every command shares: --db, opening the log, turning errors into one ``Error:`` line."""

from __future__ import annotations

import functools
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

import click

from ..errors import FactlogError, LogWarning


def one_line(message: str) -> str:
    return " ".join(str(message).split())


class FactlogGroup(click.Group):
    """A group whose commands report user errors as one ``Error:`` line and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FactlogError as exc:
            raise click.ClickException(one_line(with_advice(exc))) from None
        except BrokenPipeError:
            # the reader (e.g. `| head`) has gone: stop quietly, non-zero as cat does (the output is cut short)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except OSError as exc:
            raise click.ClickException(one_line(f"{exc.strerror or exc}: {exc.filename or ''}")) from None
        except Exception as exc:
            from ..log import database_failure

            message = database_failure(exc)
            if message is None:
                raise
            raise click.ClickException(one_line(message)) from None


# What to run next, by the library's error code (the library names no command or flag).
ADVICE = {
    "no-log": "record something or run 'factlog init' first",
    "empty-log": "run 'factlog init' first",
    "unknown-source": "add it first with 'factlog source add'",
    "unknown-fact": "add it first with 'factlog fact add'",
    "search-syntax": "add --quote to search for the words as written",
    "unreadable-event": "'factlog verify' locates it",
    "stale-projections": "run 'factlog rebuild'",
}


def with_advice(exc: FactlogError) -> str:
    advice = ADVICE.get(exc.code or "")
    return f"{exc}; {advice}" if advice else str(exc)


db_option = click.option(
    "--db", metavar="PATH", envvar="FACTLOG_DB", show_envvar=True,
    help="The log file (default: $FACTLOG_DB, else ./factlog.db).",
)


def open_for(ctx: click.Context, *, write: bool) -> Any:
    """Open the log named by --db. Write commands create it; read commands need it to exist."""
    from ..log import DEFAULT_DB, open_log

    root = ctx.find_root().obj or {}
    path = root.get("db") or DEFAULT_DB
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LogWarning)
        log = open_log(path, create=write, tz=root.get("tz"))
    for warning in caught:
        if issubclass(warning.category, LogWarning):
            click.echo(f"Warning: {one_line(str(warning.message))}", err=True)
        else:  # not ours: let Python report it as it would have
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return log


def with_log(write: bool) -> Callable:
    """Decorator: pass the open log as the command's first argument and close it afterwards."""

    def decorator(command: Callable) -> Callable:
        @functools.wraps(command)
        @click.pass_context
        def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
            log = open_for(ctx, write=write)
            try:
                return command(log, *args, **kwargs)
            finally:
                log.close()

        return wrapper

    return decorator


def show_utc(ctx: click.Context | None = None) -> bool:
    ctx = ctx or click.get_current_context()
    return bool((ctx.find_root().obj or {}).get("utc"))


json_option = click.option("--json", "as_json", is_flag=True, help="Print a JSON array on stdout, nothing else.")


def clock_options(command: Callable) -> Callable:
    """--as-of / --at-seq (transaction time) and --valid-at (valid time), combinable."""
    command = click.option("--valid-at", metavar="TIME",
                           help="Count only what sources had said by TIME (valid time).")(command)
    command = click.option("--at-seq", type=click.IntRange(min=0), metavar="N",
                           help="Answer with the first N events of the log (transaction time).")(command)
    command = click.option("--as-of", metavar="TIME",
                           help="Answer with what the log held at TIME (transaction time).")(command)
    return command

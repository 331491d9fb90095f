"""What every command shares: --db, opening the log, turning errors into one ``Error:`` line."""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

import click

from ..errors import FactlogError, LogWarning
from ..visible import visible


def one_line(message: str) -> str:
    """A message on one line, whatever it quotes: line breaks become spaces, other controls are escaped."""
    return visible(" ".join(str(message).split()))


class FactlogGroup(click.Group):
    """A group whose commands report user errors as one ``Error:`` line and exit 1, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as exc:  # `factlog --bad$'\e[2J'`: click quotes what was typed
            setattr(exc, "message", visible(exc.message))  # (typed Final in click, set in its __init__)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:  # click's own errors ("No such command ...") quote what was typed
            setattr(exc, "message", visible(exc.message))  # (typed Final in click, set in its __init__)
            raise
        except UnicodeEncodeError as exc:  # bytes that are not UTF-8 on the command line, met by SQLite or print
            bad = visible(exc.object[exc.start:exc.end]) if isinstance(exc.object, str) else "?"
            raise click.ClickException(f"text given to factlog is not valid UTF-8 (at {bad})") from None
        except FactlogError as exc:
            raise click.ClickException(one_line(with_advice(exc))) from None
        except BrokenPipeError:
            # the reader (e.g. `| head`) has gone: stop quietly, non-zero as cat does (the output is cut short)
            with contextlib.suppress(Exception):  # (a closed stdout has no descriptor to replace)
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
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
    "search-syntax": "without --fts the words are searched as written",
    "unreadable-event": "'factlog verify' locates it",
    "stale-projections": "run 'factlog rebuild'",
}


def with_advice(exc: FactlogError) -> str:
    advice = ADVICE.get(exc.code or "")
    return f"{exc}; {advice}" if advice else str(exc)


class ClosedStdout(io.TextIOBase):
    """Stands for a standard output that was closed (``factlog status >&-``; Python then sets ``sys.stdout`` to
    None and every print vanishes): writing to it is a broken pipe, so the command stops quietly with exit 1."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EBADF, "standard output is closed")

    def fileno(self) -> int:  # rich asks, to size the terminal
        raise BrokenPipeError(errno.EBADF, "standard output is closed")

    @property
    def buffer(self) -> Any:  # what `export` writes bytes to
        return self


def guard_closed_stdout() -> None:
    if sys.stdout is None:
        sys.stdout = ClosedStdout()


def stdout_closed() -> bool:
    return isinstance(sys.stdout, ClosedStdout)


db_option = click.option(
    "--db", metavar="PATH", envvar="FACTLOG_DB", show_envvar=True,
    help="The log file (default: $FACTLOG_DB, else ./factlog.db); also accepted after the command.",
)

_DB_AFTER = "factlog.db_after_command"  # ctx.meta is shared by a command's context and its parents'


def _remember_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[_DB_AFTER] = value


def accept_db_after(command: click.Command) -> None:
    """Give ``command`` (each command of it, if a group) its own ``--db``, as datasette and sqlite-utils take a
    database per command: ``factlog status --db x.db``. Given there, it wins over ``--db`` before the command
    and over $FACTLOG_DB. The root group calls this once for every command it registers."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            accept_db_after(sub)
    elif not any(param.name == "db" for param in command.params):
        command.params.append(click.Option(
            ["--db"], metavar="PATH", expose_value=False, callback=_remember_db,
            help="The log file, as --db before the command (default: $FACTLOG_DB, else ./factlog.db)."))


def log_path(ctx: click.Context) -> str:
    """The log this command works on: --db after the command, else --db before it or $FACTLOG_DB (the root
    option reads both), else ./factlog.db."""
    from ..log import DEFAULT_DB

    root = ctx.find_root()
    return (ctx.meta.get(_DB_AFTER) or root.params.get("db") or (root.obj or {}).get("db")
            or os.environ.get("FACTLOG_DB") or DEFAULT_DB)


def open_for(ctx: click.Context, *, write: bool) -> Any:
    """Open the log named by --db. Write commands create it; read commands need it to exist."""
    from ..log import open_log

    if write and stdout_closed():  # the new event's id could not be reported: record nothing
        ctx.exit(1)
    root = ctx.find_root().obj or {}
    path = log_path(ctx)
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
                           help="Count only what sources had said by TIME (valid time). TIME: ISO 8601, 7d, "
                                "yesterday ...")(command)
    command = click.option("--at-seq", type=click.IntRange(min=0), metavar="N",
                           help="Answer with the first N events of the log (transaction time).")(command)
    command = click.option("--as-of", metavar="TIME",
                           help="Answer with what the log held at TIME (transaction time): 2022-11-16T18:00+03:00, "
                                "'2022-11-16 18:00' with --tz, yesterday, 7d (see factlog --help).")(command)
    return command


def _completer(name: str) -> Callable[[click.Context, click.Parameter, str], list[Any]]:
    """The completion of filter ``name``'s values (imported when a shell asks: completion imports this module)."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from . import completion

        return getattr(completion, COMPLETERS[name])(ctx, param, incomplete)

    return complete


COMPLETERS = {"source": "complete_sources", "type": "complete_event_types", "party": "complete_parties",
              "tag": "complete_tags"}


# The filters of listings (``factlog.filters`` defines what each keeps), as (name, metavar, help).
FILTERS = {
    "tag": ("T", "Only what is about facts tagged T."),
    "party": ("P", "Only what is about party P: facts tracked for it, and its sources."),
    "source": ("S", "Only what source S said or withdrew (status: the facts S spoke about)."),
    "type": ("T", "Only events of type T, e.g. deny (status: facts with such an event)."),
    "since": ("TIME", "Only what was said at TIME or later (the said-at time; what no source said has none)."),
    "until": ("TIME", "Only what was said at TIME or earlier (the said-at time)."),
}


def filter_options(*names: str) -> Callable[[Callable], Callable]:
    """Decorator: the filter options ``names`` (of ``FILTERS``), handed to the command as one ``where`` dict
    (name: value or None) for ``Log.where``. Defined once, so every listing reads them the same way."""

    def decorator(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            where = {name: kwargs.pop(f"where_{name}") for name in names}
            return command(*args, where=where, **kwargs)

        for name in reversed(names):
            metavar, help_text = FILTERS[name]
            wrapper = click.option(f"--{name}", f"where_{name}", metavar=metavar, help=help_text,
                                   shell_complete=_completer(name) if name in COMPLETERS else None)(wrapper)
        return wrapper

    return decorator

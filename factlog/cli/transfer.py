"""The transfer commands: ``export`` (any registered format, to stdout or atomically to a file) and ``import``."""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any

import click

from ..errors import FactlogError, InvalidInput
from .common import clock_options, filter_options, json_option, open_for, with_log
from .completion import complete_formats
from .progress import Progress

VIEWS = ("beliefs", "stances", "events")  # as factlog.exporting.VIEWS, which the write path need not import


class _Counted(io.RawIOBase):
    """A binary sink that passes writes on to ``target`` and counts the bytes for the progress bar."""

    def __init__(self, target: IO[bytes], advance: Callable[[int], None]):
        self.target, self.advance = target, advance

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        # the buffer's memoryview as it is: a copy into bytes first cost as much as all the rest of the writing;
        # ``target`` (a buffered binary file, stdout's buffer) writes it whole and keeps no reference, as io asks
        self.target.write(data)
        self.advance(len(data))
        return len(data)


class _CountedReader:
    """Reads lines from ``source`` and counts the bytes for the progress bar."""

    def __init__(self, source: IO[bytes], advance: Callable[[int], None]):
        self.source, self.advance = source, advance

    def readline(self, limit: int = -1) -> bytes:
        line = self.source.readline(limit)
        self.advance(len(line))
        return line


# --- export ------------------------------------------------------------------------------------------------


@contextmanager
def output_file(path: str) -> Iterator[IO[bytes]]:
    """Where ``export -o PATH`` writes. A regular file (new or existing, also through a symlink, which stays a
    symlink) is written atomically; a FIFO, a character device (``/dev/null``, a terminal) or an open file
    named by ``/dev/stdout``, ``/dev/fd/N`` is written straight into, never replaced; anything else is refused."""
    if path == "":
        raise InvalidInput("-o needs a file name (or - for standard output)")
    try:
        mode: int | None = os.stat(path).st_mode  # follows every symlink, /dev/stdout's too
    except FileNotFoundError:
        mode = None  # a new file (or a symlink to one)
    except OSError as exc:
        raise FactlogError(f"cannot write {path}: {exc.strerror}") from None
    if mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or _names_open_file(path)):
        with _straight(path, append=stat.S_ISREG(mode)) as out:
            yield out
    elif mode is None or stat.S_ISREG(mode):
        with atomic_file(os.path.realpath(path)) as out:
            yield out
    else:
        kind = "folder" if stat.S_ISDIR(mode) else "block device" if stat.S_ISBLK(mode) else "special file"
        raise FactlogError(f"cannot write {path}: it is a {kind}; give a file, a FIFO, a character device or -")


def _names_open_file(path: str) -> bool:
    """Whether ``path`` reaches, link by link, an entry of ``/proc/PID/fd`` (as /dev/stdout and /dev/fd/1 do):
    it stands for a file this process has open, which must be written as it is open, not replaced."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links in a row
        if FD_FOLDER.fullmatch(os.path.realpath(os.path.dirname(current))):
            return True
        if not os.path.islink(current):
            return False
        current = os.path.join(os.path.dirname(current), os.readlink(current))
    return False


FD_FOLDER = re.compile(r"/proc/\d+/fd")


@contextmanager
def _straight(path: str, append: bool) -> Iterator[IO[bytes]]:
    flags = os.O_WRONLY | os.O_NOCTTY | (os.O_APPEND if append else 0)  # never O_CREAT or O_TRUNC: it exists
    with os.fdopen(os.open(path, flags), "wb") as out:
        mode = os.fstat(out.fileno()).st_mode
        if not (append or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):  # swapped for a file since we looked
            raise FactlogError(f"cannot write {path}: it changed while it was being opened")
        yield out


# A temp file of ours: ``.NAME.HOST.PID-RANDOM.factlog-tmp`` beside the file it becomes. A killed export leaves
# it behind; the next export into that folder removes it once its process is gone (same host, same user).
TEMP_SUFFIX = ".factlog-tmp"
TEMP_NAME = re.compile(r"\..*\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>[0-9]+)-[0-9a-f]{8}" + re.escape(TEMP_SUFFIX))


def _host() -> str:
    import socket

    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:64] or "host"


def remove_stale_temps(folder: str) -> list[str]:
    """Remove the temp files of exports into ``folder`` that were killed: provably ours (our name pattern, this
    host, this user, a regular file) and whose process no longer runs. Returns their names."""
    host, removed = _host(), []
    with suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            found = TEMP_NAME.fullmatch(entry.name)
            if not found or found["host"] != host or _alive(int(found["pid"])):
                continue
            with suppress(OSError):
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_uid == os.getuid():
                    os.unlink(entry.path)
                    removed.append(entry.name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process, or a number no process can have: leave the file alone
    return True


@contextmanager
def atomic_file(path: str) -> Iterator[IO[bytes]]:
    """A file that appears at ``path`` complete or not at all: a temp file beside it, renamed when done."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FactlogError(f"cannot write {path}: folder {folder} does not exist")
    if os.path.isdir(path):
        raise FactlogError(f"cannot write {path}: it is a folder")
    remove_stale_temps(folder)
    name = f".{os.path.basename(path)[:100]}.{_host()}.{os.getpid()}-{os.urandom(4).hex()}{TEMP_SUFFIX}"
    temp = os.path.join(folder, name)
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(descriptor, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if os.path.exists(path):
            with suppress(OSError):
                os.chmod(temp, os.stat(path).st_mode & 0o7777)  # replacing keeps the file's permissions
        os.replace(temp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def run_exporter(exporter: Any, provider: str, request: Any, target: IO[bytes], progress: Progress) -> None:
    """Let ``exporter`` write ``request`` to ``target``; any failure becomes one error naming format and plugin,
    whatever the exporter raised (a Ctrl-C of the user excepted)."""
    stream: Any = io.BufferedWriter(_Counted(target, progress.advance))
    if not exporter.binary:
        stream = io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")
    from ..plugins import failure, plugin_code

    try:
        with plugin_code() as interrupts:
            exporter.write(request, stream)
            if not stream.closed:
                stream.flush()
    except BrokenPipeError:
        raise
    except BaseException as exc:  # sys.exit, KeyboardInterrupt or anything else a plugin raises is its failure
        if interrupts.is_users(exc):
            raise
        detail = str(exc) if isinstance(exc, FactlogError) else failure(exc)
        raise FactlogError(f"export as {exporter.name} (from plugin {provider}) failed: {detail}") from None
    finally:
        with suppress(Exception):
            stream.detach()
        progress.close()


def choose_view(exporter: Any, view: str | None) -> str:
    if view is None:
        return "beliefs" if "beliefs" in exporter.views else exporter.views[0]
    if view not in exporter.views:
        raise InvalidInput(f"the {exporter.name} format exports the {', '.join(exporter.views)} view(s), not {view}")
    return view


@click.command("export")
@click.argument("format_name", metavar="FORMAT", shell_complete=complete_formats)
@click.option("--view", type=click.Choice(VIEWS),
              help="beliefs (one row per fact), stances (fact x source) or events (the log). Default: beliefs, "
                   "or the format's only view.")
@clock_options
@filter_options("tag", "party", "source", "type", "since", "until")
@click.option("-o", "--output", metavar="FILE",
              help="Write to FILE instead of stdout: a file atomically (a symlink is followed), a FIFO or a device"
                   " straight; - is stdout.")
@with_log(write=False)
def export_command(log: Any, format_name: str, view: str | None, as_of: str | None, at_seq: int | None,
                   valid_at: str | None, where: dict, output: str | None) -> None:
    """Export a view of the log as FORMAT: csv, json, markdown, jsonl, or any installed plugin's format.

    \b
    Examples:
      factlog export markdown -o belgorod.md
      factlog export csv --view stances --valid-at 2022-03-30T12:00:00+03:00 > stances.csv
      factlog export jsonl -o belgorod.jsonl        (the whole log, evidence files inline; 'factlog import' reads it)
      factlog export csv --view events --source tass --since 2022-03-30T00:00:00+03:00

    The filters keep the rows of the view: events as 'factlog log' does, facts (beliefs) as 'factlog status'
    does, and stances whose fact is kept and whose standing statement matches.
    """
    from ..exporting import ExportRequest
    from ..plugins import get_plugins

    plugins = get_plugins()
    exporter = plugins.exporter(format_name)
    request = ExportRequest(log, choose_view(exporter, view), log.clock(as_of, at_seq, valid_at),
                            where=log.where(**where))
    provider = plugins.plugin_of(exporter.name)
    if output is None or output == "-":
        sys.stdout.flush()
        stdout = sys.stdout.buffer
        try:
            run_exporter(exporter, provider, request, stdout, Progress(f"exporting {exporter.name}"))
            stdout.flush()
        except BrokenPipeError:
            _quiet_broken_pipe()
        return
    if os.path.exists(output) and any(os.path.exists(p) and os.path.samefile(output, p) for p in log.files()):
        raise InvalidInput(f"{output} is the log itself; export to another file")
    with output_file(output) as out:
        run_exporter(exporter, provider, request, out, Progress(f"exporting {exporter.name}"))


def _quiet_broken_pipe() -> None:
    """The reader went away (``factlog export csv | head``): stop quietly, as cat does."""
    with suppress(Exception):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)


# --- import ------------------------------------------------------------------------------------------------


@contextmanager
def open_input(path: str) -> Iterator[tuple[IO[bytes], int | None]]:
    """The file to import (``-``: stdin) and its size when known."""
    if path == "-":
        stream = sys.stdin.buffer
        yield stream, None
        return
    if not os.path.exists(path):
        raise FactlogError(f"no file {path} to import")
    with open(path, "rb") as stream:
        yield stream, os.fstat(stream.fileno()).st_size


@click.command("import")
@click.argument("file", metavar="FILE")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"new", "known", "first_seq", "last_seq"} on stdout (the seqs null when nothing is new).')
@click.pass_context
def import_command(ctx: click.Context, file: str, as_json: bool) -> None:
    """Merge a jsonl export (FILE, or - for stdin) into the log: events it lacks are appended.

    Events the log already has are skipped, so importing twice changes nothing; an event id whose content
    differs is refused. The whole file goes in one transaction: any bad line leaves the log as it was.
    Evidence files come with their events: a jsonl export carries each one base64-encoded in records of their
    own ({"evidence_file": SHA256, "part", "parts", "size", "base64"}), checked against the hash on the way in.

    \b
    Example:
      factlog export jsonl -o mine.jsonl          (on one machine)
      factlog --db theirs.db import mine.jsonl    (on another: the two logs merge)
    """
    from ..events.jsonlines import read_records

    with open_input(file) as (stream, size):
        log = open_for(ctx, write=True)
        progress = Progress("importing", size)
        span: list[int] = []  # the seq of the first and the last new event

        def placed(event: Any, new: bool) -> None:
            if new:
                span[:] = [span[0] if span else event.seq, event.seq]

        try:
            new, known = log.import_records(read_records(_CountedReader(stream, progress.advance)), placed)
        finally:
            progress.close()
            log.close()
    if as_json:
        from .read import echo_object

        first, last = (span[0], span[1]) if span else (None, None)
        echo_object({"new": new, "known": known, "first_seq": first, "last_seq": last})
        return
    where = f" (seq {span[0]}-{span[1]})" if span else ""
    click.echo(f"imported {new} new event{'s' if new != 1 else ''}{where}; {known} already in the log")


# --- push and pull ------------------------------------------------------------------------------------------


class _Span:
    """The seq of the first and the last new event, for the summary line; and the progress of the copy."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.first = self.last = 0

    def placed(self, event: Any, new: bool) -> None:
        if new:
            self.first, self.last = self.first or event.seq, event.seq

    def seen(self, done: int, total: int) -> None:
        self.progress.total = total
        self.progress.advance(done - self.progress.done)

    def where(self) -> str:
        return f"seq {self.first}" if self.first == self.last else f"seq {self.first}-{self.last}"


def _plural(count: int) -> str:
    return f"{count} new event{'s' if count != 1 else ''}"


@click.command("push")
@click.argument("url", metavar="URL")
@json_option
@with_log(write=False)
def push_command(log: Any, url: str, as_json: bool) -> None:
    """Copy the events the log at URL lacks from this log: a file path or a server URL (postgresql://...).

    The other log is created if it does not exist. Events it has are not sent again, so pushing twice changes
    nothing; a source or fact id it registered with the same data merges, with other data it is refused.
    All or nothing: one transaction on the other log.

    
    Example:
      factlog push team.db                     (then a colleague: factlog pull team.db)
    """
    _copy(log.push, url, "pushing", as_json,
          lambda new, known, span, shown: f"pushed {_plural(new)} to {shown}{span and f' ({span} there)'};"
                                         f" {known} already there")


@click.command("pull")
@click.argument("url", metavar="URL")
@json_option
@with_log(write=True)
def pull_command(log: Any, url: str, as_json: bool) -> None:
    """Copy the events this log lacks from the log at URL: a file path or a server URL (postgresql://...).

    Nothing is appended to the other log. Events this log has are skipped, so pulling twice changes nothing; a source or
    fact id registered here with the same data merges, with other data it is refused. All or nothing: one
    transaction.

    
    Example:
      factlog pull team.db
    """
    _copy(log.pull, url, "pulling", as_json,
          lambda new, known, span, shown: f"pulled {_plural(new)} from {shown}{span and f' ({span})'};"
                                         f" {known} already in the log")


def _copy(verb: Callable[..., tuple[int, int]], url: str, label: str, as_json: bool,
          said: Callable[[int, int, str, str], str]) -> None:
    """Push or pull (``verb``) with a progress bar on a terminal; print the counts, or what ``said`` words."""
    from ..sync import shown

    span = _Span(Progress(label, unit="events"))
    try:
        new, known = verb(url, span.placed, span.seen)
    finally:
        span.progress.close()
    if as_json:
        from .read import echo_object

        echo_object({"new": new, "known": known})
        return
    click.echo(said(new, known, span.where() if new else "", shown(url)))


def register(group: click.Group) -> None:
    for command in (export_command, import_command, push_command, pull_command):
        group.add_command(command)

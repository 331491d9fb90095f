"""Shell completion, click's own mechanism: fact ids, source ids, statement event ids, parties and tags come from
the log; formats from the plugins; source kinds, event types, views and reliability ratings are fixed lists.

``eval "$(_FACTLOG_COMPLETE=bash_source factlog)"`` (or ``factlog completion bash``) installs it in bash; zsh
and fish work the same way. Completion reads the log named by --db / $FACTLOG_DB / ./factlog.db without
creating or migrating it, and quietly completes nothing when there is no log or it cannot be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click

from .common import log_path

SHELLS = ("bash", "zsh", "fish")
RECENT_STATEMENTS = 200  # retract completes among the newest statements, newest first


def _items(ctx: click.Context, incomplete: str, rows: Callable[[Any], Iterable[tuple[str, str]]]) -> list[Any]:
    from click.shell_completion import CompletionItem

    from ..log import open_log
    from ..visible import visible

    path = log_path(ctx)
    try:  # read-only: completing must not create, migrate or lock the log
        log = open_log(path, create=False, read_only=True)
    except Exception:  # completion must never print a traceback into the user's shell
        return []
    try:
        # a value a terminal would act on (an imported id with ESC in it) is left out: the shell shows it raw
        return [CompletionItem(value, help=visible(help)) for value, help in rows(log)
                if value.startswith(incomplete) and visible(value) == value]
    except Exception:  # not a factlog log, an older schema, a locked file: complete nothing
        return []
    finally:
        log.close()


def _one_line(text: str | None, width: int = 70) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def complete_facts(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Fact ids, with each fact's status and statement as the help shells show beside them."""
    return _items(ctx, incomplete, lambda log: (
        (row["id"], _one_line(f"{row['status']}: {row['statement']}")) for row in log.facts()
    ))


def complete_sources(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Source ids, with each source's name and kind."""
    return _items(ctx, incomplete, lambda log: (
        (row["id"], _one_line(f"{row['name']} ({row['kind']})")) for row in log.sources()
    ))


def complete_statements(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Event ids and seqs of recent statements (what ``retract`` takes), newest first, with who said what."""
    from ..events import STATEMENT_TYPES

    def rows(log: Any) -> Iterable[tuple[str, str]]:
        for record in log.records(newest_first=True, limit=RECENT_STATEMENTS * 4):
            data = record["data"]
            if record["type"] in STATEMENT_TYPES:
                what = data.get("quote") or data.get("note") or ""
                said = _one_line(f"{record['type']} {data.get('fact')} by {data.get('source')} {what}")
                yield record["id"], said
                yield str(record["seq"]), said  # a seq names the event too (retract 57)

    return _items(ctx, incomplete, rows)

def _fixed(ctx: click.Context, incomplete: str, items: Iterable[tuple[str, str]]) -> list[Any]:
    """Completions from a fixed list (no log needed)."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(value, help=help) for value, help in items if value.startswith(incomplete)]


def complete_kinds(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Source kinds; an official source speaks for its party."""
    from ..events import SOURCE_KINDS

    return _fixed(ctx, incomplete, ((kind, "speaks for its party" if kind == "official" else "")
                                    for kind in SOURCE_KINDS))


def complete_reliability(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """NATO Admiralty source ratings."""
    names = ("completely reliable", "usually reliable", "fairly reliable", "not usually reliable", "unreliable",
             "cannot be judged")
    return _fixed(ctx, incomplete.upper(), zip("ABCDEF", names))


def complete_ratings(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """The analyst's verdict ratings, with their place on ClaimReview's 1..5 scale."""
    from ..beliefs import RATING_VALUES
    from ..events import VERDICT_RATINGS

    return _fixed(ctx, incomplete.lower(), ((rating, f"{RATING_VALUES[rating]} of 5" if rating in RATING_VALUES
                                             else "no number") for rating in VERDICT_RATINGS))


def complete_event_types(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from ..events import EVENT_CLASSES

    return _fixed(ctx, incomplete, ((name, _one_line(cls.__doc__, 50)) for name, cls in EVENT_CLASSES.items()))


def complete_formats(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Export formats, built-in and from installed plugins, with their descriptions."""
    try:
        from ..plugins import get_plugins

        exporters = get_plugins().exporters
        items = [(name, _one_line(entry[0].description, 60)) for name, entry in sorted(exporters.items())]
    except Exception:  # a broken plugin must not break the user's shell
        return []
    return _fixed(ctx, incomplete, items)


def complete_parties(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Parties the log already names (a fact's parties, a source's party), with how many mention each."""
    def rows(log: Any) -> Iterable[tuple[str, str]]:
        counts: dict[str, int] = {}
        for fact in log.facts():
            for party in fact["parties"]:
                counts[party] = counts.get(party, 0) + 1
        for source in log.sources():
            if source["party"]:
                counts[source["party"]] = counts.get(source["party"], 0) + 1
        return ((party, f"named {n} time{'s' if n != 1 else ''}") for party, n in sorted(counts.items()))

    return _items(ctx, incomplete, rows)


def complete_tags(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Tags the log's facts carry, with how many facts carry each."""
    def rows(log: Any) -> Iterable[tuple[str, str]]:
        counts: dict[str, int] = {}
        for fact in log.facts():
            for tag in fact["tags"]:
                counts[tag] = counts.get(tag, 0) + 1
        return ((tag, f"{n} fact{'s' if n != 1 else ''}") for tag, n in sorted(counts.items()))

    return _items(ctx, incomplete, rows)


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell code that makes TAB complete commands, options, ids, formats, kinds, parties and tags.

    \b
    Add one of these lines to your shell's start-up file:
      bash (~/.bashrc):   eval "$(_FACTLOG_COMPLETE=bash_source factlog)"
      zsh (~/.zshrc):     eval "$(_FACTLOG_COMPLETE=zsh_source factlog)"
      fish (~/.config/fish/completions/factlog.fish):
                          _FACTLOG_COMPLETE=fish_source factlog | source
    'factlog completion SHELL' prints the same code, to save it in a file instead.
    Then 'factlog claim belg<TAB>' offers the log's facts, '--source <TAB>' its sources, 'export <TAB>' the
    formats, '--view <TAB>' the views, '--kind', '--party', '--tag', '--type' and '--reliability' their values.

    \b
    Example:
      factlog completion bash > ~/.factlog-complete.bash
      factlog --db belgorod.db status belgorod-<TAB>
    """
    from click.shell_completion import get_completion_class

    root = click.get_current_context().find_root()
    complete_class = get_completion_class(shell)
    assert complete_class is not None  # the Choice above only lets click's own shells through
    source = complete_class(root.command, {}, "factlog", "_FACTLOG_COMPLETE").source()
    click.echo(source, nl=False)


def register(group: click.Group) -> None:
    group.add_command(completion)

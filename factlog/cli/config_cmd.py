"""The ``config`` commands: the log's settings (publisher, ClaimReview page URLs).

Settings are ``setting-changed`` events in the log itself, so they travel with it (import, push, pull) and
keep their history; ``config list`` reads their latest values.
"""

from __future__ import annotations

from typing import Any

import click

from ..errors import NotFound
from .common import FactlogGroup, json_option, with_log
from .record import quiet_option, report

KEYS_HELP = """\b
Keys:
  publisher.name          the organisation that publishes the fact checks
  publisher.url           its web site, an http(s) URL
  claimreview.url         a fact's page: an http(s) URL with {fact} where the fact's id goes
  (a fact's rating is its verdict: 'factlog verdict FACT RATING --basis TEXT')"""


def complete_keys(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    from ..events.settings import KEYS

    keys = [key.replace("FACT", "") if key.endswith("FACT") else key for key in KEYS]
    return [CompletionItem(key) for key in keys if key.startswith(incomplete)]


@click.group(cls=FactlogGroup, help=f"""Show and change the log's settings (they are events: they travel with the log).

{KEYS_HELP}

\b
Examples:
  factlog config set publisher.name "Belgorod Desk"
  factlog config set claimreview.url 'https://desk.example/checks/{{fact}}'
  factlog config list --json""")
def config() -> None:
    pass


@config.command("set")
@click.argument("key", shell_complete=complete_keys)
@click.argument("value")
@quiet_option
@with_log(write=True)
def config_set(log: Any, key: str, value: str, quiet: bool) -> None:
    """Set KEY to VALUE (a setting-changed event).

    \b
    Example:
      factlog config set publisher.url https://desk.example
    """
    report(log.set_setting(key, value), quiet)


@config.command("unset")
@click.argument("key", shell_complete=complete_keys)
@quiet_option
@with_log(write=True)
def config_unset(log: Any, key: str, quiet: bool) -> None:
    """Remove KEY's value (a setting-changed event without a value).

    \b
    Example:
      factlog config unset publisher.url
    """
    report(log.set_setting(key, None), quiet)


@config.command("get")
@click.argument("key", shell_complete=complete_keys)
@click.option("--json", "as_json", is_flag=True, help='Print {"key", "value"} on stdout.')
@with_log(write=False)
def config_get(log: Any, key: str, as_json: bool) -> None:
    """Print KEY's value (exit 1 when it is not set).

    \b
    Example:
      factlog config get publisher.name
    """
    from ..events.settings import check
    from ..visible import visible

    try:
        check(key, None)
    except ValueError as exc:
        raise NotFound(str(exc)) from None
    value = log.settings().get(key)
    if value is None:
        raise NotFound(f"{key} is not set")
    if as_json:
        from .read import echo_object

        echo_object({"key": key, "value": value})
        return
    click.echo(visible(value))


@config.command("list")
@json_option
@with_log(write=False)
def config_list(log: Any, as_json: bool) -> None:
    """List the settings that have a value.

    \b
    Example:
      factlog config list --json
    """
    from .output import echo_json, print_table

    rows = [{"key": key, "value": value} for key, value in log.settings().items()]
    if as_json:
        echo_json(rows)
        return
    print_table(["key", "value"], ([row["key"], row["value"]] for row in rows), empty="no settings yet")


def register(group: click.Group) -> None:
    group.add_command(config)

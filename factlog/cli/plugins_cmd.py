"""The ``plugins`` group: list the loaded plugins, install and uninstall them with pip.

``install`` and ``uninstall`` never load a plugin (a plugin whose import crashes must still be removable), and
run pip with the interpreter factlog runs in, so plugins land in factlog's own environment.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence

import click

from ..errors import FactlogError
from .common import FactlogGroup, json_option


@click.group("plugins", cls=FactlogGroup)
def plugins_group() -> None:
    """List, install and uninstall plugins (export formats).

    \b
    Examples:
      factlog plugins list --all
      factlog plugins install ./plugins/factlog-claimreview
      factlog plugins uninstall -y factlog-claimreview
    """


@plugins_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include factlog's built-in plugins.")
@json_option
def list_command(show_all: bool, as_json: bool) -> None:
    """The plugins factlog loads: name, distribution, version, hooks, export formats and any error.

    A plugin that failed to load is listed with its error; it is also reported once on stderr.

    \b
    Example:
      factlog plugins list --all --json
    """
    from ..plugins import get_plugins
    from .output import Column, echo_json, print_table

    infos = [info for info in get_plugins().infos.values() if show_all or not info.builtin]
    if as_json:
        echo_json(info.as_dict() for info in infos)
        return
    print_table(
        [Column("name", "key"), Column("distribution", "key", optional=2), Column("version", "num"),
         Column("hooks", optional=1), "exporters", "error"],
        ([i.name, i.distribution or "", i.version or "", ", ".join(i.hooks), ", ".join(i.exporters), i.error or ""]
         for i in infos),
        empty="no plugins installed" if "FACTLOG_LOAD_PLUGINS" not in os.environ
        else "no plugins loaded (FACTLOG_LOAD_PLUGINS is set)",
    )


@plugins_group.command("install")
@click.argument("packages", nargs=-1, metavar="PKG...")
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade the packages to their newest versions.")
@click.option("-e", "--editable", "editables", metavar="PATH", multiple=True,
              help="Install the project at PATH in editable (development) mode; repeatable.")
def install(packages: tuple[str, ...], upgrade: bool, editables: tuple[str, ...]) -> None:
    """Install plugins with pip into factlog's own environment.

    PKG is anything pip accepts: a name on PyPI, a path, a URL.

    \b
    Examples:
      factlog plugins install factlog-claimreview
      factlog plugins install -e ./plugins/factlog-html
    """
    if not packages and not editables:
        raise click.UsageError("name at least one package to install (or -e PATH)")
    args = ["install", *(["--upgrade"] if upgrade else [])]
    for path in editables:
        args += ["--editable", path]
    run_pip([*args, *packages])


@plugins_group.command("uninstall")
@click.argument("packages", nargs=-1, required=True, metavar="PKG...")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def uninstall(packages: tuple[str, ...], yes: bool) -> None:
    """Uninstall plugins with pip from factlog's environment, even plugins that fail to load.

    \b
    Example:
      factlog plugins uninstall -y factlog-claimreview
    """
    run_pip(["uninstall", *(["--yes"] if yes else []), *packages])


def run_pip(args: Sequence[str]) -> None:
    """Run pip with factlog's interpreter; its output goes straight to the terminal, its failure is ours."""
    if importlib.util.find_spec("pip") is None:
        raise FactlogError(f"pip is not available in factlog's environment ({sys.executable}); install pip there")
    command = [sys.executable, "-m", "pip", *args]
    # pip writes to our own stdout/stderr file descriptors; flush ours first so the order is kept
    sys.stdout.flush()
    sys.stderr.flush()
    returncode = subprocess.call(command)
    if returncode != 0:
        raise FactlogError(f"pip {args[0]} failed (exit status {returncode})")


def register(group: click.Group) -> None:
    group.add_command(plugins_group)

"""The plugin manager: built-in and third-party plugins from the ``factlog`` entry-point group.

Each plugin is loaded in its own try/except: one that fails to import, does not match the hookspecs or raises
while registering is reported once on stderr and in ``plugins list``, and every other command keeps working.
``FACTLOG_LOAD_PLUGINS`` selects third-party plugins: unset loads all, empty loads none, ``a,b`` only those.
The built-in plugins (factlog's own entry points) always load.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata as metadata
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pluggy
from attrs import define, field

from . import __version__, hookspecs
from .errors import FactlogError
from .exporting import VIEWS, Exporter
from .visible import visible

GROUP = "factlog"
# Used when factlog runs without installed metadata (e.g. from a source tree on sys.path).
BUILTIN_MODULES = {
    "csv": "factlog.exporters.csv_exporter",
    "json": "factlog.exporters.json_exporter",
    "markdown": "factlog.exporters.markdown_exporter",
    "jsonl": "factlog.exporters.jsonl_exporter",
}


class Interrupts:
    """Tells a Ctrl-C of the user from a ``KeyboardInterrupt`` that a plugin's code raised on its own.

    While plugin code runs (``plugin_code``), SIGINT is noted before it becomes the usual KeyboardInterrupt; a
    plugin's other BaseExceptions (SystemExit, KeyboardInterrupt, its own) are its failure, not factlog's."""

    def __init__(self) -> None:
        self.pressed = False

    def handler(self, signum: int, frame: Any) -> None:
        self.pressed = True
        raise KeyboardInterrupt

    def is_users(self, exc: BaseException) -> bool:
        return isinstance(exc, KeyboardInterrupt) and self.pressed


@contextmanager
def plugin_code() -> Iterator[Interrupts]:
    """Run plugin code with SIGINT noted (``Interrupts``); off the main thread every interrupt is the user's."""
    interrupts = Interrupts()
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        interrupts.pressed = True  # cannot tell: let any KeyboardInterrupt stop factlog, as before
        yield interrupts
        return
    signal.signal(signal.SIGINT, interrupts.handler)
    try:
        yield interrupts
    finally:
        signal.signal(signal.SIGINT, previous)


def failure(exc: BaseException) -> str:
    """What a plugin's exception says, for one error line."""
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


@define
class PluginInfo:
    """What ``plugins list`` shows for one plugin."""

    name: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    hooks: list[str] = field(factory=list)
    exporters: list[str] = field(factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "distribution": self.distribution, "version": self.version,
            "builtin": self.builtin, "hooks": self.hooks, "exporters": self.exporters, "error": self.error,
        }


@define
class Plugins:
    """The loaded plugins and the exporters they registered."""

    manager: pluggy.PluginManager
    infos: dict[str, PluginInfo] = field(factory=dict)
    exporters: dict[str, tuple[Exporter, str]] = field(factory=dict)

    def exporter(self, name: str) -> Exporter:
        if name not in self.exporters:
            known = ", ".join(sorted(self.exporters)) or "none"
            broken = sorted(info.name for info in self.infos.values() if info.error and not info.exporters)
            also = f"; plugin(s) that failed to load: {', '.join(broken)}" if broken else ""
            raise FactlogError(f"no export format {name!r}; available: {known}{also} (see 'factlog plugins list')")
        return self.exporters[name][0]

    def plugin_of(self, exporter_name: str) -> str:
        return self.exporters[exporter_name][1]

    def register_plugin(self, name: str, plugin: Any, info: PluginInfo) -> None:
        """Register one plugin object; on any failure record the error instead of raising."""
        self.infos[name] = info
        try:
            with plugin_code() as interrupts:
                self.manager.register(plugin, name=name)
        except BaseException as exc:  # pluggy.PluginValidationError and anything a plugin's import side does
            if interrupts.is_users(exc):
                raise
            info.error = f"does not match factlog's hooks: {exc}"
            return
        callers = self.manager.get_hookcallers(plugin) or []
        unknown = sorted(caller.name for caller in callers if not caller.has_spec())
        if unknown:
            self.manager.unregister(plugin)
            info.error = f"implements unknown hook(s): {', '.join(unknown)}"
            return
        info.hooks = sorted(caller.name for caller in callers)
        self._collect_exporters(name, plugin, info)
        if info.error and not info.exporters:
            self.manager.unregister(plugin)

    def _collect_exporters(self, name: str, plugin: Any, info: PluginInfo) -> None:
        caller = self.manager.hook.register_exporters
        for impl in caller.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            registered: list[Exporter] = []
            try:
                with plugin_code() as interrupts:
                    impl.function(*[{"register": registered.append}[arg] for arg in impl.argnames])
            except BaseException as exc:
                if interrupts.is_users(exc):
                    raise
                info.error = f"register_exporters raised {failure(exc)}"
                return
            for exporter in registered:
                self._add_exporter(exporter, name, info)

    def _add_exporter(self, exporter: Any, plugin_name: str, info: PluginInfo) -> None:
        if not isinstance(exporter, Exporter):
            info.error = f"registered {type(exporter).__name__}, not a factlog Exporter"
            return
        problem = exporter_problem(exporter)
        if problem:
            info.error = f"export format {exporter.name!r} was refused: {problem}"
            return
        if exporter.name in self.exporters:
            other = self.exporters[exporter.name][1]
            info.error = (f"export format {exporter.name!r} is registered by both {other} and {plugin_name};"
                          f" kept {other}'s")
            return
        self.exporters[exporter.name] = (exporter, plugin_name)
        info.exporters.append(exporter.name)


def exporter_problem(exporter: Exporter) -> str | None:
    """What makes a registered exporter unusable (the commands rely on each of these), or None."""
    if not isinstance(exporter.name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", exporter.name):
        return "its name must be lowercase letters, digits, '-', '_' or '.'"
    views = exporter.views
    if not isinstance(views, (tuple, list)) or not views or any(view not in VIEWS for view in views):
        return f"its views must be one or more of {', '.join(VIEWS)}, not {views!r}"
    if not callable(exporter.write):
        return "its write is not a function"
    if not isinstance(exporter.binary, bool):
        return "binary must be True or False"
    return None


def canonical(name: str | None) -> str:
    """A distribution name as pip compares them (PEP 503): ``Factlog_ClaimReview`` → ``factlog-claimreview``."""
    return re.sub(r"[-_.]+", "-", name or "").lower()


def _selected(environ: dict[str, str]) -> Callable[[str, str | None], bool]:
    wanted = environ.get("FACTLOG_LOAD_PLUGINS")
    if wanted is None:
        return lambda name, dist: True
    names = {canonical(item.strip()) for item in wanted.split(",") if item.strip()}
    return lambda name, dist: canonical(name) in names or (dist is not None and canonical(dist) in names)


def _entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=GROUP), key=lambda ep: (_dist_name(ep) or "", ep.name))


def _dist_name(ep: metadata.EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.name if dist is not None else None


def _dist_version(ep: metadata.EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.version if dist is not None else None


def load_plugins(environ: dict[str, str] | None = None, warn: Callable[[str], None] | None = None) -> Plugins:
    """Load the built-in plugins and the selected third-party ones; report each failure once via ``warn``."""
    environ = dict(os.environ if environ is None else environ)
    warn = warn or (lambda message: print(message, file=sys.stderr))
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(hookspecs)
    plugins = Plugins(manager)
    selected = _selected(environ)
    entry_points = _entry_points()
    builtins = [ep for ep in entry_points if canonical(_dist_name(ep)) == "factlog"]
    # Built-ins load first, so that a third-party plugin cannot take over a built-in format's name.
    for ep in builtins:
        _load(plugins, ep.name, ep.load, PluginInfo(ep.name, "factlog", _dist_version(ep), builtin=True), warn)
    seen = {ep.name for ep in builtins}
    for name, module_name in BUILTIN_MODULES.items():
        if name not in seen:
            _load(plugins, name, functools.partial(importlib.import_module, module_name),
                  PluginInfo(name, "factlog", __version__, builtin=True), warn)
    for ep in entry_points:
        dist_name = _dist_name(ep)
        if ep in builtins or not selected(ep.name, dist_name):
            continue
        name = f"{dist_name}:{ep.name}" if dist_name else ep.name
        _load(plugins, name, ep.load, PluginInfo(name, dist_name, _dist_version(ep)), warn)
    return plugins


def _load(plugins: Plugins, name: str, load: Callable[[], Any], info: PluginInfo,
          warn: Callable[[str], None]) -> None:
    try:
        with plugin_code() as interrupts:
            module = load()
    except BaseException as exc:  # a plugin's import may raise anything; the user's Ctrl-C still stops factlog
        if interrupts.is_users(exc):
            raise
        info.error = f"failed to import: {failure(exc)}"
        plugins.infos[name] = info
    else:
        plugins.register_plugin(name, module, info)
    if info.error:
        info.error = " ".join(info.error.split())  # one line, whatever the exception said
        warn(visible(f"factlog: plugin {name}: {info.error}"))


_loaded: Plugins | None = None


def get_plugins() -> Plugins:
    """The plugins of this process, loaded on first use (never at import, never for install/uninstall)."""
    global _loaded
    if _loaded is None:
        _loaded = load_plugins()
    return _loaded


def reset() -> None:
    """Forget the loaded plugins (tests, and after installing new ones)."""
    global _loaded
    _loaded = None

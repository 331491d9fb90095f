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
import sys
from collections.abc import Callable
from typing import Any

import pluggy
from attrs import define, field

from . import __version__, hookspecs
from .errors import FactlogError
from .exporting import Exporter

GROUP = "factlog"
# Used when factlog runs without installed metadata (e.g. from a source tree on sys.path).
BUILTIN_MODULES = {
    "csv": "factlog.exporters.csv_exporter",
    "json": "factlog.exporters.json_exporter",
    "markdown": "factlog.exporters.markdown_exporter",
    "jsonl": "factlog.exporters.jsonl_exporter",
}


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
            raise FactlogError(f"no export format {name!r}; available: {known} (see 'factlog plugins list')")
        return self.exporters[name][0]

    def plugin_of(self, exporter_name: str) -> str:
        return self.exporters[exporter_name][1]

    def register_plugin(self, name: str, plugin: Any, info: PluginInfo) -> None:
        """Register one plugin object; on any failure record the error instead of raising."""
        self.infos[name] = info
        try:
            self.manager.register(plugin, name=name)
        except Exception as exc:  # pluggy.PluginValidationError and anything a plugin's import side does
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
                impl.function(*[{"register": registered.append}[arg] for arg in impl.argnames])
            except Exception as exc:
                info.error = f"register_exporters raised {type(exc).__name__}: {exc}"
                return
            for exporter in registered:
                self._add_exporter(exporter, name, info)

    def _add_exporter(self, exporter: Any, plugin_name: str, info: PluginInfo) -> None:
        if not isinstance(exporter, Exporter):
            info.error = f"registered {type(exporter).__name__}, not a factlog Exporter"
            return
        if exporter.name in self.exporters:
            other = self.exporters[exporter.name][1]
            info.error = (f"export format {exporter.name!r} is registered by both {other} and {plugin_name};"
                          f" kept {other}'s")
            return
        self.exporters[exporter.name] = (exporter, plugin_name)
        info.exporters.append(exporter.name)


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
        dist = ep.dist
        _load(plugins, ep.name, ep.load, PluginInfo(ep.name, dist.name, dist.version, builtin=True), warn)
    seen = {ep.name for ep in builtins}
    for name, module_name in BUILTIN_MODULES.items():
        if name not in seen:
            _load(plugins, name, functools.partial(importlib.import_module, module_name),
                  PluginInfo(name, "factlog", __version__, builtin=True), warn)
    for ep in entry_points:
        dist = _dist_name(ep)
        if ep in builtins or not selected(ep.name, dist):
            continue
        name = f"{dist}:{ep.name}" if dist else ep.name
        _load(plugins, name, ep.load, PluginInfo(name, dist, ep.dist.version if dist else None), warn)
    return plugins


def _load(plugins: Plugins, name: str, load: Callable[[], Any], info: PluginInfo,
          warn: Callable[[str], None]) -> None:
    try:
        module = load()
    except (Exception, SystemExit) as exc:  # a plugin's import may raise anything; Ctrl-C still stops factlog
        info.error = f"failed to import: {type(exc).__name__}: {exc}"
        plugins.infos[name] = info
    else:
        plugins.register_plugin(name, module, info)
    if info.error:
        info.error = " ".join(info.error.split())  # one line, whatever the exception said
        warn(f"factlog: plugin {name}: {info.error}")


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

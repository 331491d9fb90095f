"""The hooks a factlog plugin can implement. Implement them with ``@factlog.hookimpl``.

A plugin may accept fewer arguments than a hook offers, so new arguments can be added without breaking it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    from .exporting import Exporter

hookspec = HookspecMarker("factlog")
hookimpl = HookimplMarker("factlog")


@hookspec
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register export formats: call ``register(Exporter(...))`` once for each format the plugin provides."""

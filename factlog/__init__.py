"""factlog: an event-sourced log of contested facts, and what is believed about them."""

from typing import Any

from .errors import FactlogError, LogWarning
from .log import Log, open_log

__version__ = "0.1.0"
__all__ = ["Exporter", "ExportRequest", "FactlogError", "Log", "LogWarning", "hookimpl", "open_log", "__version__"]


def __getattr__(name: str) -> Any:
    # Plugin-facing names are imported on first use, so commands that load no plugin do not import pluggy.
    if name == "hookimpl":
        from .hookspecs import hookimpl

        return hookimpl
    if name in ("Exporter", "ExportRequest"):
        from . import exporting

        return getattr(exporting, name)
    raise AttributeError(f"module 'factlog' has no attribute {name!r}")

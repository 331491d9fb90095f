"""factlog: an event-sourced log of contested facts, and what is believed about them."""

from .errors import FactlogError
from .log import Log, open_log

__version__ = "0.1.0"
__all__ = ["FactlogError", "Log", "open_log", "__version__"]

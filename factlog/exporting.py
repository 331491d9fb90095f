"""The exporter contract: what a plugin registers, and what it is handed when it writes an export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from attrs import field, frozen

if TYPE_CHECKING:
    from .beliefs import Belief, Change, SourceInfo
    from .clock import Clock
    from .filters import EventFilter
    from .log import Log

VIEWS = ("beliefs", "stances", "events")


@frozen
class ExportRequest:
    """One export: which view of which log at which moment. Exporters read through it, row by row."""

    log: Log
    view: str
    clock: Clock
    where: EventFilter | None = None  # the rows to keep (``factlog.filters``); None keeps them all

    def rows(self) -> Iterator[dict[str, Any]]:
        """The rows of the requested view (see ``factlog.views``), streamed."""
        from .views import view_rows

        return view_rows(self.log, self.view, self.clock, self.where)

    def beliefs(self) -> Iterator[Belief]:
        """Full beliefs, fact by fact, with standing and withdrawn statements (for reports), of the facts kept."""
        return self.log.beliefs(self.clock, where=self.where)

    def history(self, fact: str) -> list[Change]:
        """Each change of a fact's status or label in this view (for reports and timelines)."""
        return self.log.history(fact, self.clock)

    def sources(self) -> dict[str, SourceInfo]:
        return self.log.source_map()


@frozen
class Exporter:
    """An export format. ``write(request, stream)`` writes the requested view to ``stream``.

    ``stream`` is a binary stream if ``binary`` else a text stream (UTF-8, newline translation off).
    """

    name: str
    description: str
    extension: str
    media_type: str
    write: Callable[[ExportRequest, IO[Any]], None] = field(repr=False)
    binary: bool = False
    views: tuple[str, ...] = VIEWS

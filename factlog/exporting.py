"""The exporter contract: what a plugin registers, and what it is handed when it writes an export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from attrs import field, frozen

if TYPE_CHECKING:
    from .beliefs import Belief, Change, PartyInfo, SourceInfo
    from .clock import Clock
    from .events import SettingChanged
    from .filters import EventFilter
    from .log import Log

VIEWS = ("beliefs", "stances", "events")


def _note_on_stderr(message: str) -> None:
    import sys

    print(f"Note: {message}", file=sys.stderr)


@frozen
class ExportRequest:
    """One export: which view of which log at which moment. Exporters read through it, row by row."""

    log: Log
    view: str
    clock: Clock
    # What an exporter tells the person exporting (facts it left out and why): a line on stderr by default.
    note: Callable[[str], None] = field(default=_note_on_stderr, repr=False)
    where: EventFilter | None = None  # the rows to keep (``factlog.filters``); None keeps them all

    def rows(self) -> Iterator[dict[str, Any]]:
        """The rows of the requested view (see ``factlog.views``), streamed."""
        from .views import view_rows

        return view_rows(self.log, self.view, self.clock, self.where)

    def beliefs(self) -> Iterator[Belief]:
        """Full beliefs, fact by fact, with standing and withdrawn statements (for reports), of the facts kept."""
        return self.log.beliefs(self.clock, where=self.where)

    # ``Log.histories`` of this view, made at the first ``history`` (it reads who is who once for every fact)
    _histories: dict[str, Callable[[str], list[Change]]] = field(factory=dict, init=False, repr=False, eq=False)

    def summaries(self) -> Iterator[dict[str, Any]]:
        """Per fact kept, what ``status --json`` prints (fact, status, label ...): cheaper than ``beliefs`` when
        only that is needed (an overview), since the log holds it for the view of now."""
        return self.log.summaries(self.clock, self.where)

    def history(self, fact: str) -> list[Change]:
        """Each change of a fact's status or label in this view (for reports and timelines), told as if the
        events voided as recording errors had never been recorded: a voided statement appears in no export."""
        if "teller" not in self._histories:
            self._histories["teller"] = self.log.histories(self.clock, voided=False)
        return self._histories["teller"](fact)

    def sources(self) -> dict[str, SourceInfo]:
        """The sources as their registrations and amendments say in this view."""
        return self.log.source_map(self.clock)

    def parties(self) -> dict[str, PartyInfo]:
        """The registered parties in this view: name a party with ``beliefs.display_name(party, parties)``."""
        return self.log.party_map(self.clock)

    def settings(self) -> dict[str, SettingChanged]:
        """The log's settings as they are now (whatever the view: they describe the publication being made), each
        key with the event that gave it its value (``.value``, ``.recorded_at``)."""
        return self.log.setting_events()


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

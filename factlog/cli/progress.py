"""Progress bars (rich) on stderr for commands that can take seconds: nothing when stderr is not a terminal,
nothing for work done within ``DELAY``. Used by rebuild, verify, import and export, and made for push/pull:

    with progress_bar("pushing", total=count, unit="events") as advance:
        for batch in batches:
            ...
            advance(len(batch))
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Progress:
    """A bar for ``total`` units (``bytes`` or ``events``); with no total, a spinner and the amount done so far
    (an export cannot know its size beforehand: its bar is never drawn full)."""

    DELAY = 0.5  # seconds before the bar appears, so quick commands print nothing
    EVERY = 0.1  # seconds between redraws

    def __init__(self, label: str, total: int | None = None, enabled: bool | None = None, unit: str = "bytes"):
        self.label, self.total, self.unit = label, total, unit
        self.enabled = stderr_is_terminal() if enabled is None else enabled
        self.done = 0
        self.started = self.drawn = time.monotonic()
        self.bar: Any = None

    def advance(self, amount: int) -> None:
        self.done += amount
        if not self.enabled:
            return
        moment = time.monotonic()
        if moment - self.drawn < self.EVERY or moment - self.started < self.DELAY:
            return
        self.drawn = moment
        if self.bar is None:
            self.bar = self._start()
        self.bar.update(self.task, completed=self.done)

    def _start(self) -> Any:
        from rich.console import Console
        from rich.progress import Progress as Bar
        from rich.progress import TextColumn, TimeElapsedColumn

        bar = Bar(TextColumn(self.label), *self._columns(), TimeElapsedColumn(), console=Console(stderr=True),
                  transient=True)
        self.task = bar.add_task(self.label, total=self.total)
        bar.start()
        return bar

    def _columns(self) -> list[Any]:
        from rich.progress import (BarColumn, DownloadColumn, FileSizeColumn, MofNCompleteColumn, SpinnerColumn,
                                   TaskProgressColumn)

        if self.total is None:
            done = FileSizeColumn() if self.unit == "bytes" else TextColumn("{task.completed:,} " + self.unit)
            return [SpinnerColumn(), done]
        amount = DownloadColumn() if self.unit == "bytes" else MofNCompleteColumn()
        return [BarColumn(), TaskProgressColumn(), amount]

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def TextColumn(text: str) -> Any:  # noqa: N802 - rich's class, imported only when a bar is drawn
    from rich.progress import TextColumn as Column

    return Column(text)


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress_bar(label: str, total: int | None = None, unit: str = "events",
                 enabled: bool | None = None) -> Iterator[Callable[[int], None]]:
    """A bar on stderr (on a terminal only) for the work inside; yields ``advance(amount)``."""
    progress = Progress(label, total, enabled, unit)
    try:
        yield progress.advance
    finally:
        progress.close()

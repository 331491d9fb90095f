"""Which moment of the log a read answers for, on both clocks (DESIGN "Belief state": two clocks)."""

from __future__ import annotations

import datetime as dt

from attrs import frozen


@frozen
class Clock:
    """Transaction time (``as_of``, ``at_seq``: what the log held then) and valid time (``valid_at``: what the
    sources had said by then)."""

    as_of: dt.datetime | None = None
    at_seq: int | None = None
    valid_at: dt.datetime | None = None

    @property
    def is_now(self) -> bool:
        return self.as_of is None and self.at_seq is None and self.valid_at is None


NOW = Clock()

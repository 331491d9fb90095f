"""The projection side of one write transaction, shared by every back end: each appended event is folded into
its fact's state as it is placed, and the beliefs of the touched facts are written in batches (all at the end
for a few appends).

A bulk append (an import, a push) defers instead (``defer``): it only notes the facts its events touch, and at
the end folds each of them once from the stored events with the rebuild's fold and writes its rows once, so
the projections equal a rebuild's by construction, and no fact is folded twice (a fact that left the batch of
waiting states was folded again from its history at its next event)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .. import beliefs as bl
from .. import events as ev
from .rows import belief_row, fact_row, stance_rows

if TYPE_CHECKING:
    from .base import LogStore

# An import writes the beliefs of the facts it touched whenever this many are waiting, and at its end: memory
# stays bounded, and a fact that a whole news cycle of statements touches is written once rather than each time.
FLUSH_FACTS = 4096


class Projector:
    def __init__(self, store: LogStore):
        self.store = store
        self.waiting: dict[str, bl.FactState] = {}  # touched facts whose beliefs are not written yet
        self.amended: set[str] = set()  # facts amended in this batch: their ``facts`` rows are written again
        self.deferred: set[str] | None = None  # after ``defer``: the facts to fold and write at the end

    def defer(self) -> None:
        """From now on only note the facts events touch; ``finish`` folds and writes each once."""
        self.deferred = set(self.waiting)
        self.waiting.clear()

    def fold(self, fact: str, event: ev.Event) -> None:
        if self.deferred is not None:
            self.deferred.add(fact)
            if isinstance(event, ev.FactAmended):
                self.amended.add(fact)
            return
        state = None  # an opened fact starts afresh
        if not isinstance(event, ev.FactOpened):
            state = self.waiting.get(fact)
            if state is None:
                state = self.store.state_before(fact, event.seq or 0)
        new = bl.apply(state, event)
        if new is not None:
            self.waiting[fact] = new
            if isinstance(event, ev.FactAmended):
                self.amended.add(fact)
        if len(self.waiting) >= FLUSH_FACTS:
            self.flush()

    def touch(self, fact: str, seq: int) -> None:
        """The fact's belief must be derived again (a source or party it names changed at ``seq``)."""
        if self.deferred is not None:
            self.deferred.add(fact)
            return
        if fact not in self.waiting:
            state = self.store.state_before(fact, seq)
            if state is not None:
                self.waiting[fact] = state
        if len(self.waiting) >= FLUSH_FACTS:
            self.flush()

    def flush(self) -> None:
        if self.amended:
            self.store.replace_rows("facts", [fact_row(self.waiting[fact]) for fact in sorted(self.amended)])
            self.amended.clear()
        self.store.write_beliefs(self.waiting.values())
        for state in self.waiting.values():
            self.store.state_cache.put(state)
        self.waiting.clear()

    def finish(self, last_seq: int) -> None:
        if self.deferred is not None:
            self.store.project_facts(self.deferred, self.amended)
            self.deferred, self.amended = set(), set()
        self.flush()
        if last_seq:  # as after a rebuild, an empty log records no watermark
            self.store.mark_projected(last_seq)


def projection_rows_of(states: Iterable[bl.FactState], sources: dict[str, bl.SourceInfo],
                       parties: dict[str, bl.PartyInfo] | None = None
                       ) -> Iterator[tuple[bl.FactState, tuple, list[tuple]]]:
    """Each fact's state with its belief row and stance rows, as a rebuild writes them."""
    from .audit import require_sources

    for state in states:
        require_sources(state, sources)
        belief = bl.derive(state, sources, parties)
        yield state, belief_row(belief), stance_rows(belief)


def counting(rows: Iterable[Any], progress: Callable[[int], None], every: int = 1000) -> Iterator[Any]:
    """``rows``, telling ``progress`` how many were read, every ``every`` rows and at the end."""
    count = 0
    for row in rows:
        yield row
        count += 1
        if count == every:
            progress(count)
            count = 0
    if count:
        progress(count)

"""The folded state of recently touched facts, kept between appends so that an append folds one event into a
known state instead of re-reading and re-folding the fact's whole history.

Pure bookkeeping, no SQL: the store decides whether an entry may still be trusted (the fact's ``updated_seq``
in the beliefs table must equal the cached state's, so an append by another process invalidates it), and
clears the cache when a write transaction rolls back.
"""

from __future__ import annotations

from collections import OrderedDict

from ..beliefs import FactState

# A fact's state holds its statements: a few KiB for a busy fact. 4,096 of them bound the cache to tens of MiB
# and still cover the facts that a news cycle keeps touching.
DEFAULT_CAPACITY = 4096


class FactStateCache:
    """Least recently used first out, at most ``capacity`` facts."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = capacity
        self._states: OrderedDict[str, FactState] = OrderedDict()

    def get(self, fact: str) -> FactState | None:
        state = self._states.get(fact)
        if state is not None:
            self._states.move_to_end(fact)
        return state

    def put(self, state: FactState) -> None:
        self._states[state.fact] = state
        self._states.move_to_end(state.fact)
        while len(self._states) > self.capacity:
            self._states.popitem(last=False)

    def clear(self) -> None:
        self._states.clear()

    def __len__(self) -> int:
        return len(self._states)

"""``history --chronological``: a fact's story in valid time, each event with the belief as of that moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from .. import events as ev
from .derive import derive
from .fold import apply
from .log_fold import VALID_TIMED, Change, LogState
from .state import FactState, PartyInfo, SourceInfo


def chronology(events: Iterable[ev.Event], fact: str, sources: Mapping[str, SourceInfo] | None = None,
               parties: Mapping[str, PartyInfo] | None = None) -> list[Change]:
    """The fact's events ordered by when they were said (``observed_at``, then ``seq``), each as a Change whose
    ``after`` is the belief as of that moment given all that ``events`` hold: what sources said up to then,
    and every registration, amendment and void of the log, which have no valid time of their own and always
    count (so the statement and the sources' names are the latest ones). Voided events and the voids themselves
    are not part of the story. ``before`` is the previous moment's belief.

    ``events`` is the log (or a view of it: --at-seq, --as-of) in log order; as for ``changes``, it may be the
    fact's events and the events about who is who, with ``sources`` and ``parties`` seeding the maps.
    """
    whole = LogState(sources=dict(sources or {}), parties=dict(parties or {}))
    touching = [event for event in events if whole.apply(event) == fact]
    if fact not in whole.facts:
        return []
    # every event a void names, even one whose void found nothing left to take out (the retraction of a
    # statement voided before it)
    voided = {e.target for e in touching if isinstance(e, ev.StatementVoided)}
    story = sorted((e for e in touching if not isinstance(e, ev.StatementVoided) and e.id not in voided), key=_said)
    moments: list[Change] = []
    before = None
    for moment in story:
        after = derive(_folded_until(touching, _said(moment)), whole.sources, whole.parties)
        moments.append(Change(moment, fact, before, after))
        before = after
    return moments


def _said(event: ev.Event) -> tuple[dt.datetime, int]:
    return (event.observed_at, event.seq or 0)


def _folded_until(touching: list[ev.Event], moment: tuple[dt.datetime, int]) -> FactState:
    """The fact folded from its events, with only what was said by ``moment`` (a time, then a seq)."""
    state: FactState | None = None
    for event in touching:
        if not isinstance(event, VALID_TIMED) or _said(event) <= moment:
            state = apply(state, event)
    assert state is not None  # the fact's opening always counts
    return state

"""The belief views of a log: status, beliefs, histories, the chronology, replays and track records, each in
the view a ``Clock`` names. ``Log`` has them; they read the log through its store, never through SQL."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator

from . import beliefs as bl
from . import events as ev
from .clock import NOW, Clock
from .errors import NotFound
from .filters import EventFilter
from .store import LogStore
from .store.audit import require_sources, require_speakers
from .store.rows import row_to_event
from .typed_ids import slug


class BeliefViews:
    """What the sources' statements make of each fact, folded from the log (or read from its projections)."""

    store: LogStore

    def status(self, fact: str | None = None, clock: Clock = NOW, where: EventFilter | None = None) -> list[dict]:
        """What ``status --json`` prints: per fact, its status, label, party and source stances (of the facts
        ``where`` keeps)."""
        kept = self._facts_kept(where, clock)
        rows = self._status(fact, clock)
        return rows if kept is None else [row for row in rows if row["fact"] in kept]

    def summaries(self, clock: Clock = NOW, where: EventFilter | None = None) -> Iterator[dict]:
        """``status``'s rows streamed, for a listing of every fact that must not grow with the log: now, the
        stored beliefs; in any other view, folded fact by fact."""
        kept = self._facts_kept(where, clock)
        rows = (self.store.belief_rows() if clock.is_now
                else (bl.belief_fields(belief) for belief in self.beliefs(clock)))
        return (row for row in rows if kept is None or row["fact"] in kept)

    def _status(self, fact: str | None, clock: Clock) -> list[dict]:
        fact = slug(fact)
        if fact is not None and not self.store.has_fact(fact):
            raise NotFound(f"no fact {fact!r} in the log")
        if clock.is_now:
            return list(self.store.belief_rows(fact))
        if clock.as_of is None and clock.at_seq is None:
            return self._status_valid_at(fact, clock)
        rows = [bl.belief_fields(belief) for belief in self.beliefs(clock, fact)]
        if fact is not None and not rows:
            raise NotFound(f"fact {fact!r} was not yet in the log at that point")
        return rows

    def _status_valid_at(self, fact: str | None, clock: Clock) -> list[dict]:
        """``status --valid-at T`` (now in transaction time). Valid time filters only what sources said, so a fact
        with nothing said after T is in that view as it is now: its stored belief row. The facts with something
        said after T are folded from their rows in view, through the same fold and derive as every view. Both
        come in fact order (ids compare by code point, as the store sorts them), merged into one."""
        assert clock.valid_at is not None
        with self.store.snapshot():
            stored = self.store.beliefs_unsaid_after(clock.valid_at, fact)
            states = self.store.said_after_states(clock.valid_at, fact)
            folded = (bl.belief_fields(belief) for belief in self._derived(states, clock))
            return list(heapq.merge(stored, folded, key=lambda row: row["fact"]))

    def beliefs(self, clock: Clock = NOW, fact: str | None = None,
                where: EventFilter | None = None) -> Iterator[bl.Belief]:
        """Full beliefs (with standing statements), folded from the log for the view asked for (of the facts
        ``where`` keeps)."""
        with self.store.snapshot():
            kept = self._facts_kept(where, clock)
            states = self.store.fact_states(clock, slug(fact))
            yield from self._derived((state for state in states if kept is None or state.fact in kept), clock)

    def _derived(self, states: Iterable[bl.FactState], clock: Clock) -> Iterator[bl.Belief]:
        """The beliefs of these folded states, with the sources and parties of the view of transaction time
        ``clock`` names."""
        sources: dict[str, bl.SourceInfo] | None = None
        parties: dict[str, bl.PartyInfo] = {}
        for state in states:
            if sources is None:  # read once, and only if there is a state to derive
                sources, parties = self.store.source_map(clock), self.store.party_map(clock)
            require_sources(state, sources)
            yield bl.derive(state, sources, parties)

    def track_records(self, source: str | None = None, clock: Clock = NOW) -> list[dict]:
        """Each source's track record (of ``source`` only, when given) against the standing verdicts in the view:
        how many of its standing assertions and denials agree with the verdict, disagree, settle neither way
        (mixed, unproven) or were withdrawn, with the facts behind each count (``beliefs.track`` has the rule)."""
        source = slug(source)
        with self.store.snapshot():
            sources = self.store.source_map(clock)
            if source is not None and source not in sources:
                raise NotFound(f"no source {source!r} in the log")
            return bl.track_records(self._rated_beliefs(clock, source, sources), sources, source)

    def _rated_beliefs(self, clock: Clock, source: str | None,
                       sources: dict[str, bl.SourceInfo]) -> Iterator[bl.Belief]:
        """The beliefs that have a standing verdict in the view (of the facts ``source`` spoke about, when
        given). Now, the beliefs projection names those facts and only they are folded; a past view folds all."""
        if not clock.is_now:
            yield from (belief for belief in self.beliefs(clock) if belief.verdict is not None)
            return
        facts = self.store.verdict_facts()
        if source is not None:
            spoken = set(self.store.facts_spoken_by(source))
            facts = [fact for fact in facts if fact in spoken]
        parties = self.store.party_map(clock)
        for fact in facts:
            for state in self.store.fact_states(clock, fact):
                require_sources(state, sources)
                yield bl.derive(state, sources, parties)

    def belief(self, fact: str, clock: Clock = NOW) -> bl.Belief:
        fact = slug(fact) or ""
        if not self.store.has_fact(fact):
            raise NotFound(f"no fact {fact!r} in the log")
        for belief in self.beliefs(clock, fact):
            return belief
        raise NotFound(f"fact {fact!r} was not yet in the log at that point")

    def history(self, fact: str, clock: Clock = NOW, voided: bool = True) -> list[bl.Change]:
        """Each change of the fact's status or label, with the event that caused it, in recording order:
        statements, retractions, voids, amendments of the fact and of the sources and parties its label names.

        Without ``voided``, the story as if the events voided as recording errors had never been recorded
        (neither they nor their voids appear): what reports show."""
        fact = slug(fact) or ""
        events = self._story_events(fact, clock)
        if not voided:
            events = bl.unvoided(events)
        return [change for change in bl.changes(events, clock.valid_at) if change.fact == fact]

    def histories(self, clock: Clock = NOW, voided: bool = True) -> Callable[[str], list[bl.Change]]:
        """``history`` for fact after fact in one view (an export's sections): who is who is read from the
        events once, not again for each fact, which made a report of n facts read n times every source.

        The same changes as ``history``: registered sources seed the fold (a source is named only by the events
        after its registration, so being known earlier changes no label), and the amendments of sources and
        parties and the registrations of parties are among each fact's events in log order, as ``history``
        has them."""
        view = Clock(clock.as_of, clock.at_seq)
        with self.store.snapshot():
            who = [row_to_event(row) for row in
                   heapq.merge(self.store.registration_rows(None, view), self.store.party_rows(view),
                               key=lambda row: row[0])]
        registered = {e.source: bl.SourceInfo.from_event(e) for e in who if isinstance(e, ev.SourceRegistered)}
        changing = [e for e in who if not isinstance(e, ev.SourceRegistered)]

        def history(fact: str) -> list[bl.Change]:
            fact = slug(fact) or ""
            own = [e for e in map(row_to_event, self.store.event_rows(fact=fact, clock=view))
                   if bl.in_valid_time(e, clock.valid_at)]
            if not own:
                raise NotFound(f"fact {fact!r} was not yet in the log at that point")
            require_speakers(own, registered)
            events = list(heapq.merge(own, changing, key=lambda e: e.seq or 0))
            if not voided:
                events = bl.unvoided(events)
            return [change for change in bl.changes(events, clock.valid_at, registered) if change.fact == fact]

        return history

    def chronology(self, fact: str, clock: Clock = NOW) -> list[bl.Change]:
        """The fact's story in valid time: its events ordered by when they were said (``observed_at``, then seq),
        each with the status and label as of that moment given all the log holds in the view of transaction
        time ``clock`` names; with ``valid_at``, the story up to that moment."""
        fact = slug(fact) or ""
        # what was said after valid_at is not part of this story, nor of any moment's belief
        return bl.chronology(self._story_events(fact, clock), fact)

    def _story_events(self, fact: str, clock: Clock) -> list[ev.Event]:
        """The fact's events in the view ``clock`` names, with the events about who is who."""
        if not self.store.has_fact(fact):
            raise NotFound(f"no fact {fact!r} in the log")
        events = self.store.fact_events(fact, clock, who=True)
        if not any(getattr(e, "fact", None) == fact for e in events):
            raise NotFound(f"fact {fact!r} was not yet in the log at that point")
        require_speakers(events, self.store.source_map(clock))
        return events

    def replay(self, clock: Clock = NOW) -> Iterator[bl.Change]:
        """Step through the log and yield each belief change an event caused."""
        return bl.changes(self.store.checked_events(clock), clock.valid_at)

    def _facts_kept(self, where: EventFilter | None, clock: Clock) -> set[str] | None:
        """The facts a filter keeps (None: all)."""
        if where is None or where.is_empty:
            return None
        return set(self.store.matching_facts(where, clock))

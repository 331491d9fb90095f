"""``status --valid-at T`` reads the stored beliefs of the facts with nothing said after T and folds only the
others (issue 14). The answer must be the one the fold of the whole log gives, which stays here as the
reference: random stories with retractions said late, voids (of statements and of retractions), fact and source
amendments and party registrations, at random moments (before all, between and after what was said), for every
fact and for one fact at a time; and after a rebuild, whose projections the shortcut reads.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import factlog
from factlog import beliefs as bl
from factlog.clock import Clock

from test_beliefs_properties import CORRECTED_STORY, StoredStory, corrected_stories, minutes


def reference_status(log: factlog.Log, clock: Clock, fact: str | None = None) -> list[dict]:
    """The old path: every fact folded from the whole log in view, as ``status`` answered before issue 14."""
    return [bl.belief_fields(belief) for belief in log.beliefs(clock, fact)]


def check_moments(log: factlog.Log, moments: list[dt.datetime]) -> None:
    facts = log.ids("facts")
    for moment in moments:
        clock = log.clock(valid_at=moment)
        assert log.status(clock=clock) == reference_status(log, clock)
        for fact in facts:
            assert log.status(fact, clock) == reference_status(log, clock, fact)


def play(folder: str, story_spec, moments: list[int]) -> None:
    sources, facts, steps = story_spec
    with factlog.open_log(os.path.join(folder, "story.db"), user="hypothesis") as log:
        story = StoredStory(log, sources, facts)
        story.play(steps)
        said = sorted({e.observed_at for e in story.events if isinstance(e, (factlog.events.Statement,
                                                                               factlog.events.Retract))})
        # the moments drawn, and each said-at time itself and a microsecond before it (the edges of "said after")
        edges = [t + dt.timedelta(microseconds=d) for t in said[:4] for d in (-1, 0)]
        check_moments(log, [minutes(m) for m in moments] + edges)
        log.rebuild()
        check_moments(log, [minutes(m) for m in moments])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrected_stories, st.lists(st.integers(-1, 300), min_size=1, max_size=4))
def test_valid_at_from_stored_beliefs_and_indexed_rows_equals_the_fold_of_the_whole_log(story_spec, moments):
    with tempfile.TemporaryDirectory() as folder:
        play(folder, story_spec, moments)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrected_stories, st.lists(st.integers(-1, 300), min_size=1, max_size=4))
def test_valid_at_equals_the_fold_of_the_whole_log_at_length(story_spec, moments):
    with tempfile.TemporaryDirectory() as folder:
        play(folder, story_spec, moments)


@pytest.mark.both_backends
def test_valid_at_on_each_back_end_equals_the_fold(new_log):
    with factlog.open_log(new_log("valid"), user="tester") as log:
        story = StoredStory(log, *CORRECTED_STORY[:2])
        story.play(CORRECTED_STORY[2])
        check_moments(log, [minutes(m) for m in (-1, 5, 10, 15, 20, 25, 30, 60)])


@pytest.mark.sqlite_only
def test_the_facts_said_after_are_found_through_the_index(tmp_path):
    # the partial indexes are used only while the queries carry their WHERE terms word for word
    from factlog.store.sqlite import queries

    path = str(tmp_path / "plan.db")
    factlog.open_log(path, user="tester").close()
    conn = sqlite3.connect(path)
    plan = " ".join(row[3] for row in conn.execute(
        f"EXPLAIN QUERY PLAN SELECT 1 FROM events WHERE {queries.NOT_SAID} AND fact IN ({queries.SAID_AFTER})"
        f" UNION ALL SELECT 1 FROM events WHERE {queries.SAID_IN_VALID_TIME} AND fact IN ({queries.SAID_AFTER})"
        " AND observed_at <= ?", ["x", "x", "x"]))
    conn.close()
    assert "idx_events_unsaid" in plan and "idx_events_said" in plan and "SCAN events " not in plan.replace(
        "SCAN events USING", "")


# --- an export's histories: who is who read once for every fact ------------------------------------------------


def check_histories(log: factlog.Log, clocks: list[Clock]) -> None:
    for clock in clocks:
        for voided in (True, False):
            teller = log.histories(clock, voided)
            for fact in log.ids("facts"):
                try:
                    expected = log.history(fact, clock, voided)
                except factlog.errors.NotFound:
                    with pytest.raises(factlog.errors.NotFound):
                        teller(fact)
                    continue
                assert teller(fact) == expected


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrected_stories, st.lists(st.integers(-1, 300), min_size=1, max_size=2), st.integers(0, 60))
def test_histories_told_in_one_go_equal_each_fact_history(story_spec, moments, cut):
    sources, facts, steps = story_spec
    with tempfile.TemporaryDirectory() as folder:
        with factlog.open_log(os.path.join(folder, "story.db"), user="hypothesis") as log:
            story = StoredStory(log, sources, facts)
            story.play(steps)
            clocks = [Clock(), Clock(at_seq=cut), *(Clock(valid_at=minutes(m)) for m in moments),
                      Clock(at_seq=cut, valid_at=minutes(moments[0]))]
            check_histories(log, clocks)

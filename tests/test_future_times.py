"""A statement, retraction or amendment cannot be dated later than its recording (5 minutes of clock skew allowed),
from the CLI, the API and import (against the record's own recorded_at): one of the shared append checks."""

import datetime as dt
import json

import pytest

import factlog
from factlog.errors import InvalidInput
from factlog.times import UTC, format_time


def later(minutes):
    return format_time(dt.datetime.now(UTC) + dt.timedelta(minutes=minutes))


@pytest.fixture
def story(run):
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency")
    run("fact", "add", "blast", "A blast at the depot")
    return run


@pytest.mark.parametrize("at", ["2030-03-30T10:00:00+03:00", "9999-12-31T23:59:59Z", 6])
def test_a_statement_dated_in_the_future_is_refused(story, db_path, at):
    at = later(at) if isinstance(at, int) else at  # minutes from now, when the test runs
    result = story("claim", "blast", "--source", "tass", "--at", at, ok=False)
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("Error: the claim's time ") and "is in the future" in result.stderr
    assert len(story.json("log")) == 2


def test_a_few_minutes_of_clock_skew_are_allowed(story):
    story("claim", "blast", "--source", "tass", "--at", later(4))
    assert len(story.json("log")) == 3


def test_a_retraction_dated_in_the_future_is_refused(story):
    story("claim", "blast", "--source", "tass", "--at", "2022-03-30T10:00:00+03:00")
    result = story("retract", "3", "--at", "2030-01-01T00:00:00Z", ok=False)
    assert result.exit_code == 1 and "Error: the retract's time 2030-01-01T00:00:00.000000+00:00 is in the future" \
        in result.stderr
    assert len(story.json("log")) == 3


def test_the_api_refuses_future_statements_retractions_and_amendments(tmp_path):
    with factlog.open_log(tmp_path / "api.db", user="tester") as log:
        log.add_source("tass", "TASS")
        log.open_fact("blast", "A blast")
        claim = log.claim("blast", "tass", at="2022-03-30T10:00:00Z")
        for attempt in (lambda: log.deny("blast", "tass", at=later(60 * 24 * 365)),
                        lambda: log.retract(claim.seq, at="3000-01-01T00:00:00Z"),
                        lambda: log.reword_fact("blast", "A blast at a depot", at="2999-01-01T00:00:00Z")):
            with pytest.raises(InvalidInput, match="is in the future"):
                attempt()
        assert log.count() == 3
        # registrations are about the record, not the world: dating one later is not what this rule is about
        log.add_source("ria", "RIA", at="2030-01-01T00:00:00Z")


def record(event_id, recorded_at, observed_at):
    return {"id": event_id, "type": "claim", "version": 1, "recorded_at": recorded_at, "observed_at": observed_at,
            "recorded_by": "other", "data": {"fact": "blast", "source": "tass"}}


def test_import_checks_each_record_against_its_own_recorded_at(story, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(record("0190a1b2-0000-7000-8000-000000000001", "2022-03-30T10:00:00Z",
                                     "2030-03-30T10:00:00Z")) + "\n")
    result = story("import", bad, ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("Error: line 1: ")
    assert "is in the future" in result.stderr and len(story.json("log")) == 2
    # recorded in 9999 and said then: not later than its own recording, so it merges (and displays)
    edge = tmp_path / "edge.jsonl"
    edge.write_text(json.dumps(record("0190a1b2-0000-7000-8000-000000000002", "9999-12-31T23:59:00Z",
                                      "9999-12-31T23:59:59.999999Z")) + "\n")
    story("import", edge)
    assert "9999-12-31" in story("--utc", "log").stdout
    assert "9999-12-31" in story("history", "blast").stdout



def test_a_log_written_before_the_rule_stays_readable(story, monkeypatch, db_path):
    from factlog.store import checks

    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(checks, "refuse_future", lambda event: None)
        story("claim", "blast", "--source", "tass", "--at", "2030-03-30T10:00:00Z")  # the typo of issue 12
    for read in (["verify"], ["replay"], ["history", "blast"], ["history", "blast", "--chronological"], ["status"]):
        assert story(*read).exit_code == 0, read
    assert story("retract", "3", "--at", "2022-03-30T10:00:00Z", ok=False).exit_code == 1  # (before it was said)

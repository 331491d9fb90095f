"""factlog rebuild and the fold of stored rows: the same projections and the same states as the validated events
give, whatever the rows hold, and a row that cannot be read stops it with one line, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

import factlog
from factlog import beliefs as bl
from factlog.store import base as store_module
from factlog.store import Clock

pytestmark = pytest.mark.both_backends

UTC = dt.timezone.utc
T0 = dt.datetime(2022, 3, 30, tzinfo=UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def story(tmp_path, new_log):
    """A log with every kind of event, statements recorded late, a version-1 ``fact-opened`` (upcast on read) and
    texts whose JSON holds escapes (both go through the validated path)."""
    path = new_log("story")
    with factlog.open_log(path, user="tester") as log:
        log.add_source("kyiv", "Kyiv official", "official", "ukraine")
        log.add_source("mod", "Russian MoD", "official", "russia")
        log.add_source("tass", "TASS", "agency", "russia")
        log.open_fact("blast", "A blast at the depot", parties=["ukraine", "russia"], tags=["depot"],
                      occurred_at=at(-60))
        claim = log.claim("blast", "tass", at=at(1), quote="A missile hit it", credibility=3)
        log.deny("blast", "kyiv", at=at(5), quote="Not us\u0007")  # a control character: escaped in the JSON
        log.confirm("blast", "mod", at=at(9), url="https://example.org/mod")
        log.claim("blast", "tass", at=at(0), note="said earlier, recorded late")
        log.retract(claim.id, reason="wrong depot", at=at(12))
        log.decline("blast", "mod", at=at(20))
        log.reword_fact("blast", "A blast at the fuel depot")
        log.open_fact("quiet", "Nothing happened")
    old = {"type": "fact-opened", "version": 1, "id": "0190a1b2-0000-7000-8000-000000000001",
           "recorded_at": "2022-03-30T01:00:00+00:00", "observed_at": "2022-03-30T01:00:00+00:00",
           "recorded_by": "tester", "data": {"fact": "old", "statement": "An old fact", "party": "russia"}}
    records = tmp_path / "old.jsonl"
    records.write_text(json.dumps(old) + "\n", encoding="utf-8")
    _import(path, records)
    with factlog.open_log(path) as log:
        log.claim("old", "mod", at=at(30))
    return path


def _import(path, records) -> None:
    from click.testing import CliRunner

    from factlog.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(path), "import", str(records)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def validated_states(log: factlog.Log, clock: Clock) -> dict[str, bl.FactState]:
    """The states the validated events give: every event of the view, parsed into its class and folded."""
    events = [e for e in log.store.events() if (clock.at_seq is None or (e.seq or 0) <= clock.at_seq)
              and (clock.as_of is None or e.recorded_at <= clock.as_of)]
    return bl.fold_log(events, clock.valid_at).facts


def test_a_rebuild_gives_the_rows_that_appends_gave(story):
    with factlog.open_log(story) as log:
        live = log.store.projection_rows()
        assert log.rebuild() == 3
        assert log.store.projection_rows() == live
        assert {row["fact"]: row["status"] for row in log.status()} == {
            "blast": "disputed", "old": "claimed", "quiet": "open"}


@pytest.mark.parametrize("clock", [
    Clock(), Clock(at_seq=7), Clock(at_seq=10), Clock(valid_at=at(6)), Clock(valid_at=at(10), at_seq=12),
    Clock(as_of=dt.datetime(2100, 1, 1, tzinfo=UTC)),
], ids=repr)
def test_the_fold_of_rows_gives_the_states_of_the_validated_events(story, clock):
    with factlog.open_log(story) as log:
        states = {state.fact: state for state in log.store.fact_states(clock)}
        assert states == validated_states(log, clock)
        for fact in states:
            assert list(log.store.fact_states(clock, fact)) == [states[fact]]


@pytest.mark.sqlite_only
def test_a_rebuild_in_another_journal_mode(story):
    conn = sqlite3.connect(story)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    with factlog.open_log(story) as log:
        live = log.store.projection_rows()
        log.rebuild()
        assert log.store.projection_rows() == live


def tamper(path, seq: int, data: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events_no_update'").fetchone()[0]
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET data = ? WHERE seq = ?", (data, seq))
    conn.execute(trigger)
    conn.close()


def seq_of_type(path, kind: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT min(seq) FROM events WHERE type = ?", (kind,)).fetchone()[0]
    finally:
        conn.close()


def one_line_error(path, *args: str) -> str:
    from click.testing import CliRunner

    from factlog.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(path), *args])
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.sqlite_only
# --valid-at 00:07: the deny (said at 00:05) is in view, and the fact is folded since the confirm is said later;
# a row said after the moment asked for is not read at all (as a row after --at-seq is not)
@pytest.mark.parametrize("command", [["rebuild"], ["status", "--at-seq", "100"], ["status", "blast", "--valid-at",
                                                                                  "2022-03-30T00:07:00+00:00"]])
def test_a_payload_that_is_not_json_is_named_by_its_seq(story, command):
    seq = seq_of_type(story, "deny")
    tamper(story, seq, "not json")
    error = one_line_error(story, *command)
    assert f"event at seq {seq} cannot be read" in error and "verify" in error


@pytest.mark.sqlite_only
@pytest.mark.parametrize("payload", [
    {"fact": "blast", "source": "tass", "quote": 5},  # a quote that is not text
    {"fact": "blast", "source": "tass", "extra": "field"},  # a key no claim has
    {"fact": "blast"},  # no source
    {"fact": "blast", "source": "tass", "quote": "\u0000"},  # NUL, hidden in an escape
])
def test_a_payload_of_the_wrong_shape_is_refused_in_words(story, payload):
    tamper(story, seq_of_type(story, "claim"), json.dumps(payload))
    error = one_line_error(story, "rebuild")
    assert "invalid claim event" in error


def test_the_rows_fold_on_the_fast_path(story, monkeypatch):
    # the usual rows do not go through the validated events (the point of the fast path); the unusual do
    decoded = []
    real = store_module.row_to_event
    monkeypatch.setattr(store_module, "row_to_event", lambda row: decoded.append(row[2]) or real(row))
    with factlog.open_log(story) as log:
        list(log.store.fact_states(Clock()))
    assert sorted(decoded) == ["deny", "fact-opened"]  # the escaped control character, and version 1

"""`history FACT`: the audit trail in recording order with both times honestly named; `--chronological`: the
story in valid time, each event with the status and label as of that moment (of all the log holds, or a view)."""

import pytest

import factlog

W = "2022-03-30T{}:00:00Z"


@pytest.fixture
def story(run):
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency")
    run("source", "add", "gladkov", "--name", "Vyacheslav Gladkov", "--kind", "official", "--party", "russia")
    run("fact", "add", "blast", "A missile hit the depot", "--at", "2022-03-29T00:00:00Z")
    run("claim", "blast", "--source", "tass", "--at", W.format("10"))  # seq 4, recorded before ...
    run("deny", "blast", "--source", "gladkov", "--at", W.format("08"))  # seq 5, ... what was said earlier
    run("retract", "4", "--at", W.format("12"))  # seq 6
    return run


def test_history_is_in_recording_order_with_both_times_named(story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = story("--utc", "history", "blast").stdout.splitlines()
    assert out[0].split()[:8] == ["seq", "event", "source", "said", "at", "(UTC)", "recorded", "at"]
    assert [line.split()[0] for line in out[2:]] == ["3", "4", "5", "6"]
    fact_opened = out[2]
    assert fact_opened.split()[2] != "2022-03-29"  # no source said the opening: its "said at" is blank
    assert "2022-03-30 08:00" in out[4]  # the denial's said-at time
    assert [c["status"] for c in story.json("history", "blast")] == ["open", "claimed", "disputed", "denied"]


def test_chronological_tells_the_story_in_valid_time(story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = story("--utc", "history", "blast", "--chronological").stdout.splitlines()
    assert out[0].split()[:7] == ["seq", "event", "source", "valid", "at", "(UTC)", "recorded"]
    assert [line.split()[:2] for line in out[2:]] == [["3", "fact-opened"], ["5", "deny"], ["4", "claim"],
                                                      ["6", "retract"]]
    rows = story.json("history", "blast", "--chronological")
    assert [(r["seq"], r["status"]) for r in rows] == [(3, "open"), (5, "denied"), (4, "disputed"), (6, "denied")]
    assert rows[2]["label"] == "disputed: claimed by TASS; denied by Russia"
    assert [r["observed_at"][:16] for r in rows[1:]] == ["2022-03-30T08:00", "2022-03-30T10:00", "2022-03-30T12:00"]


def test_chronological_in_a_view_of_transaction_time(story):
    rows = story.json("history", "blast", "--chronological", "--at-seq", "5")
    assert [(r["seq"], r["status"]) for r in rows] == [(3, "open"), (5, "denied"), (4, "disputed")]
    upto = story.json("history", "blast", "--chronological", "--valid-at", W.format("09"))
    assert [(r["seq"], r["status"]) for r in upto] == [(3, "open"), (5, "denied")]
    # a moment's belief holds nothing said after --valid-at (the opening, placed at its recording, included)
    story("fact", "add", "late", "Opened after it was all said")
    story("claim", "late", "--source", "tass", "--at", W.format("10"))
    story("deny", "late", "--source", "gladkov", "--at", W.format("11"))
    [claim, opening] = story.json("history", "late", "--chronological", "--valid-at", W.format("10"))
    assert (claim["type"], claim["status"]) == ("claim", "claimed")
    assert (opening["type"], opening["status"]) == ("fact-opened", "claimed")
    refused = story("history", "blast", "--chronological", "--at-seq", "2", ok=False)
    assert refused.exit_code == 1 and "was not yet in the log" in refused.stderr


def test_the_api_gives_the_same_story(story, db_path):
    with factlog.open_log(db_path) as log:
        changes = log.chronology("blast")
        assert [(c.event.seq, c.after.status) for c in changes] == [(3, "open"), (5, "denied"), (4, "disputed"),
                                                                    (6, "denied")]
        assert [c.event.seq for c in log.history("blast")] == [3, 4, 5, 6]
        past = log.chronology("blast", log.clock(at_seq=4))
        assert [(c.event.seq, c.after.status) for c in past] == [(3, "open"), (4, "claimed")]

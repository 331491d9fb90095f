"""Issue 16, verdicts and track records, end to end through the CLI on both back ends: ``factlog verdict``, the
standing verdict (latest by valid time, voidable) beside status and label in status/why/history and the exports,
its refusals, the live projections against a rebuild and verify, and ``factlog source record``."""

import json

import pytest

import factlog
from tests.test_cli_write import refused

pytestmark = pytest.mark.both_backends


@pytest.fixture
def desk(run):
    """Three sources on two facts: TASS claims the blast, the MoD denies it; Butusov claims the missile and
    later retracts it, TASS denies the missile. Returns the seqs of the statements."""
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency")
    run("source", "add", "mod", "--name", "Russian MoD", "--kind", "official", "--party", "russia")
    run("source", "add", "butusov", "--name", "Yuriy Butusov", "--kind", "journalist")
    run("fact", "add", "blast", "A blast at the depot", "--party", "russia")
    run("fact", "add", "missile", "A missile hit the depot")
    said = {
        "tass-blast": run.id("claim", "blast", "--source", "tass", "--at", "2022-03-30T06:00:00+03:00"),
        "mod-blast": run.id("deny", "blast", "--source", "mod", "--at", "2022-03-30T07:00:00+03:00"),
        "butusov-missile": run.id("claim", "missile", "--source", "butusov", "--at", "2022-03-30T08:00:00+03:00"),
        "tass-missile": run.id("deny", "missile", "--source", "tass", "--at", "2022-03-30T09:00:00+03:00"),
    }
    run("retract", said["butusov-missile"], "--reason", "deleted his post", "--at", "2022-03-31T00:00:00+03:00")
    return said


def status_of(run, fact, *args):
    [row] = run.json("status", fact, *args)
    return row


def live_equals_rebuild(db_path):
    with factlog.open_log(db_path, create=False) as log:
        live = log.store.projection_rows()
        log.verify()  # compares the tables with a fresh fold too
        log.rebuild()
        assert log.store.projection_rows() == live


def test_a_verdict_stands_beside_status_and_label_and_never_changes_them(run, db_path, desk):
    before = status_of(run, "blast")
    assert before["verdict"] is None
    out = run("verdict", "blast", "true", "--basis", "Video of the fire; the governor confirmed it",
              "--at", "2022-03-31T12:00:00+03:00").stdout
    assert out.startswith("verdict-given recorded as event ")
    after = status_of(run, "blast")
    assert (after["status"], after["label"]) == (before["status"], before["label"]) == (
        "disputed", "disputed: claimed by TASS; denied by Russia")
    verdict = after["verdict"]
    assert {key: verdict[key] for key in ("rating", "value", "basis", "at")} == {
        "rating": "true", "value": 5, "basis": "Video of the fire; the governor confirmed it",
        "at": "2022-03-31T09:00:00.000000+00:00"}
    [event] = run.json("log", "--type", "verdict-given")
    assert (verdict["event"], verdict["seq"]) == (event["id"], event["seq"])
    assert "true" in run("status").stdout.splitlines()[2]  # the verdict column of the table
    why = run("why", "blast").stdout
    assert "verdict: true, given at" in why and "the governor confirmed it" in why
    [explained] = run.json("why", "blast")
    assert explained["verdict"] == verdict
    history = run.json("history", "blast")
    assert history[-1]["type"] == "verdict-given" and history[-1]["verdict"] == "true"
    assert history[-1]["status"] == "disputed" and history[-1]["quote"].startswith("verdict true: Video")
    assert "verdict-given" in run("history", "blast").stdout
    live_equals_rebuild(db_path)


def test_the_latest_by_valid_time_counts_and_a_void_brings_the_earlier_back(run, db_path, desk):
    first = run.json("verdict", "blast", "mixed", "--basis", "one for, one against",
                     "--at", "2022-03-31T00:00:00+00:00")[0]
    # recorded later, dated earlier: not the standing verdict
    run("verdict", "blast", "false", "--basis", "an old note", "--at", "2022-03-30T12:00:00+00:00")
    assert status_of(run, "blast")["verdict"]["rating"] == "mixed"
    latest = run.id("verdict", "blast", "mostly-true", "--basis", "satellite images", "--at",
                    "2022-04-02T00:00:00+00:00")
    assert status_of(run, "blast")["verdict"]["rating"] == "mostly-true"
    live_equals_rebuild(db_path)
    void_seq = run.json("void", latest, "--reason", "meant the other fact")[0]["seq"]
    assert status_of(run, "blast")["verdict"]["event"] == first["id"]
    live_equals_rebuild(db_path)
    # the two clocks: before the void the log said mostly-true; in valid time the verdicts given by then
    assert status_of(run, "blast", "--at-seq", str(void_seq - 1))["verdict"]["rating"] == "mostly-true"
    assert status_of(run, "blast", "--valid-at", "2022-03-30T18:00:00+00:00")["verdict"]["rating"] == "false"
    assert status_of(run, "blast", "--valid-at", "2022-03-30T00:00:00+00:00")["verdict"] is None
    [explained] = run.json("why", "blast")
    assert [v["type"] for v in explained["voided"]] == ["verdict-given"]
    assert "the analyst's verdict-given" in run("why", "blast").stdout
    # nothing voided can be voided again
    refused(run, db_path, "void", latest, "--reason", "again", words="already voided")


@pytest.mark.parametrize("args, words", [
    (("blast", "pants-on-fire", "--basis", "x"), "rating 'pants-on-fire' is not one of true, mostly-true"),
    (("nowhere", "true", "--basis", "x"), "no fact 'nowhere'"),
    (("blast", "true", "--basis", "x", "--at", "2999-01-01T00:00:00+00:00"), "is in the future"),
    (("blast", "true", "--basis", " "), "basis must not be empty"),
])
def test_bad_verdicts_are_one_error_line_and_nothing_appended(run, db_path, desk, args, words):
    refused(run, db_path, "verdict", *args, words=words)


def test_a_verdict_cannot_be_retracted(run, db_path, desk):
    verdict = run.id("verdict", "blast", "true", "--basis", "b")
    refused(run, db_path, "retract", verdict, words="only statements can be retracted")
    assert run("verdict", "blast", "true", ok=False).exit_code == 2  # --basis is required: a usage error


def test_every_export_carries_the_verdict(run, db_path, desk):
    run("verdict", "blast", "mostly-false", "--basis", "the fire was a <grass> fire")
    beliefs = {row["fact"]: row for row in json.loads(run("export", "json").stdout)}
    assert beliefs["blast"]["verdict"]["rating"] == "mostly-false" and beliefs["missile"]["verdict"] is None
    csv_text = run("export", "csv").stdout
    header, *rows = csv_text.splitlines()
    assert "verdict" in header.split(",")
    assert any("rating=mostly-false" in row and "basis=the fire was a <grass> fire" in row for row in rows)
    markdown = run("export", "markdown").stdout
    assert "**Verdict:** mostly-false" in markdown and "| verdict: mostly-false |" in markdown
    lines = [json.loads(line) for line in run("export", "jsonl").stdout.splitlines()]
    assert [line["data"]["rating"] for line in lines if line["type"] == "verdict-given"] == ["mostly-false"]


def test_a_verdict_travels_with_the_log(run, db_path, desk, tmp_path):
    verdict = run.id("verdict", "blast", "false", "--basis", "b")
    run("void", verdict, "--reason", "wrong")
    run("verdict", "blast", "mixed", "--basis", "c")
    dump = tmp_path / "log.jsonl"
    run("export", "jsonl", "-o", str(dump))
    other = tmp_path / "other.db"
    with factlog.open_log(other) as log:
        with open(dump) as lines:
            log.import_records(enumerate((json.loads(line) for line in lines), 1))
        [row] = log.status("blast")
        assert row["verdict"]["rating"] == "mixed"
        log.verify()


def test_track_records_count_agreement_disagreement_and_withdrawals(run, db_path, desk):
    assert all((r["agree"], r["disagree"], r["neither"], r["withdrawn"]) == (0, 0, 0, 0)
               for r in run.json("source", "record"))  # no verdict yet: nothing to weigh
    run("verdict", "blast", "true", "--basis", "video")
    run("verdict", "missile", "false", "--basis", "no debris")
    records = {r["source"]: r for r in run.json("source", "record")}
    counts = {source: (r["agree"], r["disagree"], r["neither"], r["withdrawn"]) for source, r in records.items()}
    # TASS claimed the blast (true: agree) and denied the missile (false: agree); the MoD denied the blast
    # (true: disagree); Butusov withdrew his claim of the missile
    assert counts == {"tass": (2, 0, 0, 0), "mod": (0, 1, 0, 0), "butusov": (0, 0, 0, 1)}
    assert [f["fact"] for f in records["tass"]["facts"]["agree"]] == ["blast", "missile"]
    assert records["mod"]["facts"]["disagree"] == [
        {"fact": "blast", "rating": "true", "type": "deny", "event": desk["mod-blast"]}]
    assert records["butusov"]["facts"]["withdrawn"][0]["event"] == desk["butusov-missile"]
    # one source; a mixed rating settles neither way
    run("verdict", "blast", "mixed", "--basis", "smoke, no fire")
    [tass] = run.json("source", "record", "tass")
    assert (tass["agree"], tass["neither"]) == (1, 1)
    table = run("source", "record").stdout
    assert "neither: blast" in table and "withdrawn: missile" in table
    # the views of the log apply: before the verdicts, no fact counts
    first_verdict = run.json("log", "--type", "verdict-given")[0]["seq"]
    assert run.json("source", "record", "tass", "--at-seq", str(first_verdict - 1))[0]["agree"] == 0
    refused(run, db_path, "source", "record", "nobody", words="no source 'nobody'")


@pytest.mark.sqlite_only
def test_verify_compares_the_stored_verdict_with_a_fresh_fold(run, db_path, desk):
    import sqlite3

    run("verdict", "blast", "false", "--basis", "b")
    with sqlite3.connect(db_path) as conn:  # a program outside factlog edits the projection
        conn.execute("UPDATE beliefs SET verdict = NULL WHERE fact = 'blast'")
    result = run("verify", ok=False)
    assert result.exit_code == 3 and "the beliefs table differs from a fresh fold" in result.stderr
    run("rebuild")
    run("verify")
    assert status_of(run, "blast")["verdict"]["rating"] == "false"

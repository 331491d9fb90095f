"""`status`, `log` and `export` filters (--tag, --party, --source, --type, --since/--until on the said-at time),
defined once (factlog.filters) and queried in the store."""

import csv
import io
import json
import re

import pytest

import factlog
from factlog.errors import InvalidInput


@pytest.fixture
def story(run):
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency")  # 1
    run("source", "add", "gladkov", "--name", "Vyacheslav Gladkov", "--kind", "official", "--party", "russia")  # 2
    run("source", "add", "butusov", "--name", "Yuriy Butusov", "--kind", "journalist", "--party", "ukraine")  # 3
    run("fact", "add", "blast", "A missile hit the depot", "--tag", "belgorod", "--party", "ukraine",
        "--party", "russia")  # 4
    run("fact", "add", "casualties", "Residents were hurt", "--tag", "belgorod")  # 5
    run("fact", "add", "kyiv", "Forces pull back from Kyiv", "--tag", "kyiv")  # 6
    run("claim", "blast", "--source", "tass", "--at", "2022-03-30T08:00:00Z")  # 7
    run("deny", "casualties", "--source", "gladkov", "--at", "2022-03-30T10:00:00Z")  # 8
    run("claim", "kyiv", "--source", "butusov", "--at", "2022-03-31T09:00:00Z")  # 9
    run("decline", "blast", "--source", "gladkov", "--at", "2022-03-31T12:00:00Z")  # 10
    return run


def seqs(run, *args):
    return [e["seq"] for e in run.json("log", *args)]


def facts(run, *args):
    return [r["fact"] for r in run.json("status", *args)]


def test_log_filters(story):
    assert seqs(story, "--tag", "belgorod") == [4, 5, 7, 8, 10]
    assert seqs(story, "--party", "russia") == [2, 4, 7, 8, 10]  # its source, and the fact tracked for it
    assert seqs(story, "--source", "gladkov") == [2, 8, 10]
    assert seqs(story, "--type", "claim", "--tag", "belgorod") == [7]
    assert seqs(story, "--since", "2022-03-31T00:00:00Z") == [9, 10]  # registrations were not said
    assert seqs(story, "--until", "2022-03-30T09:00:00Z") == [7]
    assert seqs(story, "--since", "2022-03-30T10:00:00Z", "--until", "2022-03-31T09:00:00Z") == [8, 9]  # ends in
    in_tokyo = story.json("--tz", "Asia/Tokyo", "log", "--since", "2022-03-31")  # midnight there: 15:00 UTC
    assert [e["seq"] for e in in_tokyo] == [9, 10]
    table = story("log", "--source", "gladkov").stdout.splitlines()
    assert [line.split()[0] for line in table[2:]] == ["2", "8", "10"]
    assert not re.search(r"\d{4}-\d\d-\d\d", table[2])  # a registration was not said: no said-at time
    assert "2022-03-30" in table[3]


def test_status_keeps_the_facts_with_a_matching_event(story):
    assert facts(story, "--source", "gladkov") == ["blast", "casualties"]
    assert facts(story, "--tag", "kyiv") == ["kyiv"]
    assert facts(story, "--type", "deny") == ["casualties"]
    assert facts(story, "--party", "ukraine") == ["blast", "kyiv"]  # tracked for it; its journalist spoke
    assert facts(story, "--since", "2022-03-31T00:00:00Z") == ["blast", "kyiv"]
    assert facts(story, "--source", "gladkov", "--at-seq", "9") == ["casualties"]  # in the view of the log then
    assert facts(story, "--source", "gladkov", "--valid-at", "2022-03-30T12:00:00Z") == ["casualties"]
    assert facts(story, "--tag", "nothing") == []
    assert "no facts in this view" in story("status", "--tag", "nothing").stdout
    table = story("status", "--tag", "kyiv").stdout.splitlines()
    assert table[2].split()[:2] == ["kyiv", "claimed"] and len(table) == 3


def test_export_filters_the_rows_of_each_view(story):
    stances = list(csv.DictReader(io.StringIO(story("export", "csv", "--view", "stances", "--source",
                                                   "gladkov").stdout)))
    assert [(r["fact"], r["source"]) for r in stances] == [("blast", "gladkov"), ("casualties", "gladkov")]
    beliefs = json.loads(story("export", "json", "--tag", "kyiv").stdout)
    assert [r["fact"] for r in beliefs] == ["kyiv"]
    events = story("export", "jsonl", "--type", "claim").stdout.splitlines()
    assert [json.loads(line)["seq"] for line in events] == [7, 9]
    fast = list(csv.DictReader(io.StringIO(story("export", "csv", "--view", "events", "--party", "ukraine").stdout)))
    assert [int(r["seq"]) for r in fast] == [3, 4, 7, 9, 10]
    report = story("export", "markdown", "--tag", "kyiv").stdout
    assert "Forces pull back from Kyiv" in report and "A missile hit the depot" not in report
    early = list(csv.DictReader(io.StringIO(story("export", "csv", "--view", "stances", "--until",
                                                 "2022-03-30T23:00:00Z").stdout)))
    assert [(r["fact"], r["source"]) for r in early] == [("blast", "tass"), ("casualties", "gladkov")]


@pytest.mark.parametrize("args, words", [
    (["--type", "rumour"], "unknown event type 'rumour'"),
    (["--since", "2022-03-31T00:00:00Z", "--until", "2022-03-30T00:00:00Z"], "--since is later than --until"),
    (["--since", "9999-99-99"], "cannot read '9999-99-99' as a time"),
    (["--until", "2022-03-30T10:00:00"], "has no UTC offset"),
])
@pytest.mark.parametrize("command", [["log"], ["status"], ["export", "csv"]])
def test_bad_filters_are_one_error(story, command, args, words):
    result = story(*command, *args, ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and words in result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_a_time_in_the_year_9999_is_a_bound_like_any_other(story):
    assert seqs(story, "--until", "9999-12-31T23:59:59Z") == [7, 8, 9, 10]
    assert seqs(story, "--since", "9999-12-31T23:59:59Z") == []
    assert seqs(story, "--since", "0001-01-01T00:00:00Z", "--type", "deny") == [8]


def test_the_api_filters_the_same_way(story, db_path):
    with factlog.open_log(db_path) as log:
        where = log.where(party="russia", since="2022-03-30T09:00:00Z")
        assert [e.seq for e in log.events(where=where)] == [8, 10]
        assert [r["fact"] for r in log.status(where=log.where(source="gladkov"))] == ["blast", "casualties"]
        assert [b.fact for b in log.beliefs(where=log.where(tag="kyiv"))] == ["kyiv"]
        assert [r["seq"] for r in log.records(where=log.where(source="tass"))] == [1, 7]
        assert log.where().is_empty and [e.seq for e in log.events(where=log.where())] == list(range(1, 11))
        with pytest.raises(InvalidInput, match="unknown event type"):
            log.where(type="rumour")
        with pytest.raises(InvalidInput, match="later than"):
            log.where(since="2023-01-01T00:00:00Z", until="2022-01-01T00:00:00Z")

"""The write path of the command line, through click's CliRunner on a real SQLite file, and its bad input."""

import getpass
import json
import os
import subprocess
import sys

import pytest

import factlog

pytestmark = pytest.mark.both_backends


def count(path):
    with factlog.open_log(path, create=False) as log:
        return log.store.count()


def wire(path):
    with factlog.open_log(path, create=False) as log:
        return list(log.store.wire_records())


@pytest.fixture
def story(run, db_path):
    """A small log: two sources, one fact with parties, one claim; returns the claim's id."""
    run("source", "add", "butusov", "--name", "Yuriy Butusov", "--kind", "journalist", "--reliability", "C")
    run("source", "add", "gladkov", "--name", "Vyacheslav Gladkov", "--kind", "official", "--party", "russia")
    run("fact", "add", "belgorod-explosion", "Explosions at an arms depot", "--party", "ukraine",
        "--party", "russia")
    return run.id("claim", "belgorod-explosion", "--source", "butusov", "--quote", "It burns",
                  "--at", "2022-03-30T00:30:00+03:00")


def refused(run, db_path, *args, words=None):
    """The command fails as the contract says: one Error line on stderr, exit 1, nothing appended."""
    before = count(db_path) if db_path.exists() else None
    result = run(*args, ok=False)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    if words:
        assert words in lines[0], lines[0]
    if before is not None:
        assert count(db_path) == before
    return lines[0]


# --- every command ----------------------------------------------------------------------------------------


def test_init_creates_an_empty_log(run, db_path):
    assert not db_path.exists()
    result = run("init")
    assert db_path.exists() and count(db_path) == 0
    assert "0 events" in result.stdout
    assert run("init").exit_code == 0  # again: harmless
    assert count(db_path) == 0


def test_source_add_and_list(run, db_path, story):
    rows = run.json("source", "list")
    assert [r["id"] for r in rows] == ["butusov", "gladkov"]
    butusov, gladkov = rows
    assert butusov == {"id": "butusov", "name": "Yuriy Butusov", "kind": "journalist", "party": None,
                       "reliability": "C", "url": None, "seq": 1}
    assert gladkov["kind"] == "official" and gladkov["party"] == "russia" and gladkov["reliability"] is None
    table = run("source", "list").stdout
    assert "Yuriy Butusov" in table and "Vyacheslav Gladkov" in table and "journalist" in table


def test_source_add_lowercase_reliability_and_url(run, db_path):
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency", "--reliability", "b", "--url",
        "https://tass.com")
    [row] = run.json("source", "list")
    assert row["reliability"] == "B" and row["url"] == "https://tass.com"


def test_source_list_on_an_empty_log(run, db_path):
    run("init")
    assert run.json("source", "list") == []
    assert run.json("fact", "list") == []


def test_fact_add_and_list(run, db_path, story):
    run("fact", "add", "belgorod-tochka-u", "A Tochka-U hit the depot", "--tag", "weapon", "--tag", "missile",
        "--occurred-at", "2022-03-30T00:00:00+03:00")
    explosion, tochka = run.json("fact", "list")
    assert explosion["id"] == "belgorod-explosion"
    assert explosion["parties"] == ["ukraine", "russia"] and explosion["status"] == "claimed"
    assert tochka["tags"] == ["weapon", "missile"] and tochka["status"] == "open"
    assert tochka["occurred_at"] == "2022-03-29T21:00:00.000000+00:00"
    assert "A Tochka-U hit the depot" in run("fact", "list").stdout


@pytest.mark.parametrize("kind", ["claim", "confirm", "deny", "decline"])
def test_each_statement_command_appends_its_event(run, db_path, story, kind):
    result = run(kind, "belgorod-explosion", "--source", "gladkov", "--quote", "Words", "--url", "https://x.ru/1",
                 "--at", "2022-03-30T08:00:00+03:00", "--credibility", "2", "--note", "analyst note")
    last = wire(db_path)[-1]
    assert result.stdout.strip() == f"{kind} recorded as event {last['id']} (seq 5)"
    assert last["type"] == kind and last["seq"] == 5
    assert last["data"] == {"fact": "belgorod-explosion", "source": "gladkov", "quote": "Words",
                            "url": "https://x.ru/1", "credibility": 2, "note": "analyst note"}
    assert last["observed_at"] == "2022-03-30T05:00:00.000000+00:00"
    assert last["recorded_by"] == "tester"


def test_statement_without_at_is_observed_when_recorded(run, db_path, story):
    run("claim", "belgorod-explosion", "--source", "gladkov")
    last = wire(db_path)[-1]
    assert last["observed_at"] == last["recorded_at"]
    assert last["data"]["quote"] is None


def test_quiet_prints_only_the_id(run, db_path, story):
    result = run("deny", "belgorod-explosion", "--source", "gladkov", "--quiet")
    assert result.stdout == wire(db_path)[-1]["id"] + "\n"
    assert run("source", "add", "tass", "--name", "TASS", "-q").stdout.strip() == wire(db_path)[-1]["id"]
    assert run("fact", "add", "f2", "Another", "-q").stdout.strip() == wire(db_path)[-1]["id"]


def test_retract_withdraws_a_statement(run, db_path, story):
    result = run("retract", story, "--reason", "misread the video", "--at", "2022-03-31T10:00:00+03:00")
    last = wire(db_path)[-1]
    assert result.stdout.strip() == f"retract recorded as event {last['id']} (seq 5)"
    assert last["type"] == "retract"
    assert last["data"] == {"target": story, "reason": "misread the video"}
    assert run.json("fact", "list")[0]["status"] == "retracted"
    assert run.id("retract", run.id("deny", "belgorod-explosion", "--source", "gladkov")) == wire(db_path)[-1]["id"]


def test_log_lists_every_event_in_order(run, db_path, story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # a wide terminal, so the table keeps ids on one line
    records = run.json("log")
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert [r["type"] for r in records] == ["source-registered", "source-registered", "fact-opened", "claim"]
    assert records[3]["id"] == story
    assert set(records[0]) == {"seq", "id", "type", "version", "recorded_at", "observed_at", "recorded_by", "data",
                               "prev_hash", "hash"}
    table = run("log").stdout
    assert story in table and "It burns" in table and "fact-opened" in table


def test_log_filters(run, db_path, story):
    deny = run.id("deny", "belgorod-explosion", "--source", "gladkov")
    run("fact", "add", "other-fact", "Something else")
    other = run.id("claim", "other-fact", "--source", "butusov")
    assert [r["seq"] for r in run.json("log", "--fact", "belgorod-explosion")] == [3, 4, 5]
    assert [r["id"] for r in run.json("log", "--source", "butusov")] == [wire(db_path)[0]["id"], story, other]
    assert [r["id"] for r in run.json("log", "--type", "claim")] == [story, other]
    assert [r["id"] for r in run.json("log", "--fact", "belgorod-explosion", "--type", "deny")] == [deny]
    assert run.json("log", "--fact", "no-such-fact") == []


def test_log_limit_gives_the_last_n_in_order(run, db_path, story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    ids = [run.id("claim", "belgorod-explosion", "--source", "gladkov") for _ in range(4)]
    assert [r["id"] for r in run.json("log", "--limit", "3")] == ids[-3:]
    assert [r["seq"] for r in run.json("log", "--limit", "3")] == [6, 7, 8]
    assert [r["id"] for r in run.json("log", "--type", "claim", "--source", "gladkov", "--limit", "2")] == ids[-2:]
    assert len(run.json("log", "--limit", "100")) == 8
    table = run("log", "--limit", "2").stdout
    assert table.index(ids[2]) < table.index(ids[3]) and ids[1] not in table


def test_log_limit_must_be_positive(run, db_path, story):
    assert run("log", "--limit", "0", ok=False).exit_code == 2


def test_log_unknown_type(run, db_path, story):
    refused(run, db_path, "log", "--type", "rumour", words="unknown event type 'rumour'")


def test_verify_and_head(run, db_path, story):
    head_line = run("head").stdout.strip()
    digest, seq = head_line.split()
    assert seq == "4" and digest == wire(db_path)[-1]["hash"] and digest.startswith("sha256:")
    assert run("verify").stdout.strip() == f"ok: 4 events, chain intact, head {digest}"
    assert run("verify", "--head", digest).exit_code == 0
    run("claim", "belgorod-explosion", "--source", "gladkov")
    assert run("verify", "--head", digest).exit_code == 0  # an older head stays in the chain


def test_head_of_an_empty_log(run, db_path):
    run("init")
    assert run("head").stdout.strip() == "sha256:" + "0" * 64 + " 0"
    assert run("verify").stdout.startswith("ok: 0 events")


# --- where the log is, who records -------------------------------------------------------------------------


def test_db_option_overrides_the_environment(run, db_path, tmp_path):
    other = tmp_path / "other.db"
    run("--db", other, "source", "add", "tass", "--name", "TASS")
    assert count(other) == 1 and not db_path.exists()
    assert run.json("--db", other, "source", "list")[0]["id"] == "tass"


def test_factlog_db_environment_variable(run, db_path):
    run("source", "add", "tass", "--name", "TASS")  # the fixture sets FACTLOG_DB
    assert count(db_path) == 1


def test_default_log_is_factlog_db_in_the_current_folder(run, tmp_path, monkeypatch):
    monkeypatch.delenv("FACTLOG_DB")
    work = tmp_path / "investigation"
    work.mkdir()
    monkeypatch.chdir(work)
    run("source", "add", "tass", "--name", "TASS")
    assert (work / "factlog.db").exists()
    assert count(work / "factlog.db") == 1
    assert run.json("source", "list")[0]["id"] == "tass"


def test_recorded_by_comes_from_factlog_user(run, db_path, monkeypatch, backend):
    monkeypatch.setenv("FACTLOG_USER", "analyst-anna")
    run("source", "add", "tass", "--name", "TASS")
    # a team log records as the role the server authenticated, whatever the client says
    assert wire(db_path)[-1]["recorded_by"] == ("tester" if backend == "postgres" else "analyst-anna")


def test_recorded_by_falls_back_to_the_login_name(run, db_path, monkeypatch, backend):
    monkeypatch.delenv("FACTLOG_USER")
    monkeypatch.setenv("LOGNAME", "login-lena")  # getpass.getuser reads LOGNAME first
    assert getpass.getuser() == "login-lena"
    run("source", "add", "tass", "--name", "TASS")
    assert wire(db_path)[-1]["recorded_by"] == ("tester" if backend == "postgres" else "login-lena")


def test_tz_makes_a_naive_time_acceptable_and_stores_utc(run, db_path, story):
    run("--tz", "Europe/Kyiv", "deny", "belgorod-explosion", "--source", "gladkov", "--at", "2022-03-30T10:00:00")
    assert wire(db_path)[-1]["observed_at"] == "2022-03-30T07:00:00.000000+00:00"  # Kyiv is UTC+3 in summer


def test_a_time_before_the_year_1000_is_stored_as_iso_8601_and_read_back(run, db_path, story):
    run("fact", "add", "old-chronicle", "An old chronicle names the fortress")
    run("claim", "old-chronicle", "--source", "butusov", "--at", "0988-07-28T12:00:00+00:00")
    assert wire(db_path)[-1]["observed_at"] == "0988-07-28T12:00:00.000000+00:00"  # not "988-07-28..."
    assert run.json("status", "old-chronicle")[0]["status"] == "claimed"
    run("verify")


def test_unknown_tz_is_refused(run, db_path, story):
    refused(run, db_path, "--tz", "Mars/Olympus", "claim", "belgorod-explosion", "--source", "gladkov", "--at",
            "2022-03-30T10:00:00", words="unknown time zone 'Mars/Olympus'")


def test_python_dash_m_factlog_help():
    result = subprocess.run([sys.executable, "-m", "factlog", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "claim" in result.stdout and "verify" in result.stdout


def test_installed_script_reports_errors_in_one_line(tmp_path):
    env = {**os.environ, "FACTLOG_DB": str(tmp_path / "x.db"), "FACTLOG_USER": "tester"}
    result = subprocess.run([sys.executable, "-m", "factlog", "claim", "nope", "--source", "nobody"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


# --- bad input: one Error line, exit 1, nothing appended ----------------------------------------------------


def test_unknown_fact(run, db_path, story):
    refused(run, db_path, "claim", "no-such-fact", "--source", "butusov", words="no fact 'no-such-fact'")


def test_unknown_source(run, db_path, story):
    refused(run, db_path, "claim", "belgorod-explosion", "--source", "nobody", words="no source 'nobody'")


def test_unknown_event_id_for_retract(run, db_path, story):
    refused(run, db_path, "retract", "0190a1b2-0000-7000-8000-000000000000", words="no event")


@pytest.mark.parametrize("bad", ["Bad Id", "a--b", "-a", "a-", "under_score", "a" * 65, ""])
def test_malformed_slug_as_source_id(run, db_path, story, bad):
    # "--" so that click reads "-a" as the argument rather than as an option
    refused(run, db_path, "source", "add", "--name", "X", "--", bad)


@pytest.mark.parametrize("bad", ["Bad Id", "a--b", "-a"])
def test_malformed_slug_as_fact_id_and_party(run, db_path, story, bad):
    refused(run, db_path, "fact", "add", "--", bad, "A statement", words="is not a slug")
    refused(run, db_path, "claim", "--source", "butusov", "--", bad, words="is not a slug")
    refused(run, db_path, "claim", "belgorod-explosion", "--source", bad, words="is not a slug")
    refused(run, db_path, "fact", "add", "good-id", "A statement", "--party", bad, words="is not a slug")
    refused(run, db_path, "source", "add", "good-id", "--name", "X", "--party", bad, words="is not a slug")


@pytest.mark.parametrize("at, words", [
    ("2022-03-30 10:00", "has no UTC offset"),
    ("2022-03-30T10:00:00", "has no UTC offset"),
    ("someday", "cannot read 'someday' as a time"),
    ("2022-13-01T10:00:00+03:00", "cannot read"),
])
def test_naive_or_unparsable_time(run, db_path, story, at, words):
    refused(run, db_path, "claim", "belgorod-explosion", "--source", "butusov", "--at", at, words=words)
    refused(run, db_path, "retract", story, "--at", at, words=words)
    refused(run, db_path, "fact", "add", "f2", "S", "--occurred-at", at, words=words)


@pytest.mark.parametrize("rating", ["G", "Z", "AB", "ABCDEF", "1", "-"])
def test_reliability_outside_a_to_f(run, db_path, story, rating):
    refused(run, db_path, "source", "add", "tass", "--name", "TASS", "--reliability", rating, words="reliability")


@pytest.mark.parametrize("value, words", [
    ("0", "outside 1-6"), ("7", "outside 1-6"), ("-1", "outside 1-6"), ("three", "not a whole number"),
    ("2.5", "not a whole number"), ("", "not a whole number"),
])
def test_credibility_outside_one_to_six(run, db_path, story, value, words):
    refused(run, db_path, "claim", "belgorod-explosion", "--source", "butusov", "--credibility", value, words=words)


def test_duplicate_source_id(run, db_path, story):
    refused(run, db_path, "source", "add", "butusov", "--name", "Another Butusov", words="already exists")


def test_duplicate_fact_id(run, db_path, story):
    refused(run, db_path, "fact", "add", "belgorod-explosion", "Again", words="already exists")


def test_duplicate_id_differing_only_in_width_is_still_a_duplicate(run, db_path, story):
    refused(run, db_path, "source", "add", "ｂｕｔｕｓｏｖ", "--name", "Fullwidth", words="already exists")


@pytest.mark.parametrize("quote", ["", "   ", "\t\n"])
def test_empty_quote(run, db_path, story, quote):
    refused(run, db_path, "claim", "belgorod-explosion", "--source", "butusov", "--quote", quote,
            words="quote must not be empty")


def test_over_long_text_is_refused(run, db_path, story):
    refused(run, db_path, "claim", "belgorod-explosion", "--source", "butusov", "--quote", "x" * 20_001,
            words="the limit is 20,000")
    refused(run, db_path, "source", "add", "tass", "--name", "x" * 501, words="the limit is 500")


def test_empty_name_and_statement(run, db_path, story):
    refused(run, db_path, "source", "add", "tass", "--name", " ", words="name must not be empty")
    refused(run, db_path, "fact", "add", "f2", "", words="statement must not be empty")


def test_retraction_of_something_that_is_not_a_statement(run, db_path, story):
    fact_event = wire(db_path)[2]
    assert fact_event["type"] == "fact-opened"
    refused(run, db_path, "retract", fact_event["id"], words="not a statement")
    refused(run, db_path, "retract", wire(db_path)[0]["id"], words="not a statement")


def test_retraction_of_a_retraction(run, db_path, story):
    retraction = run.id("retract", story)
    refused(run, db_path, "retract", retraction, words="not a statement")


def test_retraction_of_an_already_retracted_statement(run, db_path, story):
    run("retract", story)
    refused(run, db_path, "retract", story, words="already retracted")


def test_retraction_before_the_statement_it_withdraws(run, db_path, story):
    refused(run, db_path, "retract", story, "--at", "2022-03-29T00:00:00+03:00", words="before the statement")


@pytest.mark.parametrize("kind", ["bogus", "Official", ""])
def test_unknown_kind(run, db_path, story, kind):
    refused(run, db_path, "source", "add", "tass", "--name", "TASS", "--kind", kind, words="kind")


@pytest.mark.parametrize("command", [["status"], ["log"], ["source", "list"], ["fact", "list"], ["verify"],
                                     ["head"]])
def test_read_command_on_a_missing_log(run, db_path, command):
    line = refused(run, db_path, *command, words="no log at")
    assert str(db_path) in line
    assert not db_path.exists()


def test_log_in_a_folder_that_does_not_exist(run, db_path, tmp_path):
    missing = tmp_path / "no-such-folder" / "x.db"
    refused(run, db_path, "--db", missing, "source", "add", "tass", "--name", "TASS", words="does not exist")
    refused(run, db_path, "--db", missing, "init", words="does not exist")
    assert not missing.parent.exists()


def test_a_file_that_is_not_a_log_is_left_untouched(run, db_path, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_bytes(b"just some notes, not SQLite at all" * 100)
    refused(run, db_path, "--db", other, "source", "add", "tass", "--name", "TASS")
    assert other.read_bytes() == b"just some notes, not SQLite at all" * 100


def test_missing_required_option_is_a_usage_error(run, db_path, story):
    result = run("claim", "belgorod-explosion", ok=False)
    assert result.exit_code == 2 and "--source" in result.stderr
    assert count(db_path) == 4


def test_every_command_has_help(run):
    from factlog.cli import cli

    def walk(group, path):
        for name, command in group.commands.items():
            yield [*path, name], command
            if hasattr(command, "commands"):
                yield from walk(command, [*path, name])

    for path, command in walk(cli, []):
        assert command.help and command.help.strip(), path
        result = run(*path, "--help")
        assert "Usage:" in result.stdout, path


def test_retract_takes_a_unique_prefix_of_the_event_id(run):
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency")
    run("fact", "add", "belgorod-soldiers-hurt", "Four servicemen were hurt")
    first = run.id("claim", "belgorod-soldiers-hurt", "--source", "tass", "--at", "2022-03-30T09:00:00+03:00")
    second = run.id("claim", "belgorod-soldiers-hurt", "--source", "tass", "--at", "2022-03-30T10:00:00+03:00")
    common = next(i for i, (a, b) in enumerate(zip(first, second)) if a != b)
    if common >= 8:  # both ids share a prefix of 8+ characters: it names neither
        ambiguous = run("retract", first[:common], ok=False)
        assert ambiguous.exit_code == 1 and "ambiguous" in ambiguous.stderr
    prefix = second[:max(common + 1, 8)]
    retraction = run.id("retract", prefix, "--reason", "withdrawn")
    [event] = [e for e in run.json("log", "--type", "retract") if e["id"] == retraction]
    assert event["data"]["target"] == second
    too_short = run("retract", second[:7], ok=False)
    assert too_short.exit_code == 1 and "is too short" in too_short.stderr
    assert len(run.json("log")) == 5


def test_retract_of_an_id_that_is_not_text_is_one_error(run):
    result = run("retract", "\udcff" * 9, ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1

"""Event references (DESIGN "Event references, ids and times"): a bare number is a seq, a full id always wins, a
unique prefix of 8+ characters names its event, an ambiguous reference lists its candidates with their seq."""

import pytest

import factlog
from factlog import events as ev
from factlog.errors import InvalidInput, NotFound

WHEN = "2022-03-30T09:00:00.000000+00:00"
# ids that share their first 22 characters (as a batch of UUIDv7 of the same millisecond nearly does)
TWINS = ["0190aaaa-0000-7000-8000-000000000001", "0190aaaa-0000-7000-8000-000000000002"]
NUMERIC = "12345678-0000-7000-8000-000000000003"  # starts with 8 digits: also readable as a seq


def record(event_id, type_, data, when=WHEN):
    return {"id": event_id, "type": type_, "version": 1, "recorded_at": when, "observed_at": when,
            "recorded_by": "tester", "data": data}


def claim(event_id):
    return record(event_id, "claim", {"fact": "blast", "source": "tass"})


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "refs.db"
    with factlog.open_log(path, user="tester") as log:
        log.import_records(enumerate([
            record("0190a000-0000-7000-8000-00000000000a", "source-registered",
                   {"source": "tass", "name": "TASS", "kind": "agency"}),
            record("0190a000-0000-7000-8000-00000000000b", "fact-opened", {"fact": "blast", "statement": "A blast"}),
            claim(TWINS[0]), claim(TWINS[1]), claim(NUMERIC),
        ], start=1))
    return path


def seqs(run):
    return {e["id"]: e["seq"] for e in run.json("log")}


def test_a_bare_number_is_the_seq_in_this_log(run, db_path, log_file):
    run("--db", log_file, "retract", "4", "--reason", "withdrawn")
    with factlog.open_log(log_file) as log:
        [retraction] = log.events(type="retract")
        assert retraction.target == TWINS[1]
        assert log.resolve_event(3) == TWINS[0] == log.resolve_event(" 3 ")  # the API takes an int or text


def test_a_full_id_and_a_unique_prefix_name_their_event(log_file):
    with factlog.open_log(log_file) as log:
        assert log.resolve_event(TWINS[1]) == TWINS[1]
        assert log.resolve_event(TWINS[1][:-1] + "2") == TWINS[1]
        assert log.resolve_event("0190a000-0000-7000-8000-00000000000b") .startswith("0190a000")
        assert log.resolve_event("12345678-0") == NUMERIC
        assert log.resolve_event(TWINS[1].upper()[:36]) == TWINS[1]  # typed in capitals


def test_an_ambiguous_prefix_lists_the_candidates_with_their_seq(run, log_file):
    result = run("--db", log_file, "retract", TWINS[0][:30], ok=False)
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("Error: event reference '0190aaaa-0000-7000-8000-000000' is ambiguous")
    assert f"seq 3 ({TWINS[0]})" in result.stderr and f"seq 4 ({TWINS[1]})" in result.stderr
    with factlog.open_log(log_file) as log:
        with pytest.raises(InvalidInput, match="ambiguous"):
            log.resolve_event("0190aaaa")
        assert log.count() == 5  # nothing appended


def test_a_number_that_is_also_a_prefix_is_ambiguous_only_when_both_name_an_event(log_file):
    with factlog.open_log(log_file) as log:
        assert log.resolve_event("12345678") == NUMERIC  # no seq 12345678 in a log of 5 events
        assert log.resolve_event("00000004") == TWINS[1]  # no id starts with it: the seq


def test_an_exact_id_wins_over_a_seq(tmp_path):
    with factlog.open_log(tmp_path / "legacy.db", user="tester") as log:
        log.add_source("tass", "TASS", kind="agency")
        log.open_fact("blast", "A blast")
        log.claim("blast", "tass")
        # an id from before ids were UUIDs (only import refuses them): "3" is that event, not the one at seq 3
        legacy = ev.structure({"id": "3", "recorded_at": WHEN, "observed_at": WHEN, "recorded_by": "old",
                               "fact": "blast", "source": "tass"}, ev.Claim)
        log.store.append(legacy)
        assert log.resolve_event("3") == "3"
        assert log.resolve_event(3) != "3"  # an int is always a seq


@pytest.mark.parametrize("given, error", [
    ("0", "Error: there is no event at seq 0: seqs start at 1"),
    ("-- -1", "Error: there is no event at seq -1: seqs start at 1"),
    ("6", "Error: no event at seq 6: the log has 5 events"),
    ("9" * 40, "Error: no event at seq 9999999999999999999999999999999999999999: the log has 5 events"),
    ("0190aaa", "Error: event reference '0190aaa' is too short: give the event's seq, its full id or at least 8"
                " characters of its id"),
    ("ffffffff", "Error: no event 'ffffffff' in the log"),
    ("''", "Error: no event named: give its seq, its id or at least 8 characters of its id"),
])
def test_bad_references_are_one_error_and_append_nothing(run, log_file, given, error):
    args = given.split(" ") if given.startswith("--") else ["" if given == "''" else given]
    result = run("--db", log_file, "retract", *args, ok=False)
    assert result.exit_code == 1 and result.stderr == error + "\n"
    with factlog.open_log(log_file) as log:
        assert log.count() == 5


def test_a_negative_number_without_dashes_is_a_usage_error(run, log_file):
    result = run("--db", log_file, "retract", "-1", ok=False)
    assert result.exit_code == 2


@pytest.mark.parametrize("given", [0, -1, 10**30, True, 3.0, None])
def test_the_api_refuses_what_names_no_event(log_file, given):
    with factlog.open_log(log_file) as log:
        with pytest.raises((InvalidInput, NotFound)):
            log.retract(given)
        assert log.count() == 5


def test_tables_show_the_seq_of_each_event(run, log_file):
    run("--db", log_file, "retract", "5", "--reason", "a mistaken claim")
    env_run = lambda *a: run("--db", log_file, *a).stdout  # noqa: E731
    assert env_run("log").splitlines()[0].split()[0] == "seq"
    assert env_run("history", "blast").splitlines()[0].split()[0] == "seq"
    assert "seq 4" in env_run("why", "blast")
    found = env_run("search", "mistaken")
    assert found.splitlines()[0].split()[0] == "seq" and found.splitlines()[2].split()[0] == "6"

"""`factlog push` / `factlog pull`: copying the events another log lacks (all or nothing, twice changes nothing),
and the merge by slug that import, push and pull share (DESIGN "Merging two analysts' logs")."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

import factlog
from factlog.events import content_of
from factlog.testing import build_sample_log, invoke
from factlog.testing import status as status_of


@pytest.fixture
def sample(tmp_path):
    return build_sample_log(tmp_path / "sample.db")


def events(path):
    return json.loads(invoke(path, "log", "--json"))


def head(path):
    return invoke(path, "head").decode()


def beliefs(rows):
    """What is believed, whatever the positions: ``updated_seq`` differs between two merged logs."""
    return sorted(({k: v for k, v in row.items() if k != "updated_seq"} for row in rows), key=lambda r: r["fact"])


def cli(path, *args):
    from click.testing import CliRunner

    from factlog.cli import cli as root

    return CliRunner().invoke(root, ["--db", str(path), *map(str, args)], catch_exceptions=False)


def test_push_into_a_new_log_copies_it_whole(sample, tmp_path):
    team = tmp_path / "team.db"
    count = len(events(sample))
    result = cli(sample, "push", team)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == f"pushed {count} new events to {team} (seq 1-{count} there); 0 already there\n"
    assert status_of(team) == status_of(sample)
    # the same events in the same order into an empty log: the same chain, the same export, byte for byte
    assert head(team) == head(sample)
    assert invoke(team, "export", "jsonl") == invoke(sample, "export", "jsonl")


def test_pushing_or_pulling_twice_changes_nothing(sample, tmp_path):
    team = tmp_path / "team.db"
    cli(sample, "push", team)
    before = head(team), head(sample)
    count = len(events(sample))
    assert cli(sample, "push", team).stdout == f"pushed 0 new events to {team}; {count} already there\n"
    assert cli(sample, "pull", team).stdout == f"pulled 0 new events from {team}; {count} already in the log\n"
    assert (head(team), head(sample)) == before


def test_pull_creates_this_log_and_reads_the_other_only(sample, tmp_path, run, db_path):
    mtime = os.stat(sample).st_mtime_ns
    result = run("pull", sample)
    count = len(events(sample))
    assert result.stdout == f"pulled {count} new events from {sample} (seq 1-{count}); 0 already in the log\n"
    assert run.json("status") == status_of(sample)
    assert os.stat(sample).st_mtime_ns == mtime


def diverge(sample, tmp_path, run):
    """Bob (the ``run`` log) starts from Alice's log as it was at seq 20; each then records on their own."""
    (tmp_path / "start.jsonl").write_bytes(invoke(sample, "export", "jsonl", "--at-seq", "20"))
    run("import", tmp_path / "start.jsonl")
    run("source", "add", "bbc", "--name", "BBC", "--kind", "media", "--at", "2022-03-30T13:00:00+00:00")
    run("claim", "belgorod-explosion", "--source", "bbc", "--quote", "Footage shows a fire at the depot",
        "--at", "2022-03-30T13:00:00+00:00")
    invoke(sample, "deny", "belgorod-soldiers-hurt", "--source", "gladkov", "--quote", "Nobody was hurt",
           "--at", "2022-03-30T14:00:00+00:00")


def test_two_analysts_who_diverged_end_with_the_same_log_contents(sample, tmp_path, run, db_path):
    diverge(sample, tmp_path, run)
    alice_count, bob_count = len(events(sample)), len(events(db_path))
    result = run("push", sample)
    assert result.stdout == (f"pushed 2 new events to {sample} (seq {alice_count + 1}-{alice_count + 2} there);"
                             f" {bob_count - 2} already there\n")
    result = run("pull", sample)
    assert result.stdout == (f"pulled {alice_count - 20} new events from {sample} (seq {bob_count + 1}-"
                             f"{bob_count + alice_count - 20}); {bob_count} already in the log\n")
    by_id = {e["id"]: content_of(e) for e in events(sample)}
    assert sorted(by_id) == sorted(e["id"] for e in events(db_path))
    assert all(by_id[e["id"]] == content_of(e) for e in events(db_path))
    assert beliefs(status_of(sample)) == beliefs(run.json("status"))
    for path in (sample, db_path):
        assert invoke(path, "verify").startswith(b"ok")
        now = status_of(path)
        invoke(path, "rebuild")
        assert status_of(path) == now  # the live projections were right straight after the copy


def test_the_shared_start_of_two_logs_is_not_asked_about(sample, tmp_path, run, db_path, monkeypatch):
    from factlog.store.base import LogStore

    diverge(sample, tmp_path, run)
    asked: list[str] = []
    original = LogStore.contents_by_ids

    def counting(self, ids):
        asked.extend(ids)
        return original(self, ids)

    monkeypatch.setattr(LogStore, "contents_by_ids", counting)
    run("push", sample)
    # the first 20 events are the same chain in both logs: only Bob's own events are looked up
    assert len(asked) == len(events(db_path)) - 20
    asked.clear()
    run("push", tmp_path / "copy.db")  # into a new log: it lacks everything, nothing to ask
    run("push", tmp_path / "copy.db")  # the same chain now: nothing to ask
    invoke(db_path, "claim", "belgorod-explosion", "--source", "bbc", "--at", "2022-03-30T15:00:00+00:00")
    run("push", tmp_path / "copy.db")  # it holds the start of this chain: the new event is sent unasked
    assert asked == []
    assert len(events(tmp_path / "copy.db")) == len(events(db_path))
    assert head(tmp_path / "copy.db") == head(db_path)
    run("push", tmp_path / "copy.db")
    shutil.copy(sample, tmp_path / "alice-copy.db")
    run("push", tmp_path / "alice-copy.db")  # Alice's copy holds what Bob lacks: ask about Bob's own events
    assert len(asked) == len(events(db_path)) - 20


def register_both(tmp_path, alice_kind="agency", bob_name="PAP"):
    """Alice and Bob each register the source pap and the fact blast on their own (other ids, times, users)."""
    alice, bob = tmp_path / "alice.db", tmp_path / "bob.db"
    with factlog.open_log(alice, user="alice") as log:
        log.add_source("pap", "PAP", alice_kind, reliability="B")
        log.open_fact("blast", "A blast at the depot", parties=["russia"], tags=["belgorod"])
        log.claim("blast", "pap", quote="A blast was heard", at="2022-03-30T06:00:00+00:00")
    with factlog.open_log(bob, user="bob") as log:
        log.add_source("pap", bob_name, "agency", reliability="B")
        log.open_fact("blast", "A blast at the depot", parties=["russia"], tags=["belgorod"])
        log.deny("blast", "pap", quote="There was no blast", at="2022-03-30T07:00:00+00:00")
    return alice, bob


def test_a_slug_registered_with_the_same_data_on_both_sides_merges(tmp_path):
    alice, bob = register_both(tmp_path)
    result = cli(bob, "pull", alice)
    # Alice's two registrations are known (Bob has pap and blast), her claim attaches to Bob's pap and blast
    assert result.stdout == f"pulled 1 new event from {alice} (seq 4); 2 already in the log\n"
    assert [e["type"] for e in events(bob)] == ["source-registered", "fact-opened", "deny", "claim"]
    [row] = status_of(bob)
    assert row["status"] == "denied" and row["sources"] == {"pap": "denies"}  # the later statement stands
    assert cli(bob, "pull", alice).stdout == f"pulled 0 new events from {alice}; 3 already in the log\n"
    assert cli(alice, "pull", bob).stdout == f"pulled 1 new event from {bob} (seq 4); 3 already in the log\n"
    assert beliefs(status_of(alice)) == beliefs(status_of(bob))


def test_a_slug_registered_with_other_data_is_refused_naming_each_field(tmp_path):
    alice, bob = register_both(tmp_path, alice_kind="media", bob_name="Polish Press Agency")
    before = head(alice), head(bob)
    result = cli(bob, "pull", alice)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (f"Error: seq 1 of {alice}: source 'pap' is already registered with different data: "
                             "name 'Polish Press Agency' (registered) vs 'PAP' (incoming); kind 'agency' "
                             "(registered) vs 'media' (incoming)\n")
    result = cli(alice, "push", bob)
    assert result.exit_code == 1 and "source 'pap' is already registered with different data" in result.stderr
    assert (head(alice), head(bob)) == before  # nothing appended on either side


def test_a_fact_registered_with_other_data_names_lists_and_times(tmp_path):
    alice, bob = tmp_path / "alice.db", tmp_path / "bob.db"
    with factlog.open_log(alice, user="alice") as log:
        log.open_fact("blast", "A blast", parties=["russia", "ukraine"], occurred_at="2022-03-30T05:00:00+00:00")
    with factlog.open_log(bob, user="bob") as log:
        log.add_source("tass", "TASS", "agency")
        log.open_fact("blast", "A blast", parties=["russia"])
    result = cli(bob, "pull", alice)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: seq 1 of {alice}: fact 'blast' is already registered with different data: "
                             "parties ['russia'] (registered) vs ['russia', 'ukraine'] (incoming); occurred_at none "
                             "(registered) vs 2022-03-30T05:00:00.000000+00:00 (incoming)\n")
    assert len(events(bob)) == 2


def test_a_later_refusal_leaves_the_receiver_as_it_was(tmp_path):
    alice, bob = register_both(tmp_path)
    with factlog.open_log(alice, user="alice") as log:
        log.add_source("bbc", "BBC", "media")
        log.claim("blast", "bbc", at="2022-03-30T08:00:00+00:00")
        log.open_fact("fire", "A fire")
    with factlog.open_log(bob, user="bob") as log:
        log.open_fact("fire", "A fire at the depot")
    before = head(bob)
    result = cli(bob, "pull", alice)
    assert result.exit_code == 1 and "fact 'fire' is already registered with different data" in result.stderr
    assert "seq 6 of" in result.stderr
    assert head(bob) == before and "bbc" not in invoke(bob, "source", "list").decode()


def test_import_merges_by_slug_too(tmp_path):
    alice, bob = register_both(tmp_path)
    export = tmp_path / "alice.jsonl"
    export.write_bytes(invoke(alice, "export", "jsonl"))
    assert cli(bob, "import", export).stdout == "imported 1 new event (seq 4-4); 2 already in the log\n"
    assert cli(bob, "import", export).stdout == "imported 0 new events; 3 already in the log\n"
    (tmp_path / "other").mkdir()
    other, _ = register_both(tmp_path / "other", alice_kind="media")
    export.write_bytes(invoke(other, "export", "jsonl"))
    result = cli(bob, "import", export)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: line 1: event ")
    assert "kind 'agency' (registered) vs 'media'" in result.stderr


def test_recording_a_slug_twice_is_still_refused(tmp_path, run):
    run("source", "add", "pap", "--name", "PAP")
    result = run("source", "add", "pap", "--name", "PAP", ok=False)
    assert result.exit_code == 1 and result.stderr == "Error: source 'pap' already exists\n"


def test_an_event_id_with_other_content_is_refused(sample, tmp_path):
    team = tmp_path / "team.db"
    records = [json.loads(line) for line in invoke(sample, "export", "jsonl").splitlines()]
    claim = next(i for i, r in enumerate(records) if r["type"] == "claim")
    records[claim]["data"]["quote"] = "Something else entirely"
    for record in records:
        record["hash"] = record["prev_hash"] = None
    (tmp_path / "edited.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[:claim + 1]))
    cli(team, "import", tmp_path / "edited.jsonl")
    before = head(team)
    result = cli(sample, "push", team)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: seq {claim + 1} of {sample}: event {records[claim]['id']} is already in the "
                             "log with different content; refused\n")
    assert head(team) == before


def test_an_event_changed_in_the_sending_file_is_not_copied(sample, tmp_path):
    conn = sqlite3.connect(sample, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET data = json_set(data, '$.quote', 'forged') WHERE seq = 12")
    conn.close()
    [forged] = [e for e in events(sample) if e["seq"] == 12]
    result = cli(sample, "push", tmp_path / "team.db")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: seq 12 of {sample}: event {forged['id']} does not match its hash: that log "
                             "was changed outside factlog\n")
    assert events(tmp_path / "team.db") == []


def test_bad_locations(sample, tmp_path, run, db_path):
    result = cli(sample, "pull", tmp_path / "nowhere.db")
    assert result.exit_code == 1 and result.stderr == f"Error: no log at {tmp_path / 'nowhere.db'}\n"
    assert not (tmp_path / "nowhere.db").exists()
    result = cli(sample, "push", sample)
    assert result.exit_code == 1 and result.stderr == f"Error: {sample} is this log itself\n"
    os.symlink(sample, tmp_path / "alias.db")
    result = cli(sample, "pull", tmp_path / "alias.db")
    assert result.exit_code == 1 and result.stderr == f"Error: {tmp_path / 'alias.db'} is this log itself\n"
    (tmp_path / "notes.txt").write_text("not a log")
    result = cli(sample, "push", tmp_path / "notes.txt")
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    conn = sqlite3.connect(tmp_path / "other.sqlite")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    result = cli(sample, "pull", tmp_path / "other.sqlite")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tmp_path / 'other.sqlite'} is an SQLite file but not a factlog log; it was"
                             " left untouched\n")
    result = run("push", sample, ok=False)  # this log does not exist: push reads it
    assert result.exit_code == 1 and result.stderr.startswith("Error: no log at")
    assert not db_path.exists()
    assert cli(sample, "push").exit_code == 2


def test_a_server_password_is_never_printed():
    from factlog.sync import shown

    assert shown("postgresql://ana:s3cr%40t@db.example.org:5432/news?log=belgorod") == \
        "postgresql://ana:***@db.example.org:5432/news?log=belgorod"
    assert shown("postgresql://db.example.org/news?user=ana&password=s3cret&log=x") == \
        "postgresql://db.example.org/news?user=ana&password=***&log=x"
    assert shown("postgresql://ana@db/news") == "postgresql://ana@db/news"
    assert shown("team.db") == "team.db"


def test_the_api_verbs_take_an_open_log(sample, tmp_path):
    with factlog.open_log(tmp_path / "team.db") as team, factlog.open_log(sample) as mine:
        assert mine.push(team) == (len(events(sample)), 0)
        assert team.pull(mine) == (0, len(events(sample)))
        with pytest.raises(factlog.errors.InvalidInput, match="is this log itself"):
            mine.push(mine)


@pytest.mark.slow
def test_push_in_a_real_process_prints_no_progress_bar_when_piped(sample, tmp_path):
    team = tmp_path / "team.db"
    done = subprocess.run([sys.executable, "-m", "factlog", "--db", str(sample), "push", str(team)],
                          capture_output=True, text=True, timeout=120)
    count = len(events(sample))
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == f"pushed {count} new events to {team} (seq 1-{count} there); 0 already there\n"
    done = subprocess.run([sys.executable, "-m", "factlog", "--db", str(team), "pull", str(tmp_path / "no.db")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr == f"Error: no log at {tmp_path / 'no.db'}\n"


def test_progress_counts_events_on_a_terminal(sample, tmp_path, monkeypatch):
    from factlog.cli import transfer

    bars = []

    class Shown(transfer.Progress):
        DELAY = EVERY = 0

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "enabled": True})
            bars.append(self)

    monkeypatch.setattr(transfer, "Progress", Shown)
    result = cli(sample, "push", tmp_path / "team.db")
    assert result.exit_code == 0
    [bar] = bars
    assert bar.unit == "events" and bar.total == bar.done == len(events(sample))


def test_a_statement_both_analysts_retracted_merges(tmp_path):
    """Both record the source's withdrawal of a statement they share: each log keeps both retractions (merged by
    id), the first in the log withdraws it, and either order gives the same beliefs."""
    alice, bob = register_both(tmp_path)
    assert cli(bob, "pull", alice).exit_code == 0
    [claim] = [e["id"] for e in events(bob) if e["type"] == "claim"]
    assert cli(alice, "retract", claim, "--reason", "PAP withdrew it", "--at", "2022-03-30T09:00:00Z").exit_code == 0
    assert cli(bob, "retract", claim, "--reason", "withdrawn", "--at", "2022-03-30T10:00:00Z").exit_code == 0
    a_into_b, b_into_a = tmp_path / "ab.db", tmp_path / "ba.db"
    shutil.copy(bob, a_into_b)
    shutil.copy(alice, b_into_a)
    assert cli(a_into_b, "pull", alice).stdout.startswith("pulled 1 new event")
    assert cli(b_into_a, "pull", bob).stdout.startswith("pulled 2 new events")  # Bob's deny and retraction
    for clock in ([], ["--valid-at", "2022-03-30T09:30:00Z"], ["--valid-at", "2022-03-30T08:00:00Z"]):
        assert beliefs(status_of(a_into_b, *clock)) == beliefs(status_of(b_into_a, *clock)), clock
    assert [e["type"] for e in events(a_into_b)].count("retract") == 2
    assert invoke(a_into_b, "verify").startswith(b"ok")
    imported = tmp_path / "imported.db"  # import merges the same way
    shutil.copy(bob, imported)
    (tmp_path / "alice.jsonl").write_bytes(invoke(alice, "export", "jsonl"))
    assert cli(imported, "import", tmp_path / "alice.jsonl").stdout.startswith("imported 1 new event")
    assert beliefs(status_of(imported)) == beliefs(status_of(a_into_b))
    result = cli(a_into_b, "retract", claim)  # recording a third withdrawal by hand is still refused
    assert result.exit_code == 1 and "is already retracted" in result.stderr


ORDERS = {
    "each pushes, then each pulls": [("alice", "push"), ("bob", "push"), ("alice", "pull"), ("bob", "pull")],
    "one pulls the other, then the team pulls": [("bob", "pull", "alice"), ("team", "pull", "bob"),
                                                 ("alice", "pull", "team")],
}


@pytest.mark.slow
@pytest.mark.parametrize("order", ORDERS)
def test_two_laptops_and_a_team_log_end_with_the_same_beliefs_in_any_order(sample, tmp_path, run, db_path,
                                                                           pg_server, order):
    """Issue 11's "Done when": two analysts on two SQLite logs and a team log on PostgreSQL, merged with push and
    pull in either order, believe the same; each log verifies and its live projections equal a rebuild."""
    diverge(sample, tmp_path, run)
    logs = {"alice": str(sample), "bob": str(db_path), "team": pg_server.url(log=f"merge-{os.getpid()}-{len(order)}")}
    invoke(logs["team"], "source", "add", "bbc", "--name", "BBC", "--kind", "media")  # the team registered it too
    for step in ORDERS[order]:
        who, verb, *other = step
        invoke(logs[who], verb, logs[other[0] if other else "team"])
    if order == "one pulls the other, then the team pulls":
        invoke(logs["bob"], "pull", logs["team"])
    believed = [beliefs(status_of(location)) for location in logs.values()]
    assert believed[0] == believed[1] == believed[2]
    for location in logs.values():
        assert invoke(location, "verify").startswith(b"ok")
        now = status_of(location)
        invoke(location, "rebuild")
        assert status_of(location) == now

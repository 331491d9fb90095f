"""Issue 13's store items: a log without its immutability triggers is refused by writers; an event appended by
another program with a valid chain hash but content factlog would never write is caught by ``verify`` and
named by every read that meets it; projection tables edited by another program are caught by ``verify`` and
never change what appends write; only UUIDs are taken as event ids."""

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import factlog
from factlog import events as ev
from factlog.store import chain_hash

STORY_EVENTS = 6


@pytest.fixture
def story(tmp_path):
    path = tmp_path / "story.db"
    with factlog.open_log(path, user="tester") as log:
        log.add_source("butusov", "Yuriy Butusov", kind="journalist", reliability="C")
        log.add_source("gladkov", "Vyacheslav Gladkov", kind="official", party="russia")
        log.open_fact("blast", "Explosions at an arms depot", parties=["ukraine", "russia"])
        log.claim("blast", "butusov", quote="The depot is burning", at="2022-03-30T00:30:00+03:00")
        log.deny("blast", "gladkov", quote="Nothing happened", at="2022-03-30T08:00:00+03:00")
        log.open_fact("quiet", "A second fact")
    return path


def cli(path, *args):
    from click.testing import CliRunner

    from factlog.cli import cli as command

    return CliRunner().invoke(command, ["--db", str(path), *map(str, args)], catch_exceptions=False)


def one_error_line(result, code=1) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.output, result.stderr
    return lines[0]


def count(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()


# --- 3. a log without its triggers ------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["events_no_update", "events_no_delete", "events_no_overwrite",
                                     "events_chain_link"])
@pytest.mark.parametrize("write", [["claim", "blast", "--source", "butusov"], ["source", "add", "x", "--name", "X"],
                                   ["fact", "add", "f2", "Another"]])
def test_a_writer_refuses_a_log_whose_triggers_were_dropped(story, trigger, write):
    conn = sqlite3.connect(story)
    conn.execute(f"DROP TRIGGER {trigger}")
    conn.commit()
    conn.close()
    line = one_error_line(cli(story, *write))
    assert "immutability triggers were removed" in line and trigger in line
    assert count(story) == STORY_EVENTS
    assert trigger in one_error_line(cli(story, "verify"), code=3)


# --- 4. poison events --------------------------------------------------------------------------------------


def append_raw(path, kind, data, fact=None, source=None, target=None):
    """Append the next row as another program could: a correct chain hash, content factlog would not write."""
    conn = sqlite3.connect(path, isolation_level=None)
    seq, prev = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    seq += 1
    fields = (ev.new_event_id(), kind, 1, "2022-04-01T00:00:00.000000+00:00", "2022-04-01T00:00:00.000000+00:00",
              "mallory", json.dumps(data, sort_keys=True, separators=(",", ":")))
    conn.execute("INSERT INTO events (seq, id, type, version, recorded_at, observed_at, recorded_by, data, prev_hash,"
                  " hash, fact, source, target) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  (seq, *fields, prev, chain_hash(prev, seq, *fields), fact, source, target))
    conn.close()
    return seq, fields[0]


POISONS = {
    "unknown source": lambda path: append_raw(path, "claim", {"fact": "blast", "source": "nobody"}, "blast", "nobody"),
    "unknown fact": lambda path: append_raw(path, "claim", {"fact": "ghost", "source": "butusov"}, "ghost", "butusov"),
    "retraction of a registration": lambda path: append_raw(
        path, "retract", {"target": registration_id(path)}, None, "butusov", registration_id(path)),
    "unknown type": lambda path: append_raw(path, "rumour", {"fact": "blast"}, "blast"),
    "retraction of nothing": lambda path: append_raw(
        path, "retract", {"target": ev.new_event_id()}, None, None, None),
    "a second registration": lambda path: append_raw(
        path, "source-registered", {"source": "butusov", "name": "Someone else", "kind": "other"}, None, "butusov"),
}


def registration_id(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id FROM events WHERE type = 'source-registered' ORDER BY seq").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("poison", POISONS)
def test_verify_names_the_first_event_factlog_would_not_append(story, poison):
    seq, _ = POISONS[poison](story)
    line = one_error_line(cli(story, "verify"), code=3)
    assert f"seq {seq}" in line


@pytest.mark.parametrize("poison", POISONS)
@pytest.mark.parametrize("command", [["why", "blast"], ["history", "blast"], ["status"], ["status", "--at-seq", "99"],
                                     ["claim", "blast", "--source", "butusov"], ["rebuild"], ["export", "csv"],
                                     ["log"], ["replay"]])
def test_every_read_and_write_that_meets_a_poison_event_fails_in_one_line_or_ignores_it(story, poison, command):
    POISONS[poison](story)
    before = count(story)
    result = cli(story, *command)
    if result.exit_code != 0:
        one_error_line(result, code=result.exit_code)
    assert "Traceback" not in result.output
    if command[0] == "claim" and result.exit_code != 0:
        assert count(story) == before


# --- 5. edited projection tables --------------------------------------------------------------------------

EDITS = st.sampled_from([
    ("sources", "name", "'Someone'"), ("sources", "kind", "'official'"), ("sources", "party", "'ukraine'"),
    ("sources", "reliability", "'A'"), ("sources", "url", "'http://x'"), ("sources", "seq", "seq + 1"),
    ("facts", "statement", "'Nothing happened'"), ("facts", "parties", "'[]'"), ("facts", "tags", "'[\"x\"]'"),
    ("facts", "occurred_at", "'2022-01-01T00:00:00.000000+00:00'"), ("facts", "opened_seq", "opened_seq + 1"),
    ("beliefs", "status", "'confirmed'"), ("beliefs", "label", "'confirmed: by everyone'"),
    ("beliefs", "parties", "'{}'"), ("beliefs", "sources", "'{}'"), ("beliefs", "updated_seq", "updated_seq + 1"),
    ("beliefs", "statement_count", "statement_count + 1"), ("beliefs", "standing_count", "standing_count + 1"),
    ("beliefs", "withdrawn_count", "withdrawn_count + 1"), ("beliefs", "statement", "'Reworded'"),
    ("stances", "stance", "'asserts'"), ("stances", "type", "'confirm'"), ("stances", "quote", "'Invented'"),
    ("stances", "url", "'http://x'"), ("stances", "observed_at", "'2022-01-01T00:00:00.000000+00:00'"),
    ("stances", "event_id", "'x'"), ("projection_state", "last_seq", "1"),
])


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edit=EDITS, row=st.integers(min_value=0, max_value=5))
def test_verify_catches_any_single_field_edit_of_a_projection_table(tmp_path_factory, edit, row):
    path = tmp_path_factory.mktemp("edit") / "log.db"
    with factlog.open_log(path, user="tester") as log:
        log.add_source("butusov", "Yuriy Butusov", kind="journalist", reliability="C")
        log.add_source("gladkov", "Vyacheslav Gladkov", kind="official", party="russia")
        log.open_fact("blast", "Explosions at an arms depot", parties=["ukraine", "russia"])
        log.claim("blast", "butusov", quote="The depot is burning", at="2022-03-30T00:30:00+03:00")
        log.deny("blast", "gladkov", quote="Nothing happened", at="2022-03-30T08:00:00+03:00")
    table, column, value = edit
    conn = sqlite3.connect(path, isolation_level=None)
    rowids = [r[0] for r in conn.execute(f"SELECT rowid FROM {table} ORDER BY rowid")]
    changed = conn.execute(f"UPDATE {table} SET {column} = {value} WHERE rowid = ? AND {column} IS NOT {value}",
                           (rowids[row % len(rowids)],)).rowcount
    conn.close()
    result = cli(path, "verify")
    if changed:
        line = one_error_line(result, code=3)
        assert "differs from a fresh fold" in line and "factlog rebuild" in line
        cli(path, "rebuild")
        assert cli(path, "verify").exit_code == 0
    else:
        assert result.exit_code == 0


def test_an_edited_sources_table_changes_no_belief_and_no_later_append(story):
    conn = sqlite3.connect(story, isolation_level=None)
    conn.execute("UPDATE sources SET kind = 'official', party = 'ukraine' WHERE id = 'butusov'")
    conn.close()
    why = json.loads(cli(story, "why", "blast", "--json").stdout)
    past = json.loads(cli(story, "status", "blast", "--at-seq", "5", "--json").stdout)
    cli(story, "claim", "blast", "--source", "butusov", "--quote", "again")
    now = json.loads(cli(story, "status", "blast", "--json").stdout)
    for view in (past[0], now[0]):
        assert view["parties"]["ukraine"] == "unconfirmed"
    assert "Ukraine" not in json.dumps(why).replace("unconfirmed by Ukraine", "")
    assert "differs from a fresh fold" in one_error_line(cli(story, "verify"), code=3)


# --- 6. ids are UUIDs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["x1", "deadbeef", "0" * 36, "urn:uuid:0189e7a4-0000-7000-8000-000000000000",
                                    "0189E7A4-0000-7000-8000-00000000000G"])
def test_import_refuses_an_id_that_is_not_a_uuid(story, tmp_path, bad_id):
    record = json.loads(cli(story, "export", "jsonl").stdout.splitlines()[-1])
    record.update(id=bad_id, seq=None, prev_hash=None, hash=None)
    record["data"] = {"fact": "quiet", "source": "butusov"}
    record["type"] = "claim"
    record["version"] = 1
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(record) + "\n")
    line = one_error_line(cli(story, "import", path))
    assert "UUID" in line
    assert count(story) == STORY_EVENTS

"""The SQLite store: immutability enforced by the database itself, the hash chain and verify, idempotent
re-append, migrations. Tampering is done with the ``sqlite3`` module directly on the log file."""

import datetime as dt
import json
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import factlog
from factlog import events as ev
from factlog.errors import Conflict, IntegrityError, InvalidInput, LogUnavailable, NotFound
from factlog.store.sqlite.migrations import NAMES
from factlog.store import GENESIS, chain_hash

COLUMNS = "seq, id, type, version, recorded_at, observed_at, recorded_by, data, prev_hash, hash"
EVIL = "'evil'"


@pytest.fixture
def log_file(tmp_path):
    """A log of 6 events: two sources, a fact, a claim, a denial, a retraction of the claim."""
    path = tmp_path / "log.db"
    with factlog.open_log(path, user="tester") as log:
        log.add_source("butusov", "Yuriy Butusov", kind="journalist", reliability="C")
        log.add_source("gladkov", "Vyacheslav Gladkov", kind="official", party="russia")
        log.open_fact("belgorod-explosion", "Explosions at an arms depot", parties=["ukraine", "russia"])
        claim = log.claim("belgorod-explosion", "butusov", quote="The depot is burning",
                          at="2022-03-30T00:30:00+03:00")
        log.deny("belgorod-explosion", "gladkov", quote="Nothing happened", at="2022-03-30T08:00:00+03:00")
        log.retract(claim.id, reason="misread", at="2022-03-31T08:00:00+03:00")
    return path


def raw(path, recursive_triggers=True):
    conn = sqlite3.connect(path, isolation_level=None)
    if recursive_triggers:
        conn.execute("PRAGMA recursive_triggers = ON")
    return conn


def rows(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT {COLUMNS}, fact, source, target FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()


def verify(path, head=None):
    with factlog.open_log(path, create=False) as log:
        return log.verify(head)


def copy_of(row, **changes):
    """SQL selecting the event at seq ``row`` again with some columns replaced (to re-insert it over itself)."""
    columns = [changes.get(name, name) for name in COLUMNS.split(", ")]
    return f"SELECT {', '.join(map(str, columns))} FROM events WHERE seq = {row}"


TAMPERING = {
    "update": "UPDATE events SET data = '{}' WHERE seq = 4",
    "update every row": "UPDATE events SET recorded_by = 'evil'",
    "delete": "DELETE FROM events WHERE seq = 4",
    "delete the tail": "DELETE FROM events WHERE seq > 3",
    "insert or replace, same seq and id": f"INSERT OR REPLACE INTO events ({COLUMNS}) {copy_of(4, recorded_by=EVIL)}",
    "replace, same id, new seq": f"REPLACE INTO events ({COLUMNS}) {copy_of(4, seq=99, prev_hash=EVIL)}",
    "replace, same seq, new id": f"REPLACE INTO events ({COLUMNS}) {copy_of(4, id=EVIL, prev_hash=EVIL)}",
    "replace, same prev_hash": f"REPLACE INTO events ({COLUMNS}) {copy_of(4, seq=99, id=EVIL)}",
    "upsert on id": f"INSERT INTO events ({COLUMNS}) {copy_of(4, seq=99, prev_hash=EVIL)}"
                    " ON CONFLICT(id) DO UPDATE SET recorded_by = 'evil', data = '{}'",
    "upsert on seq": f"INSERT INTO events ({COLUMNS}) {copy_of(4, id=EVIL, prev_hash=EVIL)}"
                     " ON CONFLICT(seq) DO UPDATE SET recorded_by = 'evil'",
    "a fork: the next seq after an old hash": f"INSERT INTO events ({COLUMNS}) {copy_of(4, seq=7, id=EVIL)}",
    "a gap: a seq past the next": f"INSERT INTO events ({COLUMNS}) "
                                  f"{copy_of(6, seq=8, id=EVIL, prev_hash='hash')}",
}


@pytest.mark.parametrize("recursive_triggers", [True, False], ids=["recursive-triggers", "plain-connection"])
@pytest.mark.parametrize("sql", TAMPERING.values(), ids=TAMPERING.keys())
def test_the_database_refuses_changes_to_events(log_file, sql, recursive_triggers):
    before = rows(log_file)
    conn = raw(log_file, recursive_triggers)
    with pytest.raises(sqlite3.IntegrityError, match="factlog events (are immutable|form one chain)"):
        conn.execute(sql)
    conn.close()
    assert rows(log_file) == before
    assert verify(log_file)[0] == 6


def test_factlog_connections_set_the_pragmas(log_file):
    with factlog.open_log(log_file, create=False) as log:
        conn = log.store.conn
        assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_without_recursive_triggers_replace_would_slip_past_the_delete_trigger(log_file):
    """Why m003 exists: REPLACE removes the row it collides with through the conflict path, which fires DELETE
    triggers only when the connection set ``PRAGMA recursive_triggers``. Without the BEFORE INSERT trigger of
    m003, a plain sqlite3 connection could overwrite an event; with recursive triggers it could not."""
    conn = raw(log_file, recursive_triggers=False)
    conn.execute("DROP TRIGGER events_no_overwrite")
    replace = f"INSERT OR REPLACE INTO events ({COLUMNS}) {copy_of(4, recorded_by=EVIL)}"
    guarded = raw(log_file, recursive_triggers=True)
    with pytest.raises(sqlite3.IntegrityError, match="DELETE refused"):
        guarded.execute(replace)
    guarded.close()
    conn.execute(replace)  # the hole: succeeds on a plain connection
    conn.close()
    assert rows(log_file)[3][6] == "evil"
    with pytest.raises(IntegrityError) as info:
        verify(log_file)
    assert info.value.seq == 4  # and verify still catches the overwrite


def test_appending_through_factlog_still_works_with_all_triggers(log_file):
    with factlog.open_log(log_file, create=False) as log:
        event = log.confirm("belgorod-explosion", "gladkov")
        assert event.seq == 7
    assert verify(log_file)[0] == 7


# --- verify ----------------------------------------------------------------------------------------------------


def tamper(path, sql, params=(), drop=("events_no_update",)):
    conn = raw(path)
    for trigger in drop:
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute(sql, params)
    conn.close()


def restore_triggers(path):
    from factlog.store.sqlite.migrations import IMMUTABLE_EVENTS_SQL, NO_OVERWRITE_SQL

    conn = raw(path)
    conn.executescript(IMMUTABLE_EVENTS_SQL + NO_OVERWRITE_SQL)
    conn.close()


def verify_cli(run, path, *args):
    result = run("--db", path, "verify", *args, ok=False)
    return result.exit_code, result.stderr.strip()


def flip_one_byte(text, index):
    char = text[index]
    return text[:index] + ("x" if char != "x" else "y") + text[index + 1:]


@pytest.mark.parametrize("seq", [1, 3, 4, 6])
def test_verify_catches_a_single_changed_byte_in_a_payload(run, log_file, seq):
    data = rows(log_file)[seq - 1][7]
    changed = flip_one_byte(data, data.index('":"') + 4)  # a byte inside a value: still valid JSON
    assert json.loads(changed) != json.loads(data) and len(changed) == len(data)
    tamper(log_file, "UPDATE events SET data = ? WHERE seq = ?", (changed, seq))
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)
    assert code == 3  # tampered: verify's own exit status
    assert error == f"Error: event at seq {seq} was altered: its hash does not match"
    with pytest.raises(IntegrityError) as info:
        verify(log_file)
    assert info.value.seq == seq


def test_verify_names_the_changed_seq_even_with_the_trigger_still_dropped(run, log_file):
    data = rows(log_file)[4][7]
    tamper(log_file, "UPDATE events SET data = ? WHERE seq = 5", (data.replace("Nothing", "Nothinh"),))
    code, error = verify_cli(run, log_file)
    assert code == 3 and "seq 5" in error and len(error.splitlines()) == 1


def test_verify_catches_a_byte_that_breaks_the_json(run, log_file):
    data = rows(log_file)[3][7]
    tamper(log_file, "UPDATE events SET data = ? WHERE seq = 4", (data[:-1] + ";",))
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)
    assert code == 3 and "seq 4" in error


@pytest.mark.parametrize("column", ["recorded_by", "observed_at", "type", "id", "version"])
def test_verify_catches_a_changed_envelope_column(run, log_file, column):
    value = {"recorded_by": "someone-else", "observed_at": "2022-03-29T00:00:00.000000+00:00", "type": "confirm",
             "id": "0190a1b2-0000-7000-8000-000000000bad", "version": 2}[column]
    tamper(log_file, f"UPDATE events SET {column} = ? WHERE seq = 4", (value,))
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)
    assert code == 3 and "seq 4" in error


def test_verify_catches_a_changed_hash_column(run, log_file):
    tamper(log_file, "UPDATE events SET hash = ? WHERE seq = 3", ("sha256:" + "1" * 64,))
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)
    assert code == 3 and error == "Error: event at seq 3 was altered: its hash does not match"


def test_verify_catches_a_changed_prev_hash(run, log_file):
    tamper(log_file, "UPDATE events SET prev_hash = ? WHERE seq = 5", ("sha256:" + "2" * 64,))
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)
    assert code == 3 and "seq 5" in error


def test_verify_catches_lookup_columns_that_disagree_with_the_payload(run, log_file):
    # status reads the fact/source columns: moving a statement to another source must not go unnoticed
    tamper(log_file, "UPDATE events SET source = 'butusov' WHERE seq = 5")
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)
    assert code == 3 and "seq 5" in error and "lookup columns" in error


@pytest.mark.parametrize("sql", [
    "UPDATE events SET fact = 'other-fact' WHERE seq = 6",  # the retraction moved to another fact
    "UPDATE events SET source = 'gladkov' WHERE seq = 6",
    "UPDATE events SET target = NULL WHERE seq = 6",  # the claim would look unretracted
    "UPDATE events SET target = (SELECT id FROM events WHERE seq = 4) WHERE seq = 5",
])
def test_verify_catches_tampered_retraction_columns(run, log_file, sql):
    # retractions take their fact and source columns from the target, outside the hash: check them too
    tamper(log_file, sql)
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)
    assert code == 3 and "lookup columns" in error
    assert f"seq {6 if 'seq = 6' in sql else 5}" in error


def test_verify_reports_a_rehashed_non_json_payload_without_a_traceback(run, log_file):
    conn = raw(log_file)
    conn.execute("DROP TRIGGER events_no_update")
    prev = conn.execute("SELECT prev_hash FROM events WHERE seq = 6").fetchone()[0]
    (seq, *fields), = conn.execute(
        "SELECT seq, id, type, version, recorded_at, observed_at, recorded_by, 'not json' FROM events WHERE seq = 6")
    conn.execute("UPDATE events SET data = 'not json', hash = ? WHERE seq = 6", (chain_hash(prev, seq, *fields),))
    conn.close()
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)
    assert code == 3 and error == "Error: event at seq 6 holds a payload that is not a JSON object"


def test_verify_catches_a_deleted_middle_event(run, log_file):
    tamper(log_file, "DELETE FROM events WHERE seq = 3", drop=("events_no_delete",))
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)
    assert code == 3 and error == "Error: seq 3 is missing: the log has a gap before seq 4"


@pytest.mark.parametrize("trigger", ["events_no_update", "events_no_delete", "events_no_overwrite"])
def test_verify_catches_a_removed_trigger(run, log_file, trigger):
    tamper(log_file, "SELECT 1", drop=(trigger,))
    code, error = verify_cli(run, log_file)
    assert code == 3 and trigger in error and "triggers were removed" in error


def test_verify_with_an_anchored_head(run, log_file):
    digest, seq = run("--db", log_file, "head").stdout.split()
    assert seq == "6"
    assert verify_cli(run, log_file, "--head", digest) == (0, "")
    code, error = verify_cli(run, log_file, "--head", "sha256:" + "3" * 64)
    assert code == 3 and "anchored head" in error


def test_a_truncated_log_passes_plain_verify_but_not_the_anchored_head(run, log_file):
    digest = run("--db", log_file, "head").stdout.split()[0]
    tamper(log_file, "DELETE FROM events WHERE seq > 4", drop=("events_no_delete",))
    restore_triggers(log_file)
    code, error = verify_cli(run, log_file)  # the beliefs still count the removed events
    assert code == 3 and "differs from a fresh fold" in error and "factlog rebuild" in error
    run("--db", log_file, "rebuild")
    assert verify(log_file)[0] == 4  # a prefix of a chain is a valid chain: only an anchor can tell
    code, error = verify_cli(run, log_file, "--head", digest)
    assert code == 3 and error.startswith("Error: the anchored head") and digest in error


def test_an_attacker_who_recomputes_the_chain_is_caught_by_the_anchored_head(run, log_file):
    digest = run("--db", log_file, "head").stdout.split()[0]
    conn = raw(log_file)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq > 4")  # drop the denial and the retraction
    data = json.loads(conn.execute("SELECT data FROM events WHERE seq = 4").fetchone()[0])
    data["quote"] = "A Ukrainian missile hit the depot"
    conn.execute("UPDATE events SET data = ? WHERE seq = 4", (ev.canonical_json(data),))
    prev = conn.execute("SELECT hash FROM events WHERE seq = 3").fetchone()[0]
    (seq, *fields), = conn.execute(
        "SELECT seq, id, type, version, recorded_at, observed_at, recorded_by, data FROM events WHERE seq = 4")
    conn.execute("UPDATE events SET hash = ? WHERE seq = 4", (chain_hash(prev, seq, *fields),))
    conn.close()
    restore_triggers(log_file)
    run("--db", log_file, "rebuild")  # and the projections made to agree
    count, new_head = verify(log_file)  # the rewritten log is self-consistent...
    assert count == 4 and new_head != digest
    assert verify_cli(run, log_file) == (0, "")
    code, error = verify_cli(run, log_file, "--head", digest)  # ...but the published head is gone
    assert code == 3 and "anchored head" in error


def test_chain_links_each_event_to_the_previous(log_file):
    previous = GENESIS
    for seq, *_, prev_hash, digest, _fact, _source, _target in rows(log_file):
        assert prev_hash == previous and digest.startswith("sha256:") and len(digest) == 71
        previous = digest
    assert verify(log_file) == (6, previous)


# --- idempotent re-append ----------------------------------------------------------------------------------------


def wire_records(path):
    with factlog.open_log(path, create=False) as log:
        return list(log.store.wire_records())


@pytest.mark.parametrize("strip_position", [False, True])
def test_re_appending_the_same_event_is_a_no_op(log_file, strip_position):
    before = rows(log_file)
    record = wire_records(log_file)[3]
    if strip_position:
        record = ev.content_of(record)
    with factlog.open_log(log_file, create=False) as log:
        [(event, new)] = log.append_records([record])
    assert new is False and event.seq == 4 and event.id == record["id"]
    assert rows(log_file) == before


def test_re_appending_a_whole_log_is_a_no_op(log_file):
    before = rows(log_file)
    with factlog.open_log(log_file, create=False) as log:
        results = log.append_records(wire_records(log_file))
    assert [new for _, new in results] == [False] * 6
    assert rows(log_file) == before


@pytest.mark.parametrize("change", [
    {"data": {"quote": "Different words"}}, {"recorded_by": "someone-else"},
    {"observed_at": "2022-03-30T00:31:00+03:00"}, {"type": "confirm"},
])
def test_same_id_with_different_content_is_a_conflict(log_file, change):
    before = rows(log_file)
    record = wire_records(log_file)[3]
    for key, value in change.items():
        record[key] = {**record[key], **value} if isinstance(value, dict) else value
    with factlog.open_log(log_file, create=False) as log:
        with pytest.raises(Conflict, match="different content"):
            log.append_records([record])
    assert rows(log_file) == before


def test_same_instant_in_another_offset_is_the_same_content(log_file):
    record = wire_records(log_file)[3]
    record["observed_at"] = "2022-03-30T00:30:00+03:00"  # stored as 2022-03-29T21:30:00 UTC
    with factlog.open_log(log_file, create=False) as log:
        [(_, new)] = log.append_records([record])
    assert new is False


def test_a_batch_with_one_conflict_appends_nothing(log_file, tmp_path):
    before = rows(log_file)
    fresh = dict(ev.content_of(wire_records(log_file)[3]), id=ev.new_event_id())
    bad = wire_records(log_file)[4]
    bad["data"]["quote"] = "Changed"
    with factlog.open_log(log_file, create=False) as log:
        with pytest.raises(Conflict):
            log.append_records([fresh, bad])
    assert rows(log_file) == before


def test_events_merge_into_another_log_by_id(log_file, tmp_path):
    other = tmp_path / "other.db"
    records = wire_records(log_file)
    with factlog.open_log(other, user="someone") as log:
        first = log.append_records(records[:4])
        second = log.append_records(records)
        assert [new for _, new in first] == [True] * 4
        assert [new for _, new in second] == [False] * 4 + [True] * 2
        assert log.verify()[0] == 6
        assert [e.id for e in log.events()] == [r["id"] for r in records]
        assert log.status()[0]["status"] == "denied"


def test_append_records_refuses_bad_records_and_appends_nothing(log_file):
    before = rows(log_file)
    good = dict(ev.content_of(wire_records(log_file)[3]), id=ev.new_event_id())
    bad = dict(good, id=ev.new_event_id(), data={**good["data"], "credibility": "3"})
    with factlog.open_log(log_file, create=False) as log:
        with pytest.raises(InvalidInput, match="credibility"):
            log.append_records([good, bad])
    assert rows(log_file) == before


# --- the Python API ---------------------------------------------------------------------------------------------


def test_python_api_verbs(tmp_path):
    with factlog.open_log(tmp_path / "api.db", user="notebook") as log:
        log.add_source("tass", "TASS", kind="agency", reliability="b")
        log.add_source("mod-ua", "Ukrainian MoD", kind="official", party="ukraine")
        log.open_fact("belgorod-tochka-u", "A Tochka-U hit the depot", parties=["ukraine"], tags=["weapon"])
        claim = log.claim("belgorod-tochka-u", "tass", quote="Tochka-U", credibility=3)
        log.confirm("belgorod-tochka-u", "tass")
        log.deny("belgorod-tochka-u", "mod-ua", at="2022-01-01T00:00:00Z")
        log.decline("belgorod-tochka-u", "mod-ua")
        retraction = log.retract(claim.id, reason="withdrawn")
        events = list(log.events())
        assert [e.TYPE for e in events] == ["source-registered", "source-registered", "fact-opened", "claim",
                                            "confirm", "deny", "decline", "retract"]
        assert [e.seq for e in events] == list(range(1, 9))
        assert all(e.recorded_by == "notebook" for e in events)
        assert events[0].reliability == "B" and events[3].credibility == 3
        assert retraction.target == claim.id
        assert [e.id for e in log.events(type="claim")] == [claim.id]
        assert len(list(log.events(source="mod-ua"))) == 3
        assert log.verify() == (8, events[-1].hash)
        with pytest.raises(InvalidInput, match="unknown statement kind"):
            log.state("rumour", "belgorod-tochka-u", "tass")
        with pytest.raises(NotFound):
            log.retract("no-such-event")
        assert log.store.count() == 8


def test_open_log_without_create_on_a_missing_file(tmp_path):
    with pytest.raises(LogUnavailable, match="no log at"):
        factlog.open_log(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_a_foreign_sqlite_file_is_left_untouched(tmp_path):
    path = tmp_path / "foreign.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (t TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(LogUnavailable, match="not a factlog log"):
        factlog.open_log(path)
    assert path.read_bytes() == before


# --- migrations --------------------------------------------------------------------------------------------------


def applied(path):
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'factlog' ORDER BY applied_at, name")]
    finally:
        conn.close()


def test_a_blank_log_gets_every_migration_once(tmp_path):
    path = tmp_path / "blank.db"
    factlog.open_log(path).close()
    assert sorted(applied(path)) == sorted(NAMES)
    factlog.open_log(path, create=False).close()
    assert sorted(applied(path)) == sorted(NAMES)


def test_an_older_log_is_upgraded_on_open(log_file):
    conn = raw(log_file)
    conn.execute("DROP TRIGGER events_no_overwrite")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_events_no_overwrite'")
    conn.close()
    assert "m003_events_no_overwrite" not in applied(log_file)
    assert verify(log_file)[0] == 6  # opening applied m003 again
    assert "m003_events_no_overwrite" in applied(log_file)
    conn = raw(log_file, recursive_triggers=False)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(TAMPERING["insert or replace, same seq and id"])
    conn.close()


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                           timezones=st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=3))])),
       spec=st.sampled_from(["auto", "seconds", "milliseconds", "microseconds"]))
def test_an_imported_time_is_stored_as_factlog_writes_it_however_the_record_spelled_it(moment, spec):
    from factlog.store import Pending
    from factlog.times import format_time

    text = moment.isoformat(timespec=spec)
    record = {"id": "0190a1b2-0000-7000-8000-000000000001", "type": "source-registered", "version": 1,
              "recorded_at": text, "observed_at": format_time(moment), "recorded_by": "tester",
              "data": {"source": "a", "name": "A", "kind": "agency"}}
    pending = Pending.from_wire(record)
    assert pending.stored_times() == (format_time(pending.event.recorded_at), format_time(moment))

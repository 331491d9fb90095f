"""Tampering: another program edits the events table, single bytes change, an attacker rewrites the tail.

CI flips 200 random bytes; tests/reliability/run.py flips 1,000.
"""

import os
import random
import shutil
import sqlite3
import subprocess
import sys

import pytest

import factlog
from factlog.errors import IntegrityError
from reliability import harness

FLIPS_IN_CI = 1000


def build_log(path: str, statements: int = 60) -> str:
    """A log with every event type: sources, facts, statements of each kind, a reword, retractions."""
    with factlog.open_log(path, user="analyst") as log:
        log.add_source("tass", "TASS", kind="agency", url="https://tass.com")
        log.add_source("gladkov", "Vyacheslav Gladkov", kind="official", party="russia", reliability="B")
        log.add_source("butusov", "Юрий Бутусов", kind="journalist", party="ukraine")
        for k in range(3):
            log.open_fact(f"fact-{k}", f"Proposition {k}", parties=["ukraine", "russia"], tags=["belgorod"])
        log.reword_fact("fact-0", "Proposition zero, reworded", reason="clearer")
        said = []
        for i in range(statements):
            kind = ("claim", "confirm", "deny", "decline")[i % 4]
            source = ("tass", "gladkov", "butusov")[i % 3]
            event = log.state(kind, f"fact-{i % 3}", source, quote=f"«{i}» — said {source}",
                              at=f"2022-03-{10 + i % 19:02d}T10:00:00+03:00", credibility=1 + i % 6)
            said.append(event.id)
            if i % 10 == 9:
                log.retract(said[-2], reason=f"withdrawn {i}", at="2022-04-01T00:00:00+00:00")
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_log(str(tmp_path_factory.mktemp("tamper") / "template.db"))


@pytest.fixture
def db(template, tmp_path):
    path = str(tmp_path / "log.db")
    shutil.copy(template, path)
    return path


def events_table(path: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()


# --- another program ---------------------------------------------------------------------------------------------

COLUMNS = "seq, id, type, version, recorded_at, observed_at, recorded_by, fact, source, target, data, prev_hash, hash"
FORGED = COLUMNS.replace("data", "json_set(data, '$.quote', 'forged')")
ROW_3 = f"SELECT {FORGED} FROM events WHERE seq = 3"
EDITS = {
    "update": "UPDATE events SET data = json_set(data, '$.quote', 'forged') WHERE seq = 3",
    "update all": "UPDATE events SET recorded_by = 'someone else'",
    "update or replace": "UPDATE OR REPLACE events SET seq = 2 WHERE seq = 3",
    "delete": "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)",
    "delete all": "DELETE FROM events",
    "insert or replace": f"INSERT OR REPLACE INTO events ({COLUMNS}) {ROW_3}",
    "replace": f"REPLACE INTO events ({COLUMNS}) {ROW_3}",
    "upsert": f"INSERT INTO events ({COLUMNS}) {ROW_3} ON CONFLICT(seq) DO UPDATE SET data = excluded.data",
    "upsert on id": f"INSERT INTO events ({COLUMNS}) SELECT {FORGED.replace('seq,', '1000 + seq,', 1)}"
                    " FROM events WHERE seq = 3 ON CONFLICT(id) DO UPDATE SET data = excluded.data",
    "insert or ignore then nothing": f"INSERT OR IGNORE INTO events ({COLUMNS}) {ROW_3}",
}


def another_program(path: str, sql: str) -> tuple[bool, str]:
    """Run ``sql`` the way another program would: the sqlite3 shell if installed, else a bare connection
    (neither sets factlog's recursive_triggers)."""
    if shutil.which("sqlite3"):
        done = subprocess.run(["sqlite3", path, sql], capture_output=True, text=True, timeout=60)
        return done.returncode == 0 and not done.stderr, done.stderr.strip()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(sql)
        return True, ""
    except sqlite3.DatabaseError as exc:
        return False, str(exc)
    finally:
        conn.close()


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_another_program_cannot_change_or_remove_events(db, edit):
    before = events_table(db)
    accepted, message = another_program(db, EDITS[edit])
    assert events_table(db) == before
    if edit != "insert or ignore then nothing":  # that one is a no-op by its own definition; nothing changed
        assert not accepted and ("immutable" in message or "one chain" in message), message
    with factlog.open_log(db, create=False) as log:
        assert log.verify()[0] == len(before)


def test_appending_a_forged_event_by_hand_is_caught_by_verify(db):
    """INSERT of a new row cannot be refused (that is how the log grows), but its hash gives it away."""
    accepted, _ = another_program(
        db, f"INSERT INTO events ({COLUMNS}) SELECT seq + 1, id || '-forged', type, version, recorded_at,"
            f" observed_at, recorded_by, fact, source, target, data, hash, 'sha256:' || hex(randomblob(32))"
            f" FROM events WHERE seq = (SELECT max(seq) FROM events)")
    assert accepted
    last = len(events_table(db))
    with factlog.open_log(db, create=False) as log, pytest.raises(IntegrityError) as caught:
        log.verify()
    assert caught.value.seq == last


# --- single bytes -------------------------------------------------------------------------------------------------


def flips_caught(path: str, flips: int, seed: int) -> list[str]:
    """Change one byte at a time (and put it back); every change must be caught and name the right seq."""
    rng, missed = random.Random(seed), []
    with factlog.open_log(path, create=False) as log:
        for _ in range(flips):
            seq, column, new, undo = harness.flip_one_byte(path, rng)
            try:
                log.verify()
                missed.append(f"seq {seq} {column} -> {new!r}: not detected")
            except IntegrityError as exc:
                if exc.seq != seq:
                    missed.append(f"seq {seq} {column} -> {new!r}: reported seq {exc.seq}: {exc}")
            finally:
                undo()
        log.verify()  # every change was undone
    return missed


@pytest.mark.slow
def test_every_single_byte_change_is_caught_and_located(db):
    assert flips_caught(db, FLIPS_IN_CI, seed=5) == []


def test_verify_on_the_command_line_names_the_bad_seq(db, run, monkeypatch):
    monkeypatch.setenv("FACTLOG_DB", db)
    seq, column, _, undo = harness.flip_one_byte(db, random.Random(1))
    result = run("verify", ok=False)
    undo()
    assert result.exit_code == 3  # tampered: its own exit status
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1, result.stderr
    assert f"seq {seq}" in result.stderr, (column, result.stderr)
    assert run("verify").stdout.startswith("ok: ")


def test_a_byte_changed_in_the_file_itself_is_caught(db):
    """A hex editor on the file: find an event's payload and its hash in the page bytes and change one byte."""
    with factlog.open_log(db, create=False) as log:
        records = list(log.store.wire_records())
    rng = random.Random(7)
    original, changed = open(db, "rb").read(), 0
    for record in rng.sample(records, 20):
        # the payload and the recorder are stored once, in the event's row (the hash is also the next prev_hash)
        for column in ("data", "recorded_by"):
            conn = sqlite3.connect(db)
            value = conn.execute(f"SELECT CAST({column} AS BLOB) FROM events WHERE seq = ?",
                                 (record["seq"],)).fetchone()[0]
            conn.close()
            if original.count(value) != 1:
                continue
            at = original.find(value)
            damaged = bytearray(original)
            spot = at + rng.randrange(len(value))
            damaged[spot] ^= 1 << rng.randrange(8)
            open(db, "wb").write(bytes(damaged))
            try:
                with factlog.open_log(db, create=False) as log, pytest.raises(IntegrityError) as caught:
                    log.verify()
                assert caught.value.seq == record["seq"]
                changed += 1
            finally:
                open(db, "wb").write(original)
    assert changed >= 20


# --- a rewritten tail ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delete_last, alter_seq", [(5, None), (1, None), (0, 20), (3, 10)])
def test_a_recomputed_chain_is_caught_only_by_an_anchored_head(db, run, monkeypatch, delete_last, alter_seq):
    monkeypatch.setenv("FACTLOG_DB", db)
    published = run("head").stdout.split()[0]
    assert published.startswith("sha256:")
    assert run("verify", "--head", published).exit_code == 0
    harness.rewrite_tail(db, delete_last, alter_seq)
    # an attacker who also rebuilds the projections has a log that verifies on its own: that is why a head must
    # be published elsewhere
    run("rebuild")
    assert run("verify").exit_code == 0
    result = run("verify", "--head", published, ok=False)
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert published in result.stderr


def test_an_anchored_head_stays_valid_as_the_log_grows(db, run, monkeypatch):
    monkeypatch.setenv("FACTLOG_DB", db)
    published = run("head").stdout.split()[0]
    run("claim", "fact-1", "--source", "tass", "--quote", "later")
    assert run("verify", "--head", published).exit_code == 0
    assert run("verify", "--head", "sha256:" + "f" * 64, ok=False).exit_code == 3


# --- issue 13: head and verify --head round-trip; verify's exit statuses ---------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("events", [0, 1, 30])
def test_verify_takes_what_head_prints_through_a_real_shell(tmp_path, events):
    db = tmp_path / "log.db"
    with factlog.open_log(db, user="t") as log:
        if events:
            log.add_source("tass", "TASS")
        for k in range(events - 1):
            log.open_fact(f"f-{k}", "A fact")
    env = {**os.environ, "FACTLOG_DB": str(db), "FACTLOG": f"{sys.executable} -m factlog"}
    for typed in ('$FACTLOG verify --head "$($FACTLOG head)"',
                  'h="$($FACTLOG head)"; $FACTLOG verify --head "$h"',
                  '$FACTLOG verify --head "$($FACTLOG head | cut -d" " -f1)"',
                  '$FACTLOG head > head.txt; $FACTLOG verify --head "$(cat head.txt)"'):
        done = subprocess.run(["bash", "-c", typed], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0 and done.stdout.startswith(f"ok: {events} events"), (typed, done.stderr)


def test_verify_head_accepts_the_hash_alone_or_with_its_seq(db, run, monkeypatch):
    monkeypatch.setenv("FACTLOG_DB", db)
    printed = run("head").stdout.strip()
    digest, seq = printed.split()
    for given in (printed, digest, f"  {digest}\t{seq}\n", f"{digest} {seq}"):
        assert run("verify", "--head", given).exit_code == 0, given


@pytest.mark.parametrize("given", ["", "nonsense", "sha256:xyz", "sha256:abc 12", "sha256:" + "a" * 64 + " twelve",
                                   "sha256:" + "a" * 64 + " 1 2", "3 sha256:" + "a" * 64])
def test_a_malformed_head_is_an_error_not_tampering(db, run, monkeypatch, given):
    monkeypatch.setenv("FACTLOG_DB", db)
    result = run("verify", "--head", given, ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("Error: --head takes what 'factlog head' prints")


def test_verify_exit_statuses_tell_tampering_from_other_errors(db, run, monkeypatch, tmp_path):
    monkeypatch.setenv("FACTLOG_DB", db)
    assert run("verify").exit_code == 0
    missing = run("--db", str(tmp_path / "nope.db"), "verify", ok=False)
    assert missing.exit_code == 1 and "no log" in missing.stderr
    not_a_log = tmp_path / "notes.db"
    not_a_log.write_text("meeting notes")
    assert run("--db", str(not_a_log), "verify", ok=False).exit_code == 1
    assert run("verify", "--head", "sha256:" + "e" * 64, ok=False).exit_code == 3
    harness.flip_one_byte(db, random.Random(7))
    tampered = run("verify", ok=False)
    assert tampered.exit_code == 3 and len(tampered.stderr.splitlines()) == 1
    help_text = " ".join(run("verify", "--help").stdout.split())
    assert "3 the log was changed outside factlog" in help_text and "1 any other error" in help_text

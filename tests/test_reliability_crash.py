"""Crashes and a full disk: kill -9 at random moments, a client that re-sends after a crash, no space left.

CI runs reduced counts; tests/reliability/run.py runs the full ones (20 kills during a 100,000-event import).
"""

import json
import os
import random
import shutil
import subprocess
import time

import pytest

import factlog
from factlog.cli import cli
from factlog.store.sqlite import SQLiteStore as Store
from reliability import harness

FACTLOG = os.path.join(os.path.dirname(harness.PYTHON), "factlog")
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("run", range(5))
def test_kill_9_during_appends_loses_no_acknowledged_event(tmp_path, run):
    rng = random.Random(run)
    db = str(tmp_path / "crash.db")
    setup = harness.prepare_shared(db)
    writers = harness.start_writers(db, procs=2, count=2000)
    # they start 1.5 s after launch; kill one while both write, then the other a moment later
    harness.kill_at_random(writers[0], 1.6, 2.6, rng)
    harness.kill_at_random(writers[1], 0.0, 0.5, rng)
    results = [harness.collect(w) for w in writers]
    acknowledged = {seq: i for result in results for seq, i in result["events"]}
    assert acknowledged, "the writers were killed before they appended anything: move the kill later"
    assert harness.log_problems(db) == []
    stored = dict(harness.stored_ids(db))
    assert all(stored.get(seq) == i for seq, i in acknowledged.items())
    # at most the one event each writer was committing when killed is in the log unacknowledged
    assert len(stored) - setup - len(acknowledged) <= 2
    # and the log takes appends again
    with factlog.open_log(db) as log:
        log.open_fact("after-the-crash", "Writing works after a kill")
    assert harness.log_problems(db) == []


IMPORT_EVENTS_IN_CI = 20_000  # the script imports 100,000


@pytest.fixture(scope="module")
def import_file(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("import") / "events.jsonl")
    harness.write_import_file(path, IMPORT_EVENTS_IN_CI)
    return path


@pytest.fixture(scope="module")
def import_seconds(import_file, tmp_path_factory):
    """How long the import takes here uninterrupted, so that kills land anywhere in it, commit included."""
    db = str(tmp_path_factory.mktemp("timing") / "timing.db")
    harness.prepare_shared(db)
    started = time.monotonic()
    done = harness.start_import(db, import_file)
    out, err = done.communicate(timeout=600)
    assert done.returncode == 0, err
    return time.monotonic() - started


@pytest.mark.parametrize("run", range(5))
def test_kill_9_during_import_leaves_all_or_nothing(tmp_path, import_file, import_seconds, run):
    rng = random.Random(1000 + run)
    db = str(tmp_path / "target.db")
    before = harness.prepare_shared(db)
    importer = harness.start_import(db, import_file)
    harness.kill_at_random(importer, 0.2, import_seconds * 1.1, rng)
    importer.communicate()
    count = len(harness.stored_ids(db))
    assert count in (before, before + IMPORT_EVENTS_IN_CI), f"a partial import: {count - before} events"
    assert harness.log_problems(db) == []
    if run == 0:  # the retry: importing the whole file again completes it, without a duplicate
        again = harness.start_import(db, import_file)
        out, err = again.communicate(timeout=600)
        assert again.returncode == 0, err
        assert harness.log_problems(db, expected=before + IMPORT_EVENTS_IN_CI) == []


def wire_file(tmp_path, events: int) -> str:
    """A file of wire records with fixed ids, as a client keeps them to re-send."""
    source_db = str(tmp_path / "origin.db")
    with factlog.open_log(source_db, user="origin") as log:
        log.add_source("tass", "TASS", kind="agency")
        log.open_fact("belgorod-explosion", "Explosions at an arms depot", parties=["russia"])
        for i in range(events - 2):
            log.claim("belgorod-explosion", "tass", quote=f"report {i}")
        records = list(log.store.wire_records())
    path = str(tmp_path / "records.jsonl")
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
    return path


@pytest.mark.parametrize("run", range(3))
def test_events_resent_after_a_crash_are_not_duplicated(tmp_path, run):
    rng = random.Random(100 + run)
    records = wire_file(tmp_path, 300)
    db = str(tmp_path / "target.db")
    first = subprocess.Popen([harness.PYTHON, harness.HARNESS, "sender", db, records],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    harness.kill_at_random(first, 0.5, 1.5, rng)
    before = harness.collect(first)
    # the client does not know what got in: it sends everything again
    again = subprocess.run([harness.PYTHON, harness.HARNESS, "sender", db, records], capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    resent = [json.loads(line) for line in again.stdout.splitlines()]
    assert len(resent) == 300
    assert sum(not r["new"] for r in resent) >= len(before["events"])  # acknowledged ones were skipped
    assert harness.log_problems(db, expected=300) == []
    with open(records, encoding="utf-8") as lines:
        assert [r[1] for r in harness.stored_ids(db)] == [json.loads(line)["id"] for line in lines]


def test_same_id_with_other_content_is_refused(tmp_path):
    records = [json.loads(line) for line in open(wire_file(tmp_path, 5), encoding="utf-8")]
    db = str(tmp_path / "target.db")
    with factlog.open_log(db) as log:
        log.append_records(records)
        head = log.head()
        changed = dict(records[-1], data={**records[-1]["data"], "quote": "another quote"})
        with pytest.raises(factlog.FactlogError, match="different content"):
            log.append_records([changed])
        later = dict(records[-1], observed_at="2030-01-01T00:00:00+00:00")
        with pytest.raises(factlog.FactlogError, match="different content"):
            log.append_records([later])
        # the same content again, in any envelope position, is a no-op
        assert [new for _, new in log.append_records(records)] == [False] * 5
        assert log.head() == head
    assert harness.log_problems(db, expected=5) == []


# --- a full disk ------------------------------------------------------------------------------------------------


@pytest.fixture
def size_limit(monkeypatch):
    """Cap the size of every log opened from now on at ``pages`` pages: a full disk, as SQLite sees it."""
    limit = {"pages": None}
    prepare = Store._prepare

    def limited(self, create):
        prepare(self, create)
        if limit["pages"] is not None:
            self.conn.execute(f"PRAGMA max_page_count = {limit['pages']}")

    monkeypatch.setattr(Store, "_prepare", limited)
    return limit


def page_count(db) -> int:
    with factlog.open_log(db, create=False) as log:
        return log.store.conn.execute("PRAGMA page_count").fetchone()[0]


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_a_full_disk_is_one_clear_error_and_nothing_partial(run, db_path, size_limit):
    run("source", "add", "tass", "--name", "TASS")
    run("fact", "add", "belgorod-explosion", "Explosions at an arms depot")
    size_limit["pages"] = page_count(db_path) + 12
    quote = "x" * 15_000
    for i in range(100):
        result = run("claim", "belgorod-explosion", "--source", "tass", "--quote", f"{quote} {i}", ok=False)
        if result.exit_code != 0:
            break
        appended = i + 1
    else:
        pytest.fail("the size limit was never reached")
    assert "disk holding the log is full" in one_error_line(result)
    size_limit["pages"] = None
    assert harness.log_problems(str(db_path), expected=2 + appended) == []
    # with room again, the same command works
    run("claim", "belgorod-explosion", "--source", "tass", "--quote", "once more")
    assert harness.log_problems(str(db_path), expected=3 + appended) == []


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_disk(tmp_path):
    """A small tmpfs: a real full disk (needs root; skipped otherwise). Call it with the size to mount."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = []

    def mount(size: str):
        if not can_mount() or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                                             capture_output=True).returncode != 0:
            pytest.skip("cannot mount a small tmpfs here (needs root)")
        mounted.append(folder)
        return folder

    try:
        yield mount
    finally:
        for path in mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_real_full_disk_is_one_clear_error(small_disk):
    db = str(small_disk("400k") / "full.db")
    env = dict(os.environ, FACTLOG_DB=db, FACTLOG_USER="tester")

    def factlog_cli(*args):
        return subprocess.run([FACTLOG, *args], capture_output=True, text=True, env=env, timeout=60)

    assert factlog_cli("source", "add", "tass", "--name", "TASS").returncode == 0
    assert factlog_cli("fact", "add", "belgorod-explosion", "Explosions").returncode == 0
    quote = "x" * 15_000
    for i in range(200):
        done = factlog_cli("claim", "belgorod-explosion", "--source", "tass", "--quote", f"{quote} {i}")
        if done.returncode != 0:
            break
    else:
        pytest.fail("the disk never filled up")
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "disk holding the log is full" in lines[0], done.stderr
    assert harness.log_problems(db, expected=2 + i) == []
    assert factlog_cli("verify").returncode == 0


def test_a_full_disk_during_an_import_leaves_nothing_partial(run, db_path, size_limit, import_file):
    run("source", "add", "tass", "--name", "TASS")
    size_limit["pages"] = page_count(db_path) + 300
    result = run("import", import_file, ok=False)
    line = one_error_line(result)
    assert "disk holding the log is full" in line and "nothing was recorded" in line, line
    assert result.stdout == ""
    size_limit["pages"] = None
    assert harness.log_problems(str(db_path), expected=1) == []
    run("import", import_file)  # with room again, the same import goes through whole
    assert harness.log_problems(str(db_path), expected=1 + IMPORT_EVENTS_IN_CI) == []


def test_a_real_full_disk_during_an_import(small_disk, import_file):
    db = str(small_disk("2m") / "full.db")
    harness.prepare_shared(db)
    importer = harness.start_import(db, import_file)
    out, err = importer.communicate(timeout=600)
    assert importer.returncode == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "disk holding the log is full" in lines[0], err
    assert harness.log_problems(db, expected=harness.SHARED_FACTS) == []


def test_a_log_cannot_be_created_on_a_full_disk(small_disk):
    disk = small_disk("64k")
    (disk / "filler").write_bytes(b"\0" * 60_000)
    done = subprocess.run([FACTLOG, "--db", str(disk / "new.db"), "source", "add", "tass", "--name", "TASS"],
                          capture_output=True, text=True, env=dict(os.environ, FACTLOG_USER="tester"), timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [f"Error: cannot use the log {disk / 'new.db'}: the disk holding it is full;"
                                        " nothing was recorded"]

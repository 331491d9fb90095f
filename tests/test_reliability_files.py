"""The log file itself: written by an older factlog, not writable, not a factlog log, not SQLite at all,
on a network file system."""

import functools
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile

import pytest
import sqlite_utils

import factlog
from factlog.store.sqlite import migrations
from factlog.store import GENESIS, chain_hash
from reliability import harness

FACTLOG = os.path.join(os.path.dirname(harness.PYTHON), "factlog")


# --- a log from an older schema ------------------------------------------------------------------------------------


def old_log(path: str, steps: int) -> list[tuple]:
    """A log as the factlog of the first ``steps`` migrations wrote it: those steps only, then events appended
    with raw SQL as that version did (version 1 of fact-opened, with its single ``party``)."""
    db = sqlite_utils.Database(path)
    db.conn.execute("PRAGMA journal_mode = WAL")
    applied = sqlite_utils.Migrations(migrations.MIGRATION_SET)
    for name, step in migrations.STEPS[:steps]:
        applied(name=name)(step)
    applied.apply(db)
    events = [
        ("source-registered", 1, {"source": "gladkov", "name": "Vyacheslav Gladkov", "kind": "official",
                                  "party": "russia", "reliability": "B"}, None, "gladkov", None),
        ("source-registered", 1, {"source": "butusov", "name": "Юрий Бутусов", "kind": "journalist"},
         None, "butusov", None),
        ("fact-opened", 1, {"fact": "belgorod-ukrainian-missile", "statement": "A missile fired from Ukraine",
                            "party": "ukraine"}, "belgorod-ukrainian-missile", None, None),
        ("claim", 1, {"fact": "belgorod-ukrainian-missile", "source": "butusov", "quote": "Tochka-U"},
         "belgorod-ukrainian-missile", "butusov", None),
        ("decline", 1, {"fact": "belgorod-ukrainian-missile", "source": "gladkov"},
         "belgorod-ukrainian-missile", "gladkov", None),
        ("deny", 1, {"fact": "belgorod-ukrainian-missile", "source": "gladkov", "quote": "no"},
         "belgorod-ukrainian-missile", "gladkov", None),
        ("retract", 1, {"target": "old-6", "reason": "misquoted"}, "belgorod-ukrainian-missile", "gladkov", "old-6"),
    ]
    prev = GENESIS
    for seq, (kind, version, data, fact, source, target) in enumerate(events, start=1):
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        moment = f"2022-03-30T0{seq}:00:00.000000+00:00"
        digest = chain_hash(prev, seq, f"old-{seq}", kind, version, moment, moment, "analyst", text)
        db.conn.execute(
            "INSERT INTO events (seq, id, type, version, recorded_at, observed_at, recorded_by, fact, source, target,"
            " data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (seq, f"old-{seq}", kind, version, moment, moment, "analyst", fact, source, target, text, prev, digest))
        prev = digest
    db.conn.commit()
    rows = db.conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    db.conn.close()
    return rows


@pytest.mark.parametrize("steps", range(1, len(migrations.STEPS)))
def test_a_log_from_an_older_schema_opens_migrates_and_keeps_every_event(tmp_path, run, monkeypatch, steps):
    db = str(tmp_path / "old.db")
    before = old_log(db, steps)
    monkeypatch.setenv("FACTLOG_DB", db)
    assert run("verify").stdout.startswith("ok: 7 events")
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT * FROM events ORDER BY seq").fetchall() == before  # every byte of every event
    applied = {row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")}
    triggers = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    conn.close()
    assert applied == set(migrations.NAMES)
    assert {"events_no_update", "events_no_delete", "events_no_overwrite"} <= triggers
    # the projections are there, filled from the old events (v1 upcast: the single party became parties)
    [status] = run.json("status")
    assert status["status"] == "claimed" and status["parties"] == {"ukraine": "unconfirmed", "russia": "declined"}
    assert harness.log_problems(db, expected=7) == []
    run("claim", "belgorod-ukrainian-missile", "--source", "gladkov", "--quote", "new version")
    assert harness.log_problems(db, expected=8) == []


def test_a_log_from_a_newer_factlog_is_refused_untouched(tmp_path, run, monkeypatch):
    db = str(tmp_path / "newer.db")
    with factlog.open_log(db) as log:
        log.add_source("tass", "TASS")
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
                 (migrations.MIGRATION_SET, "m999_from_the_future", "2030-01-01T00:00:00"))
    conn.commit()
    conn.close()
    before = harness.file_state(db)
    monkeypatch.setenv("FACTLOG_DB", db)
    for args in (["status"], ["source", "add", "x", "--name", "X"]):
        line = refused(run, *args)
        assert "newer" in line and "m999_from_the_future" in line
    assert harness.file_state(db) == before


# --- files that are not a factlog log --------------------------------------------------------------------------------


def refused(run, *args) -> str:
    result = run(*args, ok=False)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == "" and "Traceback" not in result.output
    return lines[0]


def not_a_log(folder, kind: str) -> str:
    path = os.path.join(folder, f"{kind}.db")
    if kind == "text":
        open(path, "w").write("meeting notes, not a log\n")
    elif kind == "random":
        open(path, "wb").write(os.urandom(8192))
    elif kind == "sqlite-header-then-garbage":
        open(path, "wb").write(b"SQLite format 3\x00" + os.urandom(8192))
    elif kind == "other-sqlite":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO users (name) VALUES ('alice')")
        conn.commit()
        conn.close()
    elif kind.startswith("empty-utf-16"):  # no table, but an encoding a log's hash chain cannot be kept in
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA encoding = '{kind[6:].upper()}'")
        conn.execute("CREATE TABLE t (x)")  # the encoding is written with the first page
        conn.execute("DROP TABLE t")
        conn.commit()
        conn.close()
    elif kind == "truncated-log":
        with factlog.open_log(path) as log:
            log.add_source("tass", "TASS")
            for k in range(50):
                log.open_fact(f"fact-{k}", "x" * 2000)
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.truncate(size // 2)
    return path


KINDS = ("text", "random", "sqlite-header-then-garbage", "other-sqlite", "truncated-log", "empty-utf-16le",
         "empty-utf-16be")
COMMANDS = (["status"], ["log", "--json"], ["verify"], ["source", "add", "x", "--name", "X"],
            ["fact", "add", "f", "A fact"], ["init"], ["rebuild"])


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_that_is_not_a_factlog_log_is_refused_untouched(tmp_path, run, monkeypatch, kind):
    path = not_a_log(str(tmp_path), kind)
    before = harness.file_state(path)
    monkeypatch.setenv("FACTLOG_DB", path)
    for args in COMMANDS:
        line = refused(run, *args)
        assert path in line or "malformed" in line, line
        assert harness.file_state(path) == before, f"factlog {' '.join(args)} changed the file"
    assert sorted(os.listdir(tmp_path)) == [os.path.basename(path)]  # no -wal, no -shm, no journal left behind


def test_a_folder_is_not_a_log(tmp_path, run, monkeypatch):
    monkeypatch.setenv("FACTLOG_DB", str(tmp_path))
    for args in COMMANDS:
        assert str(tmp_path) in refused(run, *args)


# --- paths that are not writable --------------------------------------------------------------------------------------


def as_someone_else() -> list[str]:
    """Run as an unprivileged user when root (root ignores file permissions); as ourselves otherwise."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot test permissions")
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    if not _unprivileged_can_run(tuple(prefix)):
        # e.g. a checkout inside a 0700 temp folder: the unprivileged user cannot reach factlog itself
        pytest.skip("the unprivileged user cannot run this checkout's factlog (its folder is private)")
    return prefix


@functools.lru_cache(maxsize=None)
def _unprivileged_can_run(prefix: tuple[str, ...]) -> bool:
    done = subprocess.run([*prefix, FACTLOG, "--version"], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, HOME="/tmp"))
    return done.returncode == 0


@pytest.fixture
def folder():
    """A folder outside pytest's (root-only) temp tree, so that an unprivileged user can reach it."""
    path = tempfile.mkdtemp(prefix="factlog-perm-")
    os.chmod(path, 0o755)
    yield path
    os.chmod(path, 0o755)
    shutil.rmtree(path, ignore_errors=True)


def factlog_cli(db: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, FACTLOG_USER="someone", HOME="/tmp")
    return subprocess.run([*as_someone_else(), FACTLOG, "--db", db, *args], capture_output=True, text=True,
                          env=env, timeout=60)


def one_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert done.stdout == ""
    return lines[0]


def make_log(path: str) -> None:
    with factlog.open_log(path) as log:
        log.add_source("tass", "TASS")
    os.chmod(path, 0o644)


@pytest.mark.slow
def test_a_read_only_log_is_one_clear_error_and_untouched(folder):
    db = os.path.join(folder, "log.db")
    make_log(db)
    os.chmod(db, 0o444)
    before = harness.file_state(db)
    line = one_error(factlog_cli(db, "source", "add", "x", "--name", "X"))
    assert "not writable" in line, line
    assert harness.file_state(db) == before


@pytest.mark.slow
def test_a_log_in_a_read_only_folder_is_one_clear_error_and_untouched(folder):
    db = os.path.join(folder, "log.db")
    make_log(db)
    before = harness.file_state(db)
    os.chmod(folder, 0o555)
    for args in (["source", "add", "x", "--name", "X"], ["status"]):
        line = one_error(factlog_cli(db, *args))
        assert "not writable" in line and "folder" in line, line
    assert harness.file_state(db) == before
    assert os.listdir(folder) == ["log.db"]


@pytest.mark.slow
def test_no_log_can_be_created_in_a_read_only_folder(folder):
    os.chmod(folder, 0o555)
    db = os.path.join(folder, "new.db")
    line = one_error(factlog_cli(db, "source", "add", "x", "--name", "X"))
    assert "not writable" in line and "folder" in line, line
    assert os.listdir(folder) == []


# --- a network file system -------------------------------------------------------------------------------------------


def fake_mounts(tmp_path, monkeypatch, fstype: str, mount_point) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw,relatime 0 0\n"
                      f"server:/export {mount_point} {fstype} rw,relatime 0 0\n")
    monkeypatch.setattr("factlog.store.sqlite.connection.MOUNTS", str(mounts))


@pytest.mark.parametrize("fstype", ["nfs4", "cifs", "fuse.sshfs", "9p"])
def test_a_log_on_a_network_file_system_gets_a_warning(tmp_path, run, db_path, monkeypatch, fstype):
    fake_mounts(tmp_path, monkeypatch, fstype, tmp_path)
    result = run("source", "add", "tass", "--name", "TASS")
    assert result.exit_code == 0
    [warning] = result.stderr.splitlines()
    assert warning.startswith("Warning: ") and fstype in warning and "network" in warning, warning
    with pytest.warns(factlog.LogWarning, match="network file system"):
        factlog.open_log(db_path).close()


def test_no_warning_on_a_local_disk_even_beside_a_network_mount(tmp_path, run, db_path, monkeypatch):
    fake_mounts(tmp_path, monkeypatch, "nfs4", str(tmp_path) + "-elsewhere")
    result = run("source", "add", "tass", "--name", "TASS")
    assert result.stderr == ""


def test_mount_points_with_spaces_are_read(tmp_path, monkeypatch):
    from factlog.store.sqlite.connection import network_filesystem

    folder = tmp_path / "shared drive"
    folder.mkdir()
    mounts = tmp_path / "mounts"
    mounts.write_text(f"//server/share {str(folder).replace(' ', chr(92) + '040')} cifs rw 0 0\n")
    monkeypatch.setattr("factlog.store.sqlite.connection.MOUNTS", str(mounts))
    assert network_filesystem(str(folder / "log.db")) == "cifs"
    assert network_filesystem(str(tmp_path / "log.db")) is None
    monkeypatch.setattr("factlog.store.sqlite.connection.MOUNTS", str(tmp_path / "no-such-file"))
    assert network_filesystem(str(folder / "log.db")) is None

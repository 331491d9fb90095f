"""``export -o`` (issue 13): a regular file is written atomically, also through a symlink (which stays one); a FIFO,
a character device or an open file named by /dev/stdout is written straight into and never replaced; other
special files and ``-o ''`` are one error line; the temp files of a killed export are removed by the next one."""

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import factlog
from factlog.cli import cli
from factlog.cli.transfer import TEMP_SUFFIX, _host, remove_stale_temps


@pytest.fixture(scope="module")
def log_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("target") / "log.db"
    with factlog.open_log(path, user="t") as log:
        log.add_source("tass", "TASS")
        log.open_fact("blast", "There was a blast")
        log.claim("blast", "tass", quote="It burns")
    return path


def export(log_path, *args, ok=True):
    result = CliRunner().invoke(cli, ["--db", str(log_path), "export", "csv", *args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def expected(log_path):
    return export(log_path).stdout_bytes


def read_fifo(path, into):
    with open(path, "rb") as fifo:
        into.append(fifo.read())


def test_an_empty_file_name_is_one_error_line(log_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = export(log_path, "-o", "", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "-o needs a file name" in result.stderr and list(tmp_path.iterdir()) == []


def test_dash_is_stdout(log_path):
    assert export(log_path, "-o", "-").stdout_bytes == expected(log_path)


@pytest.mark.parametrize("through_link", [False, True])
def test_a_fifo_is_written_into_not_replaced(log_path, tmp_path, through_link):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    target = fifo
    if through_link:
        target = tmp_path / "link"
        target.symlink_to(fifo)
    received = []
    reader = threading.Thread(target=read_fifo, args=(fifo, received))
    reader.start()
    export(log_path, "-o", str(target))
    reader.join(10)
    assert received == [expected(log_path)]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert not through_link or target.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["fifo"] + (["link"] if through_link else []))


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
@pytest.mark.parametrize("through_link", [False, True])
def test_a_character_device_is_written_into_not_replaced(log_path, tmp_path, device, through_link):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    before = os.stat(device)
    target = device
    if through_link:
        target = str(tmp_path / "dev-link")
        os.symlink(device, target)
    export(log_path, "-o", target)
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert not through_link or os.path.islink(target)
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_full_device_is_one_error_line(log_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    result = export(log_path, "-o", "/dev/full", ok=False)
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_symlink_to_a_file_is_followed_and_stays_a_symlink(log_path, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    export(log_path, "-o", str(link))
    assert link.is_symlink() and real.read_bytes() == expected(log_path)
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "new.csv")
    export(log_path, "-o", str(dangling))
    assert dangling.is_symlink() and (tmp_path / "new.csv").read_bytes() == expected(log_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_dev_stdout_writes_into_what_stdout_is(log_path, tmp_path, name):
    if not os.path.exists(name):
        pytest.skip(f"no {name}")
    env = {**os.environ, "FACTLOG_DB": str(log_path)}
    run = [sys.executable, "-m", "factlog", "export", "csv", "-o", name]
    piped = subprocess.run(run, env=env, capture_output=True, timeout=60)
    assert piped.returncode == 0 and piped.stdout == expected(log_path), piped.stderr
    out = tmp_path / "out.csv"
    with open(out, "wb") as handle:  # a regular file as stdout: written into (appended to), not replaced
        handle.write(b"first line\n")
        handle.flush()
        inode = os.fstat(handle.fileno()).st_ino
        done = subprocess.run(run, env=env, stdout=handle, stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == b"first line\n" + expected(log_path) and out.stat().st_ino == inode


@pytest.mark.parametrize("kind", ["folder", "socket", "block"])
def test_other_special_files_are_refused_and_left_alone(log_path, tmp_path, kind):
    target = tmp_path / kind
    if kind == "folder":
        target.mkdir()
    elif kind == "socket":
        import socket

        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
    else:
        if os.geteuid() != 0:
            pytest.skip("mknod of a block device needs root")
        os.mknod(target, stat.S_IFBLK | 0o600, os.makedev(7, 250))  # a loop device that does not exist
    before = os.lstat(target)
    result = export(log_path, "-o", str(target), ok=False)
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    assert f"it is a {'special file' if kind == 'socket' else kind}" in result.stderr.replace("block device", "block")
    assert os.lstat(target).st_mode == before.st_mode and os.lstat(target).st_ino == before.st_ino


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["new", "file", "fifo", "null", "link-file", "link-fifo", "link-null", "link-link"]))
def test_random_targets_are_never_replaced_by_something_else(log_path, tmp_path, kind):
    folder = Path(os.path.join(tmp_path, os.urandom(4).hex()))
    folder.mkdir()
    target = folder / "out"
    fifo = folder / "fifo"
    received = []
    if kind == "file":
        target.write_text("old")
    if kind.endswith("fifo"):
        os.mkfifo(fifo)
        threading.Thread(target=read_fifo, args=(fifo, received), daemon=True).start()
    if kind.startswith("link"):
        real = {"link-file": folder / "real", "link-fifo": fifo, "link-null": Path("/dev/null"),
                "link-link": folder / "link2"}[kind]
        if kind == "link-file":
            real.write_text("old")
        if kind == "link-link":
            (folder / "real").write_text("old")
            real.symlink_to(folder / "real")
        target.symlink_to(real)
    if kind == "null":
        target = Path("/dev/null")
    if kind == "fifo":
        target = fifo
    kinds_before = {p.name: stat.S_IFMT(os.lstat(p).st_mode) for p in folder.iterdir()}
    export(log_path, "-o", str(target))
    kinds_after = {p.name: stat.S_IFMT(os.lstat(p).st_mode) for p in folder.iterdir()}
    if kind == "new":
        assert kinds_after == {"out": stat.S_IFREG}
    else:
        assert kinds_after == kinds_before  # nothing replaced, no temp left behind
    data = expected(log_path)
    if kind in ("new", "file"):
        assert target.read_bytes() == data
    if kind in ("link-file", "link-link"):
        assert (folder / "real").read_bytes() == data
    if kind.endswith("fifo"):
        for _ in range(100):
            if received:
                break
            threading.Event().wait(0.05)
        assert received == [data]
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# --- the temp files of a killed export ---------------------------------------------------------------------------

def dead_pid():
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def temp_name(target, pid, host=None):
    return f".{target}.{host or _host()}.{pid}-0123abcd{TEMP_SUFFIX}"


def test_the_next_export_removes_what_a_killed_one_left(log_path, tmp_path):
    stale = tmp_path / temp_name("report.csv", dead_pid())
    stale.write_text("half an export")
    other_target = tmp_path / temp_name("other.csv", dead_pid())  # a killed export into another file: ours too
    other_target.write_text("half")
    alive = tmp_path / temp_name("report.csv", os.getppid())  # a running export: left alone
    alive.write_text("being written")
    foreign_host = tmp_path / temp_name("report.csv", dead_pid(), host="elsewhere")  # another machine's
    foreign_host.write_text("theirs")
    not_ours = [tmp_path / ".report.csv.1a2b3c4d.tmp", tmp_path / ".report.csv.host.1-zzzz.factlog-tmp",
                tmp_path / "report.csv.12-0123abcd.factlog-tmp"]
    for path in not_ours:
        path.write_text("someone else's")
    linked = tmp_path / temp_name("linked.csv", dead_pid())
    linked.symlink_to(tmp_path / "victim")
    (tmp_path / "victim").write_text("keep")

    export(log_path, "-o", str(tmp_path / "report.csv"))
    assert not stale.exists() and not other_target.exists()
    assert alive.exists() and foreign_host.exists() and all(p.exists() for p in not_ours)
    assert linked.is_symlink() and (tmp_path / "victim").read_text() == "keep"  # only regular files are ours
    assert (tmp_path / "report.csv").read_bytes() == expected(log_path)


@pytest.mark.slow
def test_a_really_killed_export_leaves_a_temp_that_the_next_run_removes(tmp_path):
    """kill -9 an export in the middle (a plugin exporter that waits), then export again."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "slow_export.py").write_text(
        "import time\nfrom factlog import Exporter, hookimpl\n\n"
        "def write(request, stream):\n    stream.write('partial')\n    stream.flush()\n    time.sleep(60)\n\n"
        "@hookimpl\ndef register_exporters(register):\n"
        "    register(Exporter(name='slow', description='d', extension='txt', media_type='text/plain', write=write))\n")
    info = site / "slow_export-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slow-export\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[factlog]\nslow = slow_export\n")
    db = tmp_path / "log.db"
    with factlog.open_log(db, user="t") as log:
        log.open_fact("f", "A fact")
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "FACTLOG_DB": str(db), "PYTHONPATH": str(site)}
    slow = subprocess.Popen([sys.executable, "-m", "factlog", "export", "slow", "-o", str(out / "r.txt")], env=env,
                            stderr=subprocess.PIPE)
    for _ in range(200):
        if any(p.name.endswith(TEMP_SUFFIX) for p in out.iterdir()):
            break
        threading.Event().wait(0.05)
    slow.kill()
    slow.wait()
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and left[0].endswith(TEMP_SUFFIX)
    done = subprocess.run([sys.executable, "-m", "factlog", "export", "csv", "-o", str(out / "r.csv")], env=env,
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in out.iterdir()] == ["r.csv"]


def test_remove_stale_temps_survives_an_unreadable_folder(tmp_path):
    assert remove_stale_temps(str(tmp_path / "missing")) == []

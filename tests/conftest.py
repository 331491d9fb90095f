import itertools
import json
import os
import sys

import pytest
from click.testing import CliRunner

from factlog.cli import cli

sys.path.insert(0, os.path.dirname(__file__))
from pg_cluster import start_cluster  # noqa: E402

BACKENDS = ("sqlite", "postgres")


def pytest_generate_tests(metafunc):
    """A test marked ``both_backends`` runs once on a SQLite file and once on a PostgreSQL team log: its
    ``db_path`` (and ``new_log``) name a log on each in turn."""
    marked = metafunc.definition.get_closest_marker("both_backends")
    if "backend" in metafunc.fixturenames and marked and not metafunc.definition.get_closest_marker("sqlite_only"):
        # the team-log runs need a server and double the time: they are in the full suite, not the quick loop
        params = [pytest.param(name, marks=pytest.mark.slow) if name != "sqlite" else name for name in BACKENDS]
        metafunc.parametrize("backend", params, indirect=True)


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster for the session (tests/pg_cluster.py); skipped only where none can start."""
    cluster, why = start_cluster()
    if cluster is None:
        pytest.skip(f"no PostgreSQL server: {why}")
    yield cluster
    cluster.remove()


@pytest.fixture
def backend(request):
    return getattr(request, "param", "sqlite")


_numbers = itertools.count(1)


class TeamLog(str):
    """The URL of a log in the test cluster, standing in for a log file's path."""

    def exists(self):
        import factlog

        try:
            factlog.open_log(str(self), create=False).close()
        except factlog.FactlogError:
            return False
        return True


class NewLog:
    """Fresh log locations on the test's back end: ``new_log("story")`` is a file in the test's folder or the URL
    of a new log in the test cluster."""

    def __init__(self, backend, folder, cluster):
        self.backend, self.folder, self.cluster = backend, folder, cluster

    def __call__(self, name="log"):
        number = next(_numbers)
        if self.cluster is None:
            return str(self.folder / f"{name}-{number}.db")
        return TeamLog(self.cluster.url(log=f"{name.lower().replace('.', '-')}-{os.getpid()}-{number}"))


@pytest.fixture
def new_log(backend, tmp_path, request):
    return NewLog(backend, tmp_path, request.getfixturevalue("pg_server") if backend == "postgres" else None)


@pytest.fixture
def db_path(tmp_path, monkeypatch, backend, request):
    if backend == "postgres":
        path = NewLog(backend, tmp_path, request.getfixturevalue("pg_server"))("test")
    else:
        path = tmp_path / "test.db"
    monkeypatch.setenv("FACTLOG_DB", str(path))
    monkeypatch.setenv("FACTLOG_USER", "tester")
    monkeypatch.delenv("FACTLOG_TZ", raising=False)
    return path


class Runner:
    """Runs the real CLI against the test's log file."""

    def __init__(self, db_path):
        self.db_path = db_path
        self.runner = CliRunner()

    def __call__(self, *args, ok=True):
        result = self.runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(f"factlog {' '.join(map(str, args))} exited {result.exit_code}: {result.output}")
        return result

    def json(self, *args):
        return json.loads(self(*args, "--json").stdout)

    def id(self, *args):
        return self(*args, "--quiet").stdout.strip()


@pytest.fixture
def run(db_path):
    return Runner(db_path)

import json
import os

import pytest
from click.testing import CliRunner

from factlog.cli import cli


@pytest.fixture
def db_path(tmp_path, monkeypatch):
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

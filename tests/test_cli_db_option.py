"""``--db`` after the command too (``factlog status --db x.db``), as datasette and sqlite-utils take a database
per command, one definition for every command; and every environment variable factlog reads named in
``factlog --help``."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from factlog.cli import LOG_FREE_COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "belgorod.db"


def leaves(command=cli, path=()):
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from leaves(sub, (*path, name))
    else:
        yield path, command


@pytest.fixture
def seed(tmp_path):
    path = tmp_path / "belgorod.db"
    shutil.copyfile(SEED, path)
    return path


def test_every_command_that_opens_a_log_takes_db_after_it_from_one_definition():
    taking = {path: command for path, command in leaves() if path[0] not in LOG_FREE_COMMANDS}
    assert {("status",), ("claim",), ("source", "add"), ("fact", "list"), ("export",), ("import",), ("init",),
            ("search",), ("verify",)} <= set(taking)
    options = [next(p for p in command.params if p.name == "db") for command in taking.values()]
    assert len({(o.help, o.metavar, o.expose_value, o.callback) for o in options}) == 1  # defined once
    for path, command in leaves():
        if path[0] in LOG_FREE_COMMANDS:
            assert all(p.name != "db" for p in command.params), path


def test_db_after_the_command_reads_that_log(seed, run, db_path):
    assert run.json("status", "--db", seed) == run.json("--db", seed, "status")
    assert len(run.json("status", "--db", seed)) == 8
    assert not db_path.exists()  # $FACTLOG_DB was not touched
    assert "chain intact" in run("verify", "--db", seed).stdout
    assert run.json("fact", "list", "--db", seed) == run.json("--db", seed, "fact", "list")


def test_db_after_the_command_wins_over_db_before_it_and_the_environment(seed, run, db_path, tmp_path):
    other = tmp_path / "other.db"
    run("source", "add", "desk", "--name", "The desk", "--db", other)  # a write command creates it
    assert [s["id"] for s in run.json("source", "list", "--db", other)] == ["desk"]
    assert [s["id"] for s in run.json("--db", seed, "source", "list", "--db", other)] == ["desk"]
    assert len(run.json("--db", other, "status", "--db", seed)) == 8
    assert not db_path.exists()


def test_a_missing_db_after_the_command_is_one_error_line(run, tmp_path):
    result = run("status", "--db", tmp_path / "missing.db", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("Error:") and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "missing.db").exists()
    result = run("status", "--db", ok=False)
    assert result.exit_code == 2 and "requires an argument" in result.stderr


def test_completion_reads_the_log_named_after_the_command(seed, db_path):
    complete = ShellComplete(cli, {}, "factlog", "_FACTLOG_COMPLETE").get_completions
    assert [i.value for i in complete(["status", "--db", str(seed)], "belgorod-t")] == ["belgorod-tochka-u"]
    assert complete(["status"], "belgorod-t") == []  # $FACTLOG_DB: no such log yet


def test_help_names_every_environment_variable_factlog_reads():
    read = set()
    for source in (ROOT / "factlog").rglob("*.py"):
        if source.name != "testing.py":
            read |= set(re.findall(r"\b(FACTLOG_[A-Z_]+)\b", source.read_text(encoding="utf-8")))
    assert {"FACTLOG_DB", "FACTLOG_TZ", "FACTLOG_USER", "FACTLOG_LOAD_PLUGINS"} <= read
    help_text = CliRunner().invoke(cli, ["--help"]).output
    environment = help_text.split("Environment:", 1)[1]
    for name in read:
        assert re.search(rf"^\s+{name}\s+\S", environment, re.M), name
    assert "--db (before or after the command)" in help_text
    assert "The log file, as --db before the command" in CliRunner().invoke(cli, ["status", "--help"]).output


@pytest.mark.slow
def test_the_installed_command_takes_db_after_the_command(seed, tmp_path):
    factlog = Path(sys.executable).with_name("factlog")
    if not factlog.exists():
        pytest.skip("the factlog command is not installed")
    env = {"PATH": str(factlog.parent), "FACTLOG_DB": str(tmp_path / "elsewhere.db"), "HOME": str(tmp_path)}
    done = subprocess.run([str(factlog), "status", "belgorod-tochka-u", "--db", str(seed), "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["status"] == "claimed"
    assert not (tmp_path / "elsewhere.db").exists()

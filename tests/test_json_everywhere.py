"""--json on every command that prints something: writes print the stored event's wire record (as ``log --json``
gives it), and verify, head, rebuild, init, import and config get print one JSON object."""

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from factlog.cli import cli
from factlog.testing import build_sample_log, invoke

# Commands whose output is not factlog's to shape: an export is the format asked for, completion is a shell
# script, plugins install/uninstall show pip's own output.
NOT_JSON = {"export", "completion", "plugins install", "plugins uninstall"}
NOT_JSON.add("evidence get")  # its output is the stored file itself, byte for byte


def commands(group=cli, path=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def test_every_command_that_prints_takes_json():
    missing = [name for name, command in commands()
               if name not in NOT_JSON and not any("--json" in getattr(p, "opts", ()) for p in command.params)]
    assert missing == []


@pytest.fixture
def sample(tmp_path):
    return build_sample_log(tmp_path / "sample.db")


def stored(log_path, seq):
    return [r for r in json.loads(invoke(log_path, "log", "--json")) if r["seq"] == seq]


@pytest.mark.parametrize("args", [
    ["source", "add", "desk", "--name", "The Desk", "--kind", "media"],
    ["fact", "add", "new-fact", "Something happened", "--party", "russia"],
    ["claim", "belgorod-explosion", "--source", "tass", "--quote", "q", "--url", "https://t.example"],
    ["deny", "belgorod-explosion", "--source", "butusov", "--json", "--quiet"],
    ["fact", "reword", "belgorod-explosion", "An explosion"],
    ["config", "set", "publisher.name", "Desk"],
])
def test_a_write_prints_the_event_as_stored(sample, args):
    printed = json.loads(invoke(sample, *args, "--json"))
    assert len(printed) == 1 and printed == stored(sample, printed[0]["seq"])


def test_retract_prints_the_retraction_as_stored(sample):
    [claim] = json.loads(invoke(sample, "claim", "belgorod-explosion", "--source", "tass", "--json"))
    [retraction] = json.loads(invoke(sample, "retract", claim["id"], "--reason", "wrong", "--json"))
    assert retraction["data"]["target"] == claim["id"] and [retraction] == stored(sample, retraction["seq"])


def test_verify_head_rebuild_init_import_config_get(sample, tmp_path):
    head = json.loads(invoke(sample, "head", "--json"))
    text = invoke(sample, "head").decode().split()
    assert head == {"seq": int(text[1]), "hash": text[0]}
    assert json.loads(invoke(sample, "verify", "--json")) == {"ok": True, "events": head["seq"], "seq": head["seq"],
                                                               "head": head["hash"]}
    assert json.loads(invoke(sample, "verify", "--head", head["hash"], "--json"))["ok"] is True
    facts = len(json.loads(invoke(sample, "fact", "list", "--json")))
    assert json.loads(invoke(sample, "rebuild", "--json")) == {"facts": facts, "events": head["seq"]}
    other = tmp_path / "other.db"
    assert json.loads(invoke(other, "init", "--json")) == {"location": str(other), "events": 0}
    dump = tmp_path / "dump.jsonl"
    invoke(sample, "export", "jsonl", "-o", str(dump))
    assert json.loads(invoke(other, "import", str(dump), "--json")) == {
        "new": head["seq"], "known": 0, "first_seq": 1, "last_seq": head["seq"]}
    assert json.loads(invoke(other, "import", str(dump), "--json")) == {
        "new": 0, "known": head["seq"], "first_seq": None, "last_seq": None}
    invoke(sample, "config", "set", "publisher.name", "Desk")
    assert json.loads(invoke(sample, "config", "get", "publisher.name", "--json")) == {
        "key": "publisher.name", "value": "Desk"}


def test_verify_json_on_a_head_the_log_does_not_hold(sample):
    result = CliRunner().invoke(cli, ["--db", str(sample), "verify", "--head", "sha256:" + "ab" * 32, "--json"])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["error"] and result.stderr.startswith("Error:")


@pytest.mark.slow
def test_json_from_the_installed_command_line(sample):
    def factlog(*args):
        done = subprocess.run([sys.executable, "-m", "factlog", "--db", str(sample), *args], capture_output=True,
                              text=True, check=True)
        return json.loads(done.stdout)

    [event] = factlog("claim", "belgorod-explosion", "--source", "tass", "--json")
    assert factlog("head", "--json") == {"seq": event["seq"], "hash": event["hash"]}
    assert factlog("verify", "--json")["head"] == event["hash"]

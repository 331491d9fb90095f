"""examples/teamwork.sh: two analysts' day with every command of issue 12, through the installed CLI, ending with
both logs merged both ways into the same beliefs."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow  # a walk-through script: dozens of processes


@pytest.fixture(scope="module")
def transcript(tmp_path_factory):
    if not (BIN / "factlog").exists() or shutil.which("bash") is None:
        pytest.skip("needs bash and the installed factlog command")
    folder = tmp_path_factory.mktemp("teamwork") / "work"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", str(EXAMPLES / "teamwork.sh"), str(folder)], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return folder, result.stdout, result.stderr


def test_every_new_command_runs(transcript):
    _, out, _ = transcript
    for command in ("void 25", "source amend", "party add", "party amend", "party list", "fact amend",
                    "--chronological", "status --tag", "--since", "--until", "status --party", "retract", "push",
                    "pull"):
        assert f" {command}" in out, command


def test_the_mistakes_are_corrected_and_refused_where_they_must_be(transcript):
    _, out, err = transcript
    assert "statement-voided recorded as event" in out and "party-registered recorded as event" in out
    assert "Error: event" in err and "is already voided" in err
    assert "changes nothing" in err
    assert "is in the future" in err
    assert "is already registered with different data: name 'Crew of the Kestrel' (registered) vs 'Kestrel crew'" \
        " (incoming)" in err


def test_the_two_logs_end_with_the_same_beliefs_and_verify(transcript, run):
    folder, out, _ = transcript
    assert "same beliefs: yes" in out
    assert "pulled 0 new events from alice.db; 33 already in the log" in out  # the second pull changes nothing
    for name in ("alice.db", "bob.db"):
        assert "chain intact" in run("--db", folder / name, "verify").stdout
    [ais] = [row for row in run.json("--db", folder / "bob.db", "status") if row["fact"] == "marja-ais-dark"]
    assert ais["parties"] == {"sudmark": "declined", "norland": "confirmed"}
    assert "Norland" in ais["label"] and "Coast Guard" not in ais["label"]

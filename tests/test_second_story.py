"""examples/second-story.sh records a whole story through the installed CLI, and second-story.md shows its real
output: the script is run and its transcript compared with the page (event ids and recording times aside)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BIN = Path(sys.executable).parent


# these run the walk-through scripts end to end: minutes of processes, so not in the quick loop
pytestmark = pytest.mark.slow


def normalise(text):
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<event id>", text)
    text = re.sub(r"[0-9a-f]{8}…[0-9a-f]{8}", "<short id>", text)
    return re.sub(r"last recorded \d{4}-\d\d-\d\d \d\d:\d\d UTC", "last recorded <time>", text)


def pasted_transcript():
    page = (EXAMPLES / "second-story.md").read_text(encoding="utf-8")
    block = page.split("<!-- transcript", 1)[1].split("```console\n", 1)[1]
    return block.split("\n```", 1)[0] + "\n"


@pytest.fixture(scope="module")
def transcript(tmp_path_factory):
    if not (BIN / "factlog").exists() or shutil.which("bash") is None:
        pytest.skip("needs bash and the installed factlog command")
    path = tmp_path_factory.mktemp("story") / "vessa.db"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", str(EXAMPLES / "second-story.sh"), str(path)], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return path, result.stdout


def test_the_script_records_the_story_and_the_page_shows_its_real_output(transcript):
    _, out = transcript
    assert normalise(out.lstrip("\n")) == normalise(pasted_transcript())


def test_the_story_ends_with_every_kind_of_status(transcript, run):
    path, _ = transcript
    statuses = {row["fact"]: row["status"] for row in run.json("--db", path, "status")}
    assert statuses == {
        "vessa-collision": "confirmed", "kestrel-rammed-marja": "disputed", "marja-in-norland-waters": "disputed",
        "marja-ais-dark": "claimed", "marja-crew-missing": "retracted",
    }
    assert "chain intact" in run("--db", path, "verify").stdout
    assert len(run.json("--db", path, "log")) == 24

"""The seed story: examples/belgorod.sh, run as a user would, ends with the beliefs of issue 3's table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# fact id -> (status, party stances), exactly as issue 3 asks
EXPECTED = {
    "belgorod-explosion": ("confirmed", {"russia": "confirmed"}),
    "belgorod-ukrainian-missile": ("claimed", {"ukraine": "unconfirmed", "russia": "declined"}),
    "belgorod-tochka-u": ("claimed", {"ukraine": "unconfirmed"}),
    "belgorod-resident-casualties": ("denied", {"russia": "denied"}),
    "belgorod-soldiers-hurt": ("claimed", {"russia": "unconfirmed"}),
    "russia-scales-back-kyiv": ("disputed", {"russia": "confirmed"}),
}


# these run the walk-through scripts end to end: minutes of processes, so not in the quick loop
pytestmark = pytest.mark.slow


def factlog(db: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["factlog", "--db", str(db), *args], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded(tmp_path_factory, request):
    """Runs the example script into a fresh log (a file, or a new log in the test cluster), with this venv's
    factlog first on PATH."""
    folder = tmp_path_factory.mktemp("seed")
    db = folder / "belgorod.db"
    args = [str(db)]
    if request.param == "postgres":
        db = request.getfixturevalue("pg_server").url(log=f"belgorod-{os.getpid()}")
        REPORTS[db] = folder
        args = [db, str(report_of(db))]
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    env.pop("FACTLOG_DB", None)
    result = subprocess.run(["bash", str(ROOT / "examples" / "belgorod.sh"), *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return db, env, result


def report_of(db, folder=None):
    """Where the script writes the Markdown report: beside a log file, or in the test's folder for a team log."""
    if isinstance(db, Path):
        return db.with_suffix(".md")
    return Path(folder or REPORTS[db]) / "belgorod.md"


REPORTS: dict = {}


def test_the_script_ends_by_printing_the_beliefs(seeded):
    db, _, result = seeded
    assert "== What is believed" in result.stdout
    believed = result.stdout.split("== What is believed", 1)[1]
    for fact in EXPECTED:
        assert fact[:20] in believed
    lines = result.stdout.rstrip().splitlines()
    assert lines[-2].startswith("ok: ")  # verify passed
    assert lines[-1] == f"== The Markdown report: {report_of(db)}"
    assert result.stderr == ""


def test_the_script_writes_the_markdown_report(seeded):
    from markdown_it import MarkdownIt

    db, env, _ = seeded
    report = report_of(db).read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable("table").parse(report)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert set(EXPECTED) <= set(headings)
    assert "claimed: by Yuriy Butusov, TASS; unconfirmed by Ukraine; declined by Russia" in report


def test_the_table_of_issue_3(seeded):
    db, env, _ = seeded
    rows = {r["fact"]: r for r in json.loads(factlog(db, "status", "--json", env=env).stdout)}
    assert {fact: (rows[fact]["status"], rows[fact]["parties"]) for fact in EXPECTED} == EXPECTED
    assert "unconfirmed by Ukraine" in rows["belgorod-ukrainian-missile"]["label"]
    # TASS cites the emergency services source (issue 16): two claims, one independent assertion
    assert rows["belgorod-soldiers-hurt"]["independent_assertions"] == 1
    assert rows["belgorod-soldiers-hurt"]["chains"] == {"tass": ["tass", "emergency-services-source"]}


def test_the_issues_label(seeded):
    db, env, _ = seeded
    [row] = json.loads(factlog(db, "status", "belgorod-ukrainian-missile", "--json", env=env).stdout)
    assert row["label"] == "claimed: by Yuriy Butusov, TASS; unconfirmed by Ukraine; declined by Russia"


def test_the_seed_verifies_and_rebuilds_to_the_same_beliefs(seeded):
    db, env, _ = seeded
    verified = factlog(db, "verify", env=env)
    assert verified.returncode == 0 and verified.stdout.startswith("ok: "), verified.stderr
    before = factlog(db, "status", "--json", env=env).stdout
    assert factlog(db, "rebuild", env=env).returncode == 0
    assert factlog(db, "status", "--json", env=env).stdout == before


def test_the_seed_in_the_past(seeded):
    db, env, _ = seeded
    # before anyone spoke on 30 March (Moscow time) only the talks had been addressed
    early = {r["fact"]: r["status"] for r in json.loads(
        factlog(db, "status", "--valid-at", "2022-03-30T00:00:00+03:00", "--json", env=env).stdout)}
    assert early["russia-scales-back-kyiv"] == "confirmed"
    assert early["belgorod-explosion"] == "open"
    history = json.loads(factlog(db, "history", "belgorod-ukrainian-missile", "--json", env=env).stdout)
    assert [h["status"] for h in history] == ["open", "claimed", "claimed", "claimed"]
    assert history[-1]["source"] == "tass"

"""The benchmark suite runs end to end at a tiny size (no timing is asserted: see tests/bench/run.py), prints
every goal of issue 14 with its ratio and a "met" column, and regenerates a README's results between markers."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "bench"))

import readme  # noqa: E402
import run  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("eventsourcing", ["if installed", "without"])
def test_benchmark_runs_at_a_tiny_size(tmp_path, eventsourcing):
    results = tmp_path / "bench.json"
    readme_file = tmp_path / "README.md"
    readme_file.write_text(f"# Performance\n\nby hand\n\n{readme.BEGIN}\nold figures\n{readme.END}\n\nafter\n")
    env = dict(os.environ)
    if eventsourcing == "without":
        env["FACTLOG_BENCH_WITHOUT_EVENTSOURCING"] = "1"
    completed = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "bench", "run.py"), "--size", "2000", "--repeat", "1",
         "--work", str(tmp_path / "work"), "--json", str(results), "--write-readme", str(readme_file)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(results.read_text())
    cases = " ".join(row["case"] for row in report["rows"])
    for name in ("import", "claim", "appends", "rebuild", "status", "export", "push", "--valid-at", "log as a table",
                 "export markdown", "csv --view events"):
        assert name in cases
    assert {row["key"] for row in report["rows"]} >= set(run.GOALS)  # every goal of the issue has its row
    assert all(row["median"] == row["median"] for row in report["rows"] if row["min"] is not None)  # no NaN
    assert "| case | factlog: median (min–max) | baseline: median | ratio | goal | met |" in completed.stdout
    by_key = {row["key"]: row for row in report["rows"]}
    assert by_key["import.time"]["met"] is None  # a goal at 1M events does not apply at 2,000
    assert by_key["import.memory"]["met"] in (True, False)
    if eventsourcing == "without":
        assert by_key["append.full"]["met"] is None and by_key["append.full"]["ratio"] is None
    written = readme_file.read_text()
    assert written.startswith("# Performance\n\nby hand\n\n") and written.endswith("\n\nafter\n")
    assert "old figures" not in written and report["machine"]["cpu"] in written and "| import.time" not in written
    assert "--size 2000 --repeat 1" in written


def test_goals_are_judged_at_their_size():
    timed = run.Goal("import", "import of 1M events", "<=", 40, of="value", unit="s", size=1_000_000)
    row = run.Row("import time", "s", [30.0, 35.0, 50.0])
    assert timed.met(row, 1_000_000) is True and timed.met(row, 100_000) is None
    assert timed.text() == "<= 40 s at 1M"
    ratio = run.Goal("append", "append", ">=", 0.75, note="stretch 1x")
    assert ratio.met(run.Row("a", "events/s", [1500.0], "es", [3000.0]), 2000) is False
    assert ratio.met(run.Row("a", "events/s", [1500.0], "es", []), 2000) is None  # no baseline: not judged
    assert ratio.text() == ">= 0.75x (stretch 1x)"


def test_the_table_shows_a_dash_where_a_goal_cannot_be_judged():
    rows = [run.Row("import time", "s", [50.0], key="import.time").judge(100_000),
            run.Row("import time", "s", [50.0], key="import.time").judge(1_000_000)]
    lines = run.table(rows).splitlines()
    assert lines[2].endswith("| <= 40 s at 1M | — |") and lines[3].endswith("| **no** |")

"""The benchmark suite runs end to end at a tiny size (no timing is asserted: see tests/bench/run.py)."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow
@pytest.mark.parametrize("eventsourcing", ["if installed", "without"])
def test_benchmark_runs_at_a_tiny_size(tmp_path, eventsourcing):
    results = tmp_path / "bench.json"
    env = dict(os.environ)
    if eventsourcing == "without":
        env["FACTLOG_BENCH_WITHOUT_EVENTSOURCING"] = "1"
    completed = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "bench", "run.py"), "--size", "2000", "--repeat", "1",
         "--work", str(tmp_path / "work"), "--json", str(results)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(results.read_text())
    cases = " ".join(row["case"] for row in report["rows"])
    for name in ("import", "claim", "appends", "rebuild", "status", "export", "push", "--valid-at", "log as a table",
                 "export markdown", "csv --view events"):
        assert name in cases
    assert all(row["median"] == row["median"] for row in report["rows"] if row["min"] is not None)  # no NaN
    assert "| case |" in completed.stdout

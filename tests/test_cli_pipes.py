"""A reader that goes away early (``factlog log --json | head -1``) ends the command quietly, exit 1 as cat
(the output was cut short), with no traceback or error text."""

import os
import subprocess
import sys

import factlog


def test_a_closed_pipe_is_not_an_error(tmp_path):
    db = tmp_path / "pipe.db"
    with factlog.open_log(db, user="tester") as log:
        log.add_source("tass", "TASS", kind="agency")
        for n in range(300):
            log.open_fact(f"fact-{n}", "A statement long enough to fill the pipe " * 20)
    env = {**os.environ, "FACTLOG_DB": str(db)}
    for args in (["log", "--json"], ["export", "jsonl"]):
        pipeline = subprocess.run(
            f"{sys.executable} -m factlog {' '.join(args)} | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}} >&2",
            shell=True, executable="/bin/bash", env=env, capture_output=True, text=True, timeout=60,
        )
        status = pipeline.stderr.strip().splitlines()[-1]
        assert pipeline.stderr.strip() == status, pipeline.stderr  # nothing but the exit status
        assert status == "1"

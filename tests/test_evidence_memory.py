"""Issue 16's memory goal, measured in a child process per command (tests/bench/evidence_memory.py): ``evidence
add`` of a 100 MiB file streams, its peak resident set size stays under 64 MiB, on a SQLite file and on a team log."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "bench"))
from evidence_memory import GOAL_MIB, measure  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]


def test_adding_a_100_mib_file_stays_under_64_mib(new_log, tmp_path):
    results = measure(100, str(new_log("memory")), tmp_path)
    assert all(status == 0 for _, _, status in results.values()), results
    peak = results["evidence add"][0]
    assert peak < GOAL_MIB, results
    # reading it back and verifying stream as well
    assert results["evidence get -o"][0] < GOAL_MIB and results["verify"][0] < GOAL_MIB, results

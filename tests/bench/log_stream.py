"""How `factlog log` streams a long log as a table (issue 15): the time to the first row, and the whole table
against `log --json` of the same log, each in a fresh process, stdout a pipe.

    python tests/bench/log_stream.py 200000            # generates the log (generate.py), imports it, measures
    python tests/bench/log_stream.py --db big.db       # an existing log

Goals: the first row within 0.5 s; the whole table within about 2x `log --json` (CPU time, as the machine is
shared: wall time is printed too).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def factlog(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "factlog", "--db", db, *args]


def first_row(db: str) -> float:
    """Seconds until the first row after the header and its rule reaches the pipe."""
    start = time.monotonic()
    process = subprocess.Popen(factlog(db, "log"), stdout=subprocess.PIPE)
    assert process.stdout is not None
    for _ in range(3):
        process.stdout.readline()
    elapsed = time.monotonic() - start
    process.kill()
    process.wait()
    return elapsed


def whole(db: str, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``factlog log ARGS`` into /dev/null."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(factlog(db, "log", *args), stdout=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def prepare(size: int, folder: str) -> str:
    jsonl, db = os.path.join(folder, "log.jsonl"), os.path.join(folder, "log.db")
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(size), "-o", jsonl], check=True)
    subprocess.run(factlog(db, "import", jsonl), check=True, stdout=subprocess.DEVNULL)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, nargs="?", default=200_000)
    parser.add_argument("--db", help="measure this log instead of generating one")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = options.db or prepare(options.size, folder)
        first = min(first_row(db) for _ in range(3))
        table_wall, table_cpu = whole(db)
        json_wall, json_cpu = whole(db, "--json")
    print(f"first row: {first:.2f} s (goal < 0.5 s)")
    print(f"table: {table_wall:.1f} s wall, {table_cpu:.1f} s CPU; --json: {json_wall:.1f} s wall, {json_cpu:.1f} s CPU")
    print(f"table / json: {table_cpu / json_cpu:.2f}x CPU, {table_wall / json_wall:.2f}x wall (goal ~2x)")


if __name__ == "__main__":
    main()

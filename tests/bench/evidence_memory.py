"""Peak memory of evidence files (issue 16: ``evidence add`` of a 100 MiB file streams, peak < 64 MiB).

Each command runs as its own process through the CLI and reports its peak resident set size (VmHWM) as it
exits. Prints one row per command.

    python tests/bench/evidence_memory.py [--size-mib 100] [--db PATH_OR_URL]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_MIB = 64


# The command, reporting its own peak at exit: VmHWM counts this process's memory since its exec only. (The
# rusage of a child also counts the parent it was forked from, up to the exec: a large test runner would show.)
CHILD = """
import atexit, os

def report():
    with open("/proc/self/status") as status, open(os.environ["FACTLOG_BENCH_PEAK"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))

atexit.register(report)
from factlog.cli import main
main()
"""


def peak_of(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(peak RSS in MiB, seconds, exit status) of ``factlog ARGS`` run as a child process."""
    with tempfile.NamedTemporaryFile("r") as peak:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, *args], env={**env, "FACTLOG_BENCH_PEAK": peak.name},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seconds = time.perf_counter() - started
        if done.stderr.strip():
            print(f"  ({' '.join(args[:2])}: {done.stderr.decode(errors='replace').strip()})", file=sys.stderr)
        return int(peak.read() or 0) / 1024, seconds, done.returncode  # VmHWM: kB


def random_file(path: Path, size: int) -> None:
    with open(path, "wb") as out:
        left = size
        while left:
            out.write(os.urandom(min(left, 1 << 20)))
            left -= min(left, 1 << 20)


def file_hash(path: Path) -> str:
    """Streamed: this process must stay small, for Linux counts a child's peak from before its exec, when it is
    still a copy of this process."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def measure(size_mib: int, db: str | None = None, folder: Path | None = None) -> dict[str, tuple[float, float, int]]:
    """Peak RSS (MiB), seconds and exit status of add, get -o, verify and export jsonl of one file of ``size_mib``."""
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        where = Path(tmp)
        env = {**os.environ, "FACTLOG_DB": db or str(where / "bench.db"), "FACTLOG_USER": "bench"}
        for args in (["source", "add", "tass", "--name", "TASS"], ["fact", "add", "blast", "A blast"],
                     ["claim", "blast", "--source", "tass"]):
            subprocess.run([sys.executable, "-c", "from factlog.cli import main; main()", *args], env=env,
                           check=True, stdout=subprocess.DEVNULL)
        evidence = where / "video.bin"
        random_file(evidence, size_mib << 20)
        digest = file_hash(evidence)
        results = {"evidence add": peak_of(["evidence", "add", "3", str(evidence)], env)}
        results["evidence get -o"] = peak_of(["evidence", "get", digest, "-o", str(where / "back.bin")], env)
        if file_hash(where / "back.bin") != digest:
            raise SystemExit("evidence get gave other bytes")
        results["verify"] = peak_of(["verify"], env)
        results["export jsonl"] = peak_of(["export", "jsonl", "-o", str(where / "log.jsonl")], env)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=100)
    parser.add_argument("--db", help="a log to use (e.g. a postgresql:// URL); default: a new SQLite file")
    options = parser.parse_args()
    print(f"{'command':<18} {'file':>8} {'peak RSS':>10} {'seconds':>8}  goal")
    for command, (peak, seconds, status) in measure(options.size_mib, options.db).items():
        goal = f"< {GOAL_MIB} MiB {'met' if peak < GOAL_MIB else 'NOT met'}" if command == "evidence add" else ""
        failed = "" if status == 0 else f"  (exit {status})"
        print(f"{command:<18} {options.size_mib:>4} MiB {peak:>6.1f} MiB {seconds:>8.2f}  {goal}{failed}")


if __name__ == "__main__":
    main()

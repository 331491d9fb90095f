"""The reliability scenarios of issue 5 at full counts, with figures. Not collected by pytest (CI runs the reduced
counts in tests/test_reliability_*.py); run it before a release or after touching the store:

    .venv/bin/python tests/reliability/run.py              # everything (about 6 minutes on 2 cores)
    .venv/bin/python tests/reliability/run.py kill-import  # one scenario; names are listed by --help

Each scenario prints: runs, failures, and its figures (worst times). The exit status is 1 if any run failed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

from reliability import harness  # noqa: E402

SCENARIOS = {}


def scenario(name: str):
    def register(function):
        SCENARIOS[name] = function
        return function

    return register


class Report:
    def __init__(self, name: str):
        self.name, self.runs, self.failures, self.figures, self.notes = name, 0, 0, {}, []

    def run(self, problems: list[str]) -> None:
        self.runs += 1
        if problems:
            self.failures += 1
            self.notes.append(f"run {self.runs}: {problems[:3]}")

    def worst(self, figure: str, value: float) -> None:
        self.figures[figure] = max(self.figures.get(figure, value), value)

    def count(self, figure: str, amount: int = 1) -> None:
        self.figures[figure] = self.figures.get(figure, 0) + amount

    def print(self) -> None:
        figures = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in self.figures.items())
        print(f"{self.name:<14} runs {self.runs:>4}  failures {self.failures:>3}  {figures}", flush=True)
        for note in self.notes[:5]:
            print(f"{'':<14} {note}", flush=True)


def folder() -> str:
    return tempfile.mkdtemp(prefix="factlog-reliability-")


@scenario("load")
def load(report: Report, runs: int) -> None:
    """4 processes x 500 appends: 2,000 events, gapless, unforked, verified, projections = rebuild."""
    for _ in range(runs):
        where = folder()
        started = time.monotonic()
        db = os.path.join(where, "load.db")
        setup, results = harness.run_writers(db, procs=4, count=500)
        report.worst("worst run s", time.monotonic() - started)
        report.worst("worst append ms", max(r["max_ms"] for r in results))
        report.run(harness.load_problems(db, setup, results, count=500))
        shutil.rmtree(where)


@scenario("deferred")
def deferred(report: Report, runs: int) -> None:
    """The same with BEGIN instead of BEGIN IMMEDIATE: every run must find problems (a run "fails" if not)."""
    for _ in range(runs):
        where = folder()
        db = os.path.join(where, "deferred.db")
        setup, results = harness.run_writers(db, procs=4, count=500, deferred=True)
        problems = harness.load_problems(db, setup, results, count=500)
        report.count("locked errors", sum(sum("locked" in e for e in r["errors"]) for r in results))
        report.run([] if problems else ["deferred transactions went unnoticed"])
        shutil.rmtree(where)


@scenario("kill-append")
def kill_append(report: Report, runs: int) -> None:
    """kill -9 two writers at random moments: every acknowledged event is there, the log checks out."""
    rng = random.Random(1)
    for _ in range(runs):
        where = folder()
        db = os.path.join(where, "crash.db")
        harness.prepare_shared(db)
        writers = harness.start_writers(db, procs=2, count=2000)
        harness.kill_at_random(writers[0], 1.6, 3.0, rng)
        harness.kill_at_random(writers[1], 0.0, 0.5, rng)
        results = [harness.collect(w) for w in writers]
        stored = dict(harness.stored_ids(db))
        problems = harness.log_problems(db)
        lost = [seq for r in results for seq, i in r["events"] if stored.get(seq) != i]
        report.count("acknowledged", sum(len(r["events"]) for r in results))
        report.run(problems + ([f"{len(lost)} acknowledged events lost"] if lost else []))
        shutil.rmtree(where)


@scenario("kill-import")
def kill_import(report: Report, runs: int, events: int = 100_000) -> None:
    """kill -9 at random moments of a 100,000-event import: all or nothing, the log checks out."""
    where = folder()
    source = os.path.join(where, "events.jsonl")
    harness.write_import_file(source, events)
    timing = os.path.join(where, "timing.db")
    harness.prepare_shared(timing)
    started = time.monotonic()
    out, err = harness.start_import(timing, source).communicate()
    seconds = time.monotonic() - started
    report.figures["import s"] = seconds
    rng = random.Random(2)
    for run in range(runs):
        db = os.path.join(where, f"crash-{run}.db")
        before = harness.prepare_shared(db)
        importer = harness.start_import(db, source)
        harness.kill_at_random(importer, 0.2, seconds * 1.1, rng)
        importer.communicate()
        count = len(harness.stored_ids(db))
        problems = [] if count in (before, before + events) else [f"partial import: {count - before} events"]
        report.count("none" if count == before else "all" if count == before + events else "partial")
        checked = time.monotonic()
        problems += harness.log_problems(db)
        report.worst("worst check s", time.monotonic() - checked)
        if count == before and run % 5 == 0:  # the retry completes it, without a duplicate
            again = harness.start_import(db, source)
            again.communicate()
            problems += harness.log_problems(db, expected=before + events)
        report.run(problems)
        for suffix in ("", "-wal", "-shm"):
            Path(db + suffix).unlink(missing_ok=True)
    shutil.rmtree(where)


@scenario("resend")
def resend(report: Report, runs: int) -> None:
    """A client killed while sending events one by one sends them all again: no duplicate, nothing lost."""
    import json

    import factlog

    rng = random.Random(3)
    for _ in range(runs):
        where = folder()
        origin = os.path.join(where, "origin.db")
        with factlog.open_log(origin, user="origin") as log:
            log.add_source("tass", "TASS")
            log.open_fact("f", "A fact")
            for i in range(498):
                log.claim("f", "tass", quote=f"report {i}")
            records = list(log.store.wire_records())
        path = os.path.join(where, "records.jsonl")
        Path(path).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        db = os.path.join(where, "target.db")
        first = subprocess.Popen([harness.PYTHON, harness.HARNESS, "sender", db, path],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        harness.kill_at_random(first, 0.5, 2.5, rng)
        first.communicate()
        again = subprocess.run([harness.PYTHON, harness.HARNESS, "sender", db, path], capture_output=True, text=True)
        problems = [] if again.returncode == 0 else [again.stderr[-300:]]
        problems += harness.log_problems(db, expected=500)
        if [i for _, i in harness.stored_ids(db)] != [r["id"] for r in records]:
            problems.append("the ids differ from what was sent")
        report.run(problems)
        shutil.rmtree(where)


@scenario("byte-flips")
def byte_flips(report: Report, runs: int, flips: int = 1000) -> None:
    """1,000 random single-byte changes, one at a time, on a log of every event type: each caught at its seq."""
    import factlog
    from factlog.errors import IntegrityError
    from test_reliability_tamper import build_log

    for run in range(runs):
        where = folder()
        db = build_log(os.path.join(where, "log.db"), statements=300)
        rng, problems = random.Random(run), []
        with factlog.open_log(db, create=False) as log:
            for _ in range(flips):
                seq, column, new, undo = harness.flip_one_byte(db, rng)
                started = time.monotonic()
                try:
                    log.verify()
                    problems.append(f"seq {seq} {column}: not detected")
                except IntegrityError as exc:
                    if exc.seq != seq:
                        problems.append(f"seq {seq} {column}: reported at seq {exc.seq}")
                finally:
                    undo()
                report.worst("worst verify ms", (time.monotonic() - started) * 1000)
                report.count("flips")
        report.run(problems)
        shutil.rmtree(where)


@scenario("disk-full")
def disk_full(report: Report, runs: int) -> None:
    """An import onto a 2 MiB tmpfs (root only): one error line, exit 1, nothing partial."""
    if os.geteuid() != 0:
        report.notes.append("skipped: needs root to mount a tmpfs")
        return
    where = folder()
    source = os.path.join(where, "events.jsonl")
    harness.write_import_file(source, 20_000)
    for _ in range(runs):
        disk = os.path.join(where, "disk")
        os.makedirs(disk, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk], check=True)
        try:
            db = os.path.join(disk, "full.db")
            before = harness.prepare_shared(db)
            done = harness.start_import(db, source)
            out, err = done.communicate()
            lines = err.splitlines()
            problems = [] if done.returncode == 1 and len(lines) == 1 and "full" in lines[0] else [err[-300:]]
            report.run(problems + harness.log_problems(db, expected=before))
        finally:
            subprocess.run(["umount", "-l", disk], check=False)
    shutil.rmtree(where)


@scenario("hostile-input")
def hostile_input(report: Report, runs: int, examples: int = 1000) -> None:
    """The hypothesis tests of test_reliability_input.py with 1,000 examples each (4,000 cases per run)."""
    import pytest

    os.environ["FACTLOG_FUZZ_EXAMPLES"] = str(examples)
    for _ in range(runs):
        code = pytest.main(["-q", "-p", "no:cacheprovider", str(TESTS / "test_reliability_input.py"), "-k", "bad"])
        module = sys.modules.get("test_reliability_input")
        if module is not None:
            report.count("cases", module.SLOWEST["cases"])
            report.worst("slowest answer s", module.SLOWEST["seconds"])
        report.run([] if code == 0 else [f"pytest exited {code}"])


@scenario("hostile-text")
def hostile_text(report: Report, runs: int, examples: int = 200) -> None:
    """Issue 13: 200 logs of random control, bidi and separator characters through every human output (22
    commands each): no raw control character may reach stdout or stderr."""
    import pytest

    os.environ["FACTLOG_HOSTILE_EXAMPLES"] = str(examples)
    for _ in range(runs):
        code = pytest.main(["-q", "-p", "no:cacheprovider", str(TESTS / "test_hostile_text.py"), "-k", "no_raw"])
        module = sys.modules.get("test_hostile_text")
        if module is not None:
            report.count("outputs checked", module.CHECKED["outputs"])
        report.run([] if code == 0 else [f"pytest exited {code}"])


RUNS = {"load": 5, "deferred": 3, "kill-append": 20, "kill-import": 20, "resend": 10, "byte-flips": 1,
        "disk-full": 3, "hostile-input": 1, "hostile-text": 1}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", choices=[[], *SCENARIOS], metavar="SCENARIO",
                        help=f"which to run (default: all): {', '.join(SCENARIOS)}")
    parser.add_argument("--runs", type=int, help="override the number of runs of each scenario")
    args = parser.parse_args()
    failed = False
    for name in args.names or SCENARIOS:
        report = Report(name)
        started = time.monotonic()
        SCENARIOS[name](report, args.runs or RUNS[name])
        report.figures["total s"] = time.monotonic() - started
        report.print()
        failed |= report.failures > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The factlog benchmark: every case against a baseline measured in the same run, each in a fresh process.

    python tests/bench/run.py                      # 100,000 events, 3 repetitions
    python tests/bench/run.py --large              # 1,000,000 events
    python tests/bench/run.py --size 2000 --repeat 1 --only import,claim
    python tests/bench/run.py --size 1000000 --repeat 1 --write-readme

It generates a synthetic log (generate.py), then runs each case and its baselines (baselines.py, inprocess.py)
``--repeat`` times, each time in a new process, and prints a table: case | factlog's median with min-max |
the named baseline's median | the ratio | the goal | met (yes, no, or "—" where the goal holds at another
size or its baseline was not measured). The goals are issue 14's, declared as data in ``GOALS`` beside the
cases; every one of them gets a row, measured or not. Machines differ and this one is shared, so the goals
are ratios against baselines of the same run wherever the issue allows. Work files go to ``--work``
(default: a temporary folder, removed at the end). ``--write-readme`` regenerates the README's results
(readme.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate  # noqa: E402

PYTHON = sys.executable
README = os.path.join(os.path.dirname(os.path.dirname(HERE)), "README.md")
SMALL = 1000
LISTING = 200_000  # the log size of issue 14's listing goals (log as a table, export markdown)
APPENDS = 1000
IMPORT_ONLY = "import attrs, cattrs, pluggy, sqlite_utils, click"
LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump([wall, usage.ru_maxrss], out)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass
class Sample:
    wall: float  # seconds, process start to exit
    work: float | None  # seconds of the measured work, when the process reports it
    events: int | None
    peak_mib: float


@dataclass
class Measure:
    samples: list[Sample]
    use: str = "wall"  # which time the case is about: "wall" or "work"

    def times(self) -> list[float]:
        return [(s.work if self.use == "work" else s.wall) or 0.0 for s in self.samples]

    def rates(self) -> list[float]:
        return [(s.events or 0) / t for s, t in zip(self.samples, self.times()) if t]

    def peak(self) -> float:
        return max(s.peak_mib for s in self.samples)


@dataclass(frozen=True)
class Goal:
    """One goal of issue 14, declared as data beside the rows it judges (``GOALS``, by row key).

    ``op`` and ``target`` apply to the row's ratio against its named baseline (``of="ratio"``) or to its median
    in the row's unit (``of="value"``). A goal with ``size`` holds only at that log size: at any other the
    row's "met" is "—", as it is when the baseline was not measured. ``keep`` marks a goal already met that
    must stay met."""

    case: str  # the Bench case (method ``case_NAME``) that measures it
    label: str  # the row, shown when no case measured it
    op: str  # ">=", "<=" or "<"
    target: float
    of: str = "ratio"
    unit: str = ""  # for ``of="value"``: the unit the target is in
    size: int | None = None
    note: str = ""  # e.g. the stretch goal
    keep: bool = False

    def text(self) -> str:
        if self.of == "ratio":
            what = f"{self.op} {self.target:g}x"
        else:
            amount = f"{self.target / 1000:g}k" if self.unit == "events/s" else f"{self.target:g}"
            what = f"{self.op} {amount} {self.unit}"
        if self.size is not None:
            what += f" at {short_size(self.size)}"
        return what + (f" ({self.note})" if self.note else "") + (" (to keep)" if self.keep else "")

    def applies(self, size: int) -> bool:
        return self.size is None or self.size == size

    def met(self, row: Row, size: int) -> bool | None:
        """Whether ``row`` meets the goal; None when it does not apply or cannot be judged."""
        if not self.applies(size):
            return None
        value = row.ratio if self.of == "ratio" else (row.median if row.values else None)
        if value is None or value != value:
            return None
        return {">=": value >= self.target, "<=": value <= self.target, "<": value < self.target}[self.op]


ES = "eventsourcing"
MILLION = 1_000_000
# Issue 14's table, row by row, and the goals met and to keep. A case adds a row with ``key=`` one of these.
GOALS: dict[str, Goal] = {
    "import.es": Goal("import", "import jsonl vs eventsourcing bulk", ">=", 1.5, note="stretch 2x"),
    "import.raw": Goal("import", "import jsonl vs raw executemany", ">=", 0.25, note="stretch goal"),
    "import.time": Goal("import", "import of 1M events", "<=", 40, of="value", unit="s", size=MILLION),
    "import.memory": Goal("import", "import peak memory", "<=", 300, of="value", unit="MiB"),
    "rebuild.es": Goal("rebuild", "rebuild vs eventsourcing read and fold", ">=", 1.2, note="stretch 1.5x"),
    "rebuild.time": Goal("rebuild", "rebuild of 1M events", "<=", 15, of="value", unit="s", size=MILLION),
    "append.full": Goal("append", "Python API append, one txn each, FULL, vs eventsourcing one save per event",
                        ">=", 0.75, note="stretch 1x"),
    "valid_at": Goal("valid_at", "status --valid-at T (the median said-at time) over all facts vs plain status",
                     "<=", 2),
    "valid_at.late": Goal("valid_at", "status --valid-at T (after all was said) over all facts vs plain status",
                          "<=", 2),
    "log_table.first_row": Goal("log_table", "log as a table: first row", "<", 0.5, of="value", unit="s"),
    "log_table.whole": Goal("log_table", "log as a table, whole, vs log --json", "<=", 2),
    "export_md": Goal("export_md", "export markdown", ">=", 50_000, of="value", unit="events/s"),
    "export_md.memory": Goal("export_md", "export markdown peak memory vs a tenth of the log", "<=", 1.2,
                             note="flat"),
    "export_csv_events": Goal("export", "export csv --view events", ">=", 200_000, of="value", unit="events/s"),
    # met, and to keep
    "claim": Goal("claim", "claim start-up vs the bare stack import", "<=", 0.8, keep=True),
    "growth": Goal("growth", "appends into a big log vs a 1k log", "<=", 1.2, keep=True),
    "status.now": Goal("status", "status FACT, big log vs 1k log", "<=", 1.2, keep=True),
    "status.at_seq": Goal("status", "status FACT --at-seq, big log vs 1k log", "<=", 1.2, keep=True),
    # issue 16: reads of one fact stay independent of log size with verdicts and citations in the log
    "why": Goal("status", "why FACT (verdicts and citations present), big log vs 1k log", "<=", 1.2),
    "export_jsonl": Goal("export", "export jsonl", ">=", 200_000, of="value", unit="events/s", keep=True),
    "export.memory": Goal("export", "export peak memory vs a tenth of the log", "<=", 1.2, note="flat", keep=True),
    "push": Goal("push", "push into a new log vs import of its export", ">=", 0.9, keep=True),
}


def short_size(size: int) -> str:
    return f"{size // MILLION}M" if size % MILLION == 0 else f"{size // 1000}k" if size % 1000 == 0 else f"{size:,}"


@dataclass
class Row:
    case: str
    unit: str  # "events/s", "ms", "s", "MiB"
    values: list[float]
    baseline: str = ""  # the baseline's name, measured in the same run
    baseline_values: list[float] = field(default_factory=list)
    higher_is_better: bool = True
    key: str = ""  # its goal in ``GOALS``, if it has one
    goal: str = ""
    met: bool | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def ratio(self) -> float | None:
        if not self.baseline_values or not self.values:
            return None
        return self.median / statistics.median(self.baseline_values)

    def judge(self, size: int) -> Row:
        """Fill ``goal`` and ``met`` from the row's declared goal at this log size."""
        goal = GOALS.get(self.key)
        if goal is not None:
            self.goal, self.met = goal.text(), goal.met(self, size)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case, "key": self.key, "unit": self.unit, "median": self.median,
                "min": min(self.values, default=None), "max": max(self.values, default=None),
                "baseline": self.baseline,
                "baseline_median": statistics.median(self.baseline_values) if self.baseline_values else None,
                "ratio": self.ratio, "goal": self.goal, "met": self.met}


class Bench:
    def __init__(self, size: int, repeat: int, work: str, only: set[str] | None, verbose: bool):
        self.size, self.repeat, self.work, self.only, self.verbose = size, repeat, work, only, verbose
        self.rows: list[Row] = []
        self.factlog = factlog_command()
        self.has_import = self.cli_has("import")
        self.has_export = self.cli_has("export")
        self.has_es = subprocess.run([PYTHON, "-c", "import eventsourcing"], capture_output=True).returncode == 0
        if os.environ.get("FACTLOG_BENCH_WITHOUT_EVENTSOURCING"):  # how CI runs it: the bench extra not installed
            self.has_es = False

    # --- running processes ----------------------------------------------------------------------------------

    def cli_has(self, command: str) -> bool:
        result = subprocess.run([*self.factlog, command, "--help"], capture_output=True)
        return result.returncode == 0

    def run_once(self, command: Sequence[str], setup: Callable[[], None] | None = None) -> Sample:
        if setup is not None:
            setup()
        env = self.environment()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
                tempfile.NamedTemporaryFile(suffix=".json") as usage_file:
            # The launcher is a small process that forks and execs the command: a child's peak memory counts
            # the process it was forked from, and this runner is much larger than the launcher.
            launcher = [PYTHON, "-S", "-c", LAUNCHER, usage_file.name, *command]
            status = subprocess.run(launcher, stdout=out, stderr=err, env=env, cwd=self.work).returncode
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(), err.read().decode()
            with open(usage_file.name, encoding="utf-8") as usage:
                wall, peak_kib = json.load(usage)
        if status != 0:
            raise RuntimeError(f"{' '.join(command)} exited {status}:\n{stderr[-3000:]}")
        work, events = None, None
        last = stdout.strip().splitlines()[-1:] if stdout.strip() else []
        if last and last[0].startswith("{"):
            report = json.loads(last[0])
            work, events = report.get("seconds"), report.get("events")
        if self.verbose:
            print(f"  {wall:8.3f}s {peak_kib / 1024:7.1f} MiB  {' '.join(command)[:150]}", file=sys.stderr)
        return Sample(wall, work, events, peak_kib / 1024)

    def environment(self) -> dict[str, str]:
        """The processes' environment. Bytecode is cached (in the work folder), as it is for any installed
        program: a shell that sets PYTHONDONTWRITEBYTECODE would otherwise make every factlog command compile
        its modules from source at each start, which the baselines' installed packages never do."""
        env = {**os.environ, "PYTHONPATH": HERE, "FACTLOG_USER": "bench",
               "PYTHONPYCACHEPREFIX": os.path.join(self.work, "pycache")}
        for name in ("FACTLOG_DB", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        return env

    def warm_up(self) -> None:
        """Compile every module the cases import once, before anything is timed."""
        import factlog

        modules = "attrs, cattrs, pluggy, sqlite_utils, click, rich, factlog.cli, factlog.plugins, generate"
        subprocess.run([PYTHON, "-m", "compileall", "-q", os.path.dirname(factlog.__file__), HERE],
                       env=self.environment(), check=True, stdout=subprocess.DEVNULL)
        subprocess.run([PYTHON, "-c", f"import {modules}"], env=self.environment(), check=True)
        if self.has_es:
            subprocess.run([PYTHON, "-c", "import es_model, eventsourcing.sqlite"], env=self.environment(),
                           check=True)

    def measure(self, command: Sequence[str], setup: Callable[[], None] | None = None, use: str = "wall",
                events: int | None = None, repeat: int | None = None) -> Measure:
        samples = []
        for _ in range(repeat or self.repeat):
            sample = self.run_once(command, setup)
            if events is not None:
                sample.events = events
            samples.append(sample)
        return Measure(samples, use)

    def together(self, *specs: dict[str, Any]) -> list[Measure]:
        """Several measurements taken in turns (A B C, A B C, ...), so that a case and its baseline see the same
        load on a shared machine. Each spec holds ``measure``'s arguments."""
        samples: list[list[Sample]] = [[] for _ in specs]
        for _ in range(self.repeat):
            for taken, spec in zip(samples, specs):
                sample = self.run_once(spec["command"], spec.get("setup"))
                if spec.get("events") is not None:
                    sample.events = spec["events"]
                taken.append(sample)
        return [Measure(taken, spec.get("use", "wall")) for taken, spec in zip(samples, specs)]

    def path(self, name: str) -> str:
        return os.path.join(self.work, name)

    def fresh(self, *names: str) -> Callable[[], None]:
        """A setup step that removes database files (and their WAL) so each repetition starts empty."""
        def remove() -> None:
            for name in names:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    if os.path.exists(self.path(name) + suffix):
                        os.remove(self.path(name) + suffix)
        return remove

    def copy(self, source: str, target: str) -> Callable[[], None]:
        def copy_db() -> None:
            self.fresh(target)()
            shutil.copyfile(self.path(source), self.path(target))
            # The copy leaves the file's pages dirty in the OS cache; the first fsync of the measured process
            # (a WAL checkpoint) would then write the whole copy out: 1.5 GB at a million events, charged to it.
            os.sync()
        return copy_db

    def wants(self, case: str) -> bool:
        return self.only is None or case in self.only

    def add(self, row: Row) -> Row:
        self.rows.append(row.judge(self.size))
        return row

    # --- the logs -----------------------------------------------------------------------------------------

    def prepare(self) -> None:
        listing = min(self.size, LISTING)
        for size in sorted({self.size, SMALL, max(SMALL, self.size // 10), listing, max(SMALL, listing // 10)}):
            target = self.path(f"log-{size}.jsonl")
            if not os.path.exists(target):
                with open(target, "w", encoding="utf-8") as out:
                    generate.write(size, out)
        # the small log, and the big one unless the import case builds it
        self.load(SMALL, f"log-{SMALL}.db")

    def load(self, size: int, db: str) -> Sample:
        self.fresh(db)()
        return self.run_once(self.import_command(size, db))

    def import_command(self, size: int, db: str) -> list[str]:
        if self.has_import:
            return [*self.factlog, "--db", self.path(db), "import", self.path(f"log-{size}.jsonl")]
        return [PYTHON, os.path.join(HERE, "inprocess.py"), "load", self.path(f"log-{size}.jsonl"), self.path(db)]

    # --- the cases ------------------------------------------------------------------------------------------

    def case_import(self) -> None:
        n = self.size
        label = "factlog import" if self.has_import else "Log.append_records (no import command yet)"
        baselines, log = [PYTHON, os.path.join(HERE, "baselines.py")], self.path(f"log-{n}.jsonl")
        specs = [
            {"command": self.import_command(n, "import.db"), "setup": self.fresh("import.db"), "events": n},
            {"command": [*baselines, "raw", log, self.path("raw.db")], "setup": self.fresh("raw.db"), "use": "work"},
            {"command": [*baselines, "sqlite-utils", log, self.path("su.db"), "--atomic"], "setup": self.fresh("su.db"),
             "use": "work"},
            {"command": [*baselines, "sqlite-utils", log, self.path("su.db")], "setup": self.fresh("su.db"),
             "use": "work"},
        ]
        if self.has_es:
            specs.append({"command": [*baselines, "es-bulk", log, self.path("es.db")], "setup": self.fresh("es.db"),
                          "use": "work"})
        measure, raw, atomic, defaults, *es = self.together(*specs)
        shutil.copyfile(self.path("import.db"), self.path(f"log-{n}.db"))
        for name in ("raw.db", "su.db"):
            self.fresh(name)()
        rates = measure.rates()
        es_name = "eventsourcing bulk save" if es else f"{ES} not installed"
        self.add(Row(f"{label}, {n:,} events (whole process)", "events/s", rates, es_name,
                     es[0].rates() if es else [], key="import.es"))
        self.add(Row("  the same vs raw sqlite3", "events/s", rates, "raw sqlite3 executemany", raw.rates(),
                     key="import.raw"))
        for base, name in ((atomic, "sqlite-utils insert_all in db.atomic()"),
                           (defaults, "sqlite-utils insert_all, defaults")):
            self.add(Row(f"  the same vs {name}", "events/s", rates, name, base.rates()))
        self.add(Row(f"  import time, {n:,} events", "s", measure.times(), higher_is_better=False,
                     key="import.time"))
        self.add(Row("  import peak memory", "MiB", [s.peak_mib for s in measure.samples], es_name,
                     [s.peak_mib for s in es[0].samples] if es else [], higher_is_better=False,
                     key="import.memory"))

    def case_claim(self) -> None:
        self.copy(f"log-{SMALL}.db", "claim.db")()
        fact, _ = self.probe_fact(f"log-{SMALL}.db")
        source = sqlite3.connect(self.path("claim.db")).execute("SELECT id FROM sources LIMIT 1").fetchone()[0]
        claim, imports, bare = self.together(
            {"command": [*self.factlog, "--db", self.path("claim.db"), "claim", fact, "--source", source, "--quote",
                         "Two missiles hit the depot", "--at", "2022-03-30T00:30:00+03:00", "--quiet"]},
            {"command": [PYTHON, "-c", IMPORT_ONLY]},
            {"command": [PYTHON, "-c", "pass"]})
        ms = [t * 1000 for t in claim.times()]
        self.add(Row("factlog claim, one process start to exit", "ms", ms, f"python -c \"{IMPORT_ONLY}\"",
                     [t * 1000 for t in imports.times()], higher_is_better=False, key="claim"))
        self.add(Row("  the same vs a bare interpreter", "ms", ms, "python -c pass",
                     [t * 1000 for t in bare.times()], higher_is_better=False))

    def case_append(self) -> None:
        inprocess = [PYTHON, os.path.join(HERE, "inprocess.py"), "append"]
        baselines = [PYTHON, os.path.join(HERE, "baselines.py")]
        specs = [
            {"command": [*inprocess, self.path("append.db"), str(APPENDS), "--synchronous", "FULL"],
             "setup": self.copy(f"log-{SMALL}.db", "append.db"), "use": "work"},
            {"command": [*baselines, "commit-each", self.path("commit.db"), str(APPENDS), "--synchronous", "FULL"],
             "setup": self.fresh("commit.db"), "use": "work"},
            {"command": [*inprocess, self.path("append.db"), str(APPENDS), "--synchronous", "NORMAL"],
             "setup": self.copy(f"log-{SMALL}.db", "append.db"), "use": "work"},
            {"command": [*baselines, "commit-each", self.path("commit.db"), str(APPENDS), "--synchronous", "NORMAL"],
             "setup": self.fresh("commit.db"), "use": "work"},
        ]
        if self.has_es:
            specs.append({"command": [*baselines, "es-each", self.path(f"log-{SMALL}.jsonl"), self.path("es-each.db"),
                                      str(APPENDS)], "setup": self.fresh("es-each.db"), "use": "work"})
        full, raw_full, normal, raw_normal, *es = self.together(*specs)
        name = f"Python API appends, one transaction each, synchronous=FULL ({APPENDS:,})"
        self.add(Row(name, "events/s", full.rates(), "eventsourcing, one save per event" if es
                     else f"{ES} not installed", es[0].rates() if es else [], key="append.full"))
        self.add(Row("  the same vs raw sqlite3, one INSERT+COMMIT each, FULL", "events/s", full.rates(),
                     "raw commit each, FULL", raw_full.rates()))
        self.add(Row("  factlog's default, synchronous=NORMAL, vs raw", "events/s", normal.rates(),
                     "raw commit each, NORMAL", raw_normal.rates()))

    def case_growth(self) -> None:
        inprocess = [PYTHON, os.path.join(HERE, "inprocess.py"), "append"]
        big, small = self.together(
            {"command": [*inprocess, self.path("grow.db"), str(APPENDS), "--synchronous", "NORMAL"],
             "setup": self.copy(f"log-{self.size}.db", "grow.db"), "use": "work"},
            {"command": [*inprocess, self.path("grow-small.db"), str(APPENDS), "--synchronous", "NORMAL"],
             "setup": self.copy(f"log-{SMALL}.db", "grow-small.db"), "use": "work"})
        self.fresh("grow.db", "grow-small.db")()
        ms, base = [t * 1000 for t in big.times()], [t * 1000 for t in small.times()]
        self.add(Row(f"{APPENDS:,} appends into a {self.size:,}-event log", "ms", ms,
                     f"the same into a {SMALL:,}-event log", base, higher_is_better=False, key="growth"))

    def case_rebuild(self) -> None:
        n = self.size
        if self.has_es and not os.path.exists(self.path("es.db")):
            self.run_once([PYTHON, os.path.join(HERE, "baselines.py"), "es-bulk", self.path(f"log-{n}.jsonl"),
                           self.path("es.db")])
        specs = [{"command": [*self.factlog, "--db", self.path("rebuild.db"), "rebuild"],
                  "setup": self.copy(f"log-{n}.db", "rebuild.db"), "events": n}]
        if self.has_es:
            specs.append({"command": [PYTHON, os.path.join(HERE, "baselines.py"), "es-fold", self.path("es.db")],
                          "use": "work"})
        measure, *fold = self.together(*specs)
        self.fresh("rebuild.db")()
        rates = measure.rates()
        self.add(Row(f"factlog rebuild, {n:,} events (whole process)", "events/s", rates,
                     "eventsourcing read and fold" if fold else f"{ES} not installed",
                     fold[0].rates() if fold else [], key="rebuild.es"))
        self.add(Row(f"  rebuild time, {n:,} events", "s", measure.times(), higher_is_better=False,
                     key="rebuild.time"))

    def probe_fact(self, db: str, events: int | None = None) -> tuple[str, int]:
        """A fact late in the log with ``events`` events (default: the median count); and its last event's seq.

        The big and the small log are probed with the same count, so both answers fold the same amount. A fact
        with a verdict is preferred, so that the answer reads a verdict too (issue 16)."""
        conn = sqlite3.connect(self.path(db))
        rated = " AND fact IN (SELECT fact FROM events WHERE type = 'verdict-given')"
        counts = conn.execute("SELECT fact, count(*), max(seq) FROM events WHERE fact IS NOT NULL" + rated +
                              " GROUP BY fact ORDER BY max(seq)").fetchall() or conn.execute(
            "SELECT fact, count(*), max(seq) FROM events WHERE fact IS NOT NULL GROUP BY fact"
            " ORDER BY max(seq)").fetchall()
        conn.close()
        wanted = events if events is not None else statistics.median_low([count for _, count, _ in counts])
        fact, _, last = min(reversed(counts), key=lambda row: abs(row[1] - wanted))
        return fact, last

    def probes(self) -> dict[str, tuple[str, int]]:
        small = f"log-{SMALL}.db"
        fact, _ = self.probe_fact(small)
        count = sqlite3.connect(self.path(small)).execute("SELECT count(*) FROM events WHERE fact = ?",
                                                          (fact,)).fetchone()[0]
        return {db: self.probe_fact(db, count) for db in (f"log-{self.size}.db", small)}

    def case_status(self) -> None:
        inprocess = [PYTHON, os.path.join(HERE, "inprocess.py"), "status"]
        probes = self.probes()
        for at_seq in (False, True):
            specs = []
            for db in (f"log-{self.size}.db", f"log-{SMALL}.db"):
                fact, last = probes[db]
                extra = ["--at-seq", str(last)] if at_seq else []
                specs.append({"command": [*inprocess, self.path(db), fact, *extra], "use": "work"})
            results = self.together(*specs)
            name = "status FACT --at-seq K (in-process, per call)" if at_seq else "status FACT (in-process, per call)"
            big, small = ([t * 1000 for t in m.times()] for m in results)
            self.add(Row(f"{name}, {self.size:,}-event log", "ms", big, f"the same on a {SMALL:,}-event log", small,
                         higher_is_better=False, key="status.at_seq" if at_seq else "status.now"))
        big_cli, small_cli = self.together(
            {"command": [*self.factlog, "--db", self.path(f"log-{self.size}.db"), "status",
                         probes[f"log-{self.size}.db"][0], "--json"]},
            {"command": [*self.factlog, "--db", self.path(f"log-{SMALL}.db"), "status",
                         probes[f"log-{SMALL}.db"][0], "--json"]})
        self.add(Row(f"  factlog status FACT --json, process, {self.size:,}-event log", "ms",
                     [t * 1000 for t in big_cli.times()], f"on a {SMALL:,}-event log",
                     [t * 1000 for t in small_cli.times()], higher_is_better=False))
        self.case_why(probes)

    def case_why(self, probes: dict[str, tuple[str, int]]) -> None:
        """Issue 16: ``why FACT`` of the probed fact (it has a verdict; a fifth of the generated statements cite
        another source), as a process on the big and the small log."""
        big, small = self.together(*({"command": [*self.factlog, "--db", self.path(db), "why", probes[db][0],
                                                  "--json"]}
                                     for db in (f"log-{self.size}.db", f"log-{SMALL}.db")))
        self.add(Row(f"factlog why FACT --json, process, {self.size:,}-event log", "ms",
                     [t * 1000 for t in big.times()], f"on a {SMALL:,}-event log", [t * 1000 for t in small.times()],
                     higher_is_better=False, key="why"))

    def case_export(self) -> None:
        if not self.has_export:
            self.add(Row("export (no export command yet)", "events/s", []))
            return
        tenth = max(SMALL, self.size // 10)
        if not os.path.exists(self.path(f"log-{tenth}.db")):
            self.load(tenth, f"log-{tenth}.db")
        for name in ("jsonl", "csv"):
            view = ["--view", "events"] if name == "csv" else []
            big = self.measure([*self.factlog, "--db", self.path(f"log-{self.size}.db"), "export", name, *view,
                                "-o", self.path(f"out.{name}")], events=self.size)
            small = self.measure([*self.factlog, "--db", self.path(f"log-{tenth}.db"), "export", name, *view,
                                  "-o", self.path(f"out.{name}")], events=tenth)
            self.add(Row(f"factlog export {name}{' --view events' if view else ''}, {self.size:,} events (process)",
                         "events/s", big.rates(), key="export_csv_events" if view else "export_jsonl"))
            self.add(Row(f"  peak memory, {self.size:,} events", "MiB", [s.peak_mib for s in big.samples],
                         f"{tenth:,} events", [s.peak_mib for s in small.samples], higher_is_better=False,
                         key="export.memory"))

    def case_push(self) -> None:
        """``push`` of the whole log into a new one against ``import`` of its export (the same appends), and a
        push that finds every event already there at other positions (the batch lookups alone)."""
        if not self.cli_has("push"):
            self.add(Row("push (no push command yet)", "events/s", []))
            return
        n, log = self.size, self.path(f"log-{self.size}.db")
        push, imports = self.together(
            {"command": [*self.factlog, "--db", log, "push", self.path("push.db")], "setup": self.fresh("push.db"),
             "events": n},
            {"command": self.import_command(n, "import.db"), "setup": self.fresh("import.db"), "events": n})
        self.add(Row(f"factlog push, {n:,} events into a new log (process)", "events/s", push.rates(),
                     "factlog import of its export", imports.rates(), key="push"))
        self.fresh("shifted.db")()
        subprocess.run([*self.factlog, "--db", self.path("shifted.db"), "source", "add", "zz", "--name", "ZZ"],
                       check=True, capture_output=True, env=self.environment())
        subprocess.run([*self.factlog, "--db", self.path("shifted.db"), "pull", log], check=True,
                       capture_output=True, env=self.environment())  # after ZZ: the same events, one seq later
        again = self.measure([*self.factlog, "--db", log, "push", self.path("shifted.db")], events=n)
        self.add(Row(f"  push of {n:,} events all already there, at other seqs (process)", "events/s",
                     again.rates()))

    # --- issue 14: reads that scale (valid time, the log as a table, the report, the events as CSV) ------------

    def said_times(self, db: str) -> tuple[str, str]:
        """The median said-at time of the statements (half the facts have something said after it) and a time
        after everything said."""
        conn = sqlite3.connect(self.path(db))
        count, last = conn.execute("SELECT count(*), max(observed_at) FROM events WHERE type IN"
                                   " ('claim','confirm','deny','decline','retract')").fetchone()
        middle = conn.execute("SELECT observed_at FROM events WHERE type IN ('claim','confirm','deny','decline',"
                              "'retract') ORDER BY observed_at LIMIT 1 OFFSET ?", (count // 2,)).fetchone()[0]
        conn.close()
        return middle, last

    def case_valid_at(self) -> None:
        db = self.path(f"log-{self.size}.db")
        middle, last = self.said_times(f"log-{self.size}.db")
        plain, mid, late = self.together(
            {"command": [*self.factlog, "--db", db, "status", "--json"]},
            {"command": [*self.factlog, "--db", db, "status", "--json", "--valid-at", middle]},
            {"command": [*self.factlog, "--db", db, "status", "--json", "--valid-at", last]})
        for name, measure, key in (("the median said-at time", mid, "valid_at"),
                                   ("after all was said", late, "valid_at.late")):
            self.add(Row(f"factlog status --valid-at T over all facts, T {name}, {self.size:,} events (process)",
                         "s", measure.times(), "plain status", plain.times(), higher_is_better=False, key=key))

    def first_line(self, command: Sequence[str]) -> float:
        """Seconds from the start of ``command`` to its first line on stdout (the process is then stopped)."""
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   env=self.environment(), cwd=self.work)
        assert process.stdout is not None
        process.stdout.readline()
        seconds = time.perf_counter() - started
        process.kill()
        process.wait()
        return seconds

    def listing_size(self) -> int:
        """The log the listing cases read: issue 14 states their goals for a 200k-event log, so a bigger run
        measures them on one (generated and imported here) rather than on the whole big log."""
        size = min(self.size, LISTING)
        if not os.path.exists(self.path(f"log-{size}.db")):
            self.load(size, f"log-{size}.db")
        return size

    def case_log_table(self) -> None:
        size = self.listing_size()
        db = self.path(f"log-{size}.db")
        table, as_json = self.together({"command": [*self.factlog, "--db", db, "log"]},
                                       {"command": [*self.factlog, "--db", db, "log", "--json"]})
        self.add(Row(f"factlog log as a table, {size:,} events, whole table (process)", "s", table.times(),
                     "log --json", as_json.times(), higher_is_better=False, key="log_table.whole"))
        first = [self.first_line([*self.factlog, "--db", db, "log"]) for _ in range(self.repeat)]
        self.add(Row(f"  its first row, {size:,} events (process start to the first line)", "s", first,
                     higher_is_better=False, key="log_table.first_row"))

    def case_export_md(self) -> None:
        size = self.listing_size()
        tenth = max(SMALL, size // 10)
        if not os.path.exists(self.path(f"log-{tenth}.db")):
            self.load(tenth, f"log-{tenth}.db")
        big, small = self.together(
            {"command": [*self.factlog, "--db", self.path(f"log-{size}.db"), "export", "markdown", "-o",
                         self.path("out.md")], "events": size},
            {"command": [*self.factlog, "--db", self.path(f"log-{tenth}.db"), "export", "markdown", "-o",
                         self.path("out-small.md")], "events": tenth})
        self.add(Row(f"factlog export markdown, {size:,} events (process)", "events/s", big.rates(),
                     key="export_md"))
        self.add(Row(f"  peak memory, {size:,} events", "MiB", [s.peak_mib for s in big.samples],
                     f"{tenth:,} events", [s.peak_mib for s in small.samples], higher_is_better=False,
                     key="export_md.memory"))

    CASES = ("import", "claim", "append", "growth", "rebuild", "status", "export", "push",
             "valid_at", "log_table", "export_md")

    def run(self) -> None:
        started = time.perf_counter()
        self.warm_up()
        self.prepare()
        if not os.path.exists(self.path(f"log-{self.size}.db")) and not self.wants("import"):
            self.load(self.size, f"log-{self.size}.db")
        for case in self.CASES:
            if self.wants(case):
                print(f"case {case} ...", file=sys.stderr)
                getattr(self, f"case_{case}")()
        self.unmeasured()
        self.elapsed = time.perf_counter() - started

    def unmeasured(self) -> None:
        """A row for every goal of the issue that no case measured in this run (its case is not there yet, or
        its command is missing), so that the table always shows every row of the issue."""
        measured = {row.key for row in self.rows}
        for key, goal in GOALS.items():
            if key not in measured and (goal.case not in self.CASES and self.only is None or self.wants(goal.case)):
                self.add(Row(f"{goal.label} (not measured: no case {goal.case!r} in this version)", goal.unit
                             or "x", [], key=key))


def factlog_command() -> list[str]:
    """The installed ``factlog`` script beside this interpreter, as users run it; else ``python -m factlog``."""
    script = os.path.join(os.path.dirname(PYTHON), "factlog")
    return [script] if os.path.exists(script) else [PYTHON, "-m", "factlog"]


def memory() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "unknown"


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {"cpu": f"{cpu}, {os.cpu_count()} cores", "ram": memory(), "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version, "system": f"{platform.system()} {platform.release()}",
                "load": "unknown"}
    try:
        versions["load"] = " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        pass
    try:
        from importlib.metadata import version

        versions["eventsourcing"] = version("eventsourcing")
    except Exception:
        versions["eventsourcing"] = "not installed"
    return versions


def number(value: float, unit: str) -> str:
    if value != value:  # NaN: no measurement
        return "-"
    if unit == "events/s":
        return f"{value / 1000:,.1f}k" if value >= 1000 else f"{value:,.0f}"
    if unit in ("ms", "MiB"):
        return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}" if value < 10 else f"{value:,.1f}"
    return f"{value:,.2f}"


def table(rows: list[Row]) -> str:
    """The results as a Markdown table: case | factlog | baseline (named) | ratio | goal | met."""
    lines = ["| case | factlog: median (min–max) | baseline: median | ratio | goal | met |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        spread = (f"{number(row.median, row.unit)} {row.unit} ({number(min(row.values), row.unit)}–"
                  f"{number(max(row.values), row.unit)})") if row.values else "—"
        base = (f"{row.baseline}: {number(statistics.median(row.baseline_values), row.unit)}"
                if row.baseline_values else row.baseline)
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        met = "" if not row.goal else "—" if row.met is None else "yes" if row.met else "**no**"
        lines.append(f"| {row.case} | {spread} | {base} | {ratio} | {row.goal} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="events in the big log (default 100,000)")
    parser.add_argument("--large", action="store_true", help="1,000,000 events")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per measurement (default 3)")
    parser.add_argument("--only", help=f"comma-separated cases: {', '.join(Bench.CASES)}")
    parser.add_argument("--work", help="folder for the logs (kept); default: a temporary folder")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--write-readme", nargs="?", const=README, metavar="README",
                        help="regenerate the README's Performance results from this run (default: the repository's)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every process run")
    args = parser.parse_args(argv)
    size = 1_000_000 if args.large else args.size
    only = set(args.only.split(",")) if args.only else None
    if only and only - set(Bench.CASES):
        parser.error(f"unknown case(s): {', '.join(sorted(only - set(Bench.CASES)))}")
    work = args.work or tempfile.mkdtemp(prefix="factlog-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        bench = Bench(size, args.repeat, work, only, args.verbose)
        bench.run()
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    about = machine()
    print(f"factlog benchmark: {size:,} events, {args.repeat} run(s) each, {bench.elapsed:.0f} s in all")
    print(f"machine: {about['cpu']}, {about['ram']}; Python {about['python']}; SQLite {about['sqlite']}; "
          f"eventsourcing {about['eventsourcing']}; load average {about['load']}")
    print()
    print(table(bench.rows))
    results = {"size": size, "repeat": args.repeat, "seconds": bench.elapsed,
               "date": time.strftime("%Y-%m-%d", time.gmtime()),
               "command": f"python tests/bench/run.py --size {size} --repeat {args.repeat}"
                          + (f" --only {args.only}" if args.only else ""),
               "machine": about, "rows": [row.as_dict() for row in bench.rows]}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=1)
    if args.write_readme:
        import readme

        readme.write(results, args.write_readme)
        print(f"\nwrote the results into {args.write_readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

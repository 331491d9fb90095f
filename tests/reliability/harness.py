"""Shared machinery of the reliability tests (``tests/test_reliability_*.py``) and of the full-count script
(``tests/reliability/run.py``): writer processes, crash victims, and the checks a log must pass afterwards.

It is also a small program, so that writers are real, separate OS processes:

    python tests/reliability/harness.py writer DB COUNT WORKER [--deferred] [--start-at EPOCH]
    python tests/reliability/harness.py sender DB RECORDS.jsonl

Each prints one JSON line per event it appended, flushed before the next append, so that a parent that kills
it with SIGKILL knows which appends were acknowledged.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

HARNESS = str(Path(__file__).resolve())
PYTHON = sys.executable
SHARED_FACTS = 10
KINDS = ("claim", "deny", "confirm", "decline")


# --- the programs ------------------------------------------------------------------------------------------


def use_deferred_transactions() -> None:
    """The bug the load test must catch: a plain (deferred) BEGIN instead of BEGIN IMMEDIATE."""
    from factlog.store.sqlite import SQLiteStore as Store

    Store.BEGIN_WRITE = "BEGIN"


def say(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def writer(db: str, count: int, worker: int, deferred: bool = False, start_at: float = 0.0) -> None:
    """Append ``count`` events as one analyst would: a source, facts of its own, then statements about its
    own facts and the shared ones, with now and then a retraction. Every error is reported, never raised."""
    import factlog

    if deferred:
        use_deferred_transactions()
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    me = f"w{worker}"
    mine: list[str] = []
    with factlog.open_log(db, user=f"writer-{worker}") as log:
        for i in range(count):
            started = time.perf_counter()
            try:
                event = step(log, me, i, mine)
            except Exception as exc:  # reported to the parent, which fails the test
                say(error=f"{type(exc).__name__}: {exc}", i=i)
                continue
            say(seq=event.seq, id=event.id, ms=round((time.perf_counter() - started) * 1000, 2))


def step(log, me: str, i: int, mine: list[str]):
    if i == 0:
        return log.add_source(me, f"Writer {me}", kind="official", party=f"party-{me}")
    if i <= 5:
        return log.open_fact(f"{me}-f{i}", f"Fact {i} of {me}", parties=[f"party-{me}", "ukraine"])
    if i % 25 == 0 and mine:
        return log.retract(mine.pop(), reason=f"withdrawn at step {i}")
    fact = f"{me}-f{1 + i % 5}" if i % 2 else f"shared-{i % SHARED_FACTS}"
    event = log.state(KINDS[i % len(KINDS)], fact, me, quote=f"{me} says {i} — «{fact}»")
    mine.append(event.id)
    return event


def sender(db: str, records_path: str) -> None:
    """Send each wire record of a file to the log one at a time, as a client that retries after a crash would."""
    import factlog

    with factlog.open_log(db, user="sender") as log, open(records_path, encoding="utf-8") as lines:
        for line in lines:
            (event, new), = log.append_records([json.loads(line)])
            say(seq=event.seq, id=event.id, new=new)


def main(argv: list[str]) -> None:
    command, db, *rest = argv
    if command == "writer":
        count, worker = int(rest[0]), int(rest[1])
        start_at = float(rest[rest.index("--start-at") + 1]) if "--start-at" in rest else 0.0
        writer(db, count, worker, deferred="--deferred" in rest, start_at=start_at)
    elif command == "sender":
        sender(db, rest[0])
    else:
        raise SystemExit(f"unknown command {command}")


# --- driving them ------------------------------------------------------------------------------------------


def prepare_shared(db: str) -> int:
    """The facts every writer talks about; returns the number of events this wrote."""
    import factlog

    with factlog.open_log(db, user="setup") as log:
        for k in range(SHARED_FACTS):
            log.open_fact(f"shared-{k}", f"Shared fact {k}", parties=["ukraine", "russia"])
        return log.store.count()


def start_writers(db: str, procs: int, count: int, deferred: bool = False, first: int = 0) -> list:
    start_at = time.time() + 1.5  # every process imports factlog first, then they all start at once
    args = ["--start-at", str(start_at)] + (["--deferred"] if deferred else [])
    return [
        subprocess.Popen([PYTHON, HARNESS, "writer", db, str(count), str(first + k), *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for k in range(procs)
    ]


def collect(proc, timeout: float = 300) -> dict:
    out, err = proc.communicate(timeout=timeout)
    result: dict = {"events": [], "errors": [], "returncode": proc.returncode, "stderr": err, "max_ms": 0.0}
    for line in out.splitlines():
        try:
            record = json.loads(line)
        except ValueError:  # a line cut short by SIGKILL
            result["errors"].append(f"unreadable line {line!r}")
            continue
        if "error" in record:
            result["errors"].append(record["error"])
        else:
            result["events"].append((record["seq"], record["id"]))
            result["max_ms"] = max(result["max_ms"], record.get("ms", 0.0))
    return result


def run_writers(db: str, procs: int, count: int, deferred: bool = False) -> tuple[int, list[dict]]:
    setup = prepare_shared(db)
    results = [collect(p) for p in start_writers(db, procs, count, deferred)]
    return setup, results


def load_problems(db: str, setup: int, results: list[dict], count: int) -> list[str]:
    """Everything wrong after ``len(results)`` writers each appended ``count`` events (empty: all is well)."""
    problems = []
    for k, result in enumerate(results):
        if result["errors"]:
            problems.append(f"writer {k}: {len(result['errors'])} errors, first: {result['errors'][0]}")
        if result["returncode"] != 0 or "Traceback" in result["stderr"] or "locked" in result["stderr"]:
            problems.append(f"writer {k} exited {result['returncode']}: {result['stderr'][-500:]}")
        seqs = [seq for seq, _ in result["events"]]
        if seqs != sorted(seqs):
            problems.append(f"writer {k}: its own events are out of order in the log")
        if len(result["events"]) != count:
            problems.append(f"writer {k} appended {len(result['events'])} of {count}")
    problems += log_problems(db, expected=setup + count * len(results))
    stored = dict(stored_ids(db))
    for k, result in enumerate(results):
        lost = [(seq, i) for seq, i in result["events"] if stored.get(seq) != i]
        if lost:
            problems.append(f"writer {k}: {len(lost)} acknowledged events are not in the log as reported")
    return problems


def stored_ids(db: str) -> list[tuple[int, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT seq, id FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()


# --- the checks every log must pass --------------------------------------------------------------------------


def log_problems(db: str, expected: int | None = None) -> list[str]:
    """Open the log as factlog does and check it: integrity_check, gapless seq, unique ids, one unforked chain,
    ``verify``, and projections equal to a rebuild from the log."""
    import factlog
    from factlog.errors import FactlogError

    problems = []
    conn = sqlite3.connect(db)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            problems.append(f"integrity_check: {check[:3]}")
        seqs = [row[0] for row in conn.execute("SELECT seq FROM events ORDER BY seq")]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append("seq has gaps")
        if expected is not None and len(seqs) != expected:
            problems.append(f"{len(seqs)} events, expected {expected}")
        distinct = conn.execute("SELECT count(DISTINCT id), count(DISTINCT prev_hash) FROM events").fetchone()
        if distinct != (len(seqs), len(seqs)):
            problems.append(f"duplicate ids or a forked chain: {distinct} distinct of {len(seqs)}")
    finally:
        conn.close()
    try:
        with factlog.open_log(db, create=False) as log:
            count, _ = log.verify()
            if count != len(seqs):
                problems.append(f"verify saw {count} events, the table holds {len(seqs)}")
            live = {**log.store.projection_rows(), "search_index": search_rows(log)}
        rebuilt = rebuilt_projections(db)
        if live != rebuilt:
            differing = [table for table in live if live[table] != rebuilt.get(table)]
            problems.append(f"projections differ from a rebuild in {differing}")
    except FactlogError as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
    return problems


def search_rows(log) -> list[tuple]:
    """The full-text index is a projection too: it must hold exactly the texts of the events."""
    return log.store.conn.execute(
        "SELECT seq, event_id, field, text FROM search_index ORDER BY seq, field").fetchall()


def rebuilt_projections(db: str) -> dict:
    """The projection rows a rebuild gives, computed on a copy so the log itself is not touched."""
    import factlog

    folder = tempfile.mkdtemp(prefix="factlog-rebuild-")
    try:
        copy = os.path.join(folder, "copy.db")
        source, target = sqlite3.connect(db), sqlite3.connect(copy)
        source.backup(target)
        source.close()
        target.close()
        with factlog.open_log(copy, create=False) as log:
            log.rebuild()
            return {**log.store.projection_rows(), "search_index": search_rows(log)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def file_state(path: str) -> tuple[bytes, int, int]:
    """What "untouched" means: the same bytes, mode and modification time."""
    stat = os.stat(path)
    return Path(path).read_bytes(), stat.st_mode, stat.st_mtime_ns


def kill_at_random(proc, low: float, high: float, rng: random.Random) -> float:
    delay = rng.uniform(low, high)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
    return delay


# --- imports -------------------------------------------------------------------------------------------------------


def import_id(prefix: str, seed: int, made: int) -> str:
    """The same UUID for the same record of the same file, run after run (an import refuses other ids)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"factlog-test:{prefix}-{seed}-{made}"))


def write_import_file(path: str, events: int, seed: int = 0, prefix: str = "imp") -> None:
    """A JSON Lines file of ``events`` new wire records (no seq or hash: content from another tool): 20 sources,
    one fact per 500 events, then statements about them, with now and then a retraction."""
    rng = random.Random(seed)
    sources = [f"{prefix}-src-{k}" for k in range(20)]
    facts = [f"{prefix}-fact-{k}" for k in range(max(1, events // 500))]
    made, statements = 0, []
    base = 1_650_000_000

    def record(kind: str, data: dict) -> str:
        nonlocal made
        made += 1
        moment = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(base + made))
        return json.dumps({"id": import_id(prefix, seed, made), "type": kind, "version": 1 if kind != "fact-opened" else 2,
                           "recorded_at": moment, "observed_at": moment, "recorded_by": "importer",
                           "data": data}, ensure_ascii=False) + "\n"

    with open(path, "w", encoding="utf-8") as out:
        for k, source in enumerate(sources):
            out.write(record("source-registered", {"source": source, "name": f"Source {k}", "kind": "official",
                                                    "party": f"party-{k % 4}"}))
        for k, fact in enumerate(facts):
            out.write(record("fact-opened", {"fact": fact, "statement": f"Proposition {k}",
                                              "parties": ["party-0", "party-1"], "tags": []}))
        while made < events:
            if statements and rng.random() < 0.02:
                out.write(record("retract", {"target": statements.pop(rng.randrange(len(statements))),
                                             "reason": "withdrawn"}))
                continue
            kind = rng.choice(KINDS)
            out.write(record(kind, {"fact": rng.choice(facts), "source": rng.choice(sources),
                                    "quote": f"statement {made} — «{rng.random():.6f}»"}))
            statements.append(import_id(prefix, seed, made))


def start_import(db: str, path: str):
    return subprocess.Popen([os.path.join(os.path.dirname(PYTHON), "factlog"), "--db", db, "import", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, FACTLOG_USER="importer"))


# --- tampering: what an attacker with the file can do ----------------------------------------------------------

TEXT_COLUMNS = ("id", "type", "recorded_at", "observed_at", "recorded_by", "data", "prev_hash", "hash", "fact",
                "source", "target")
INT_COLUMNS = ("seq", "version")


@contextmanager
def without_triggers(conn: sqlite3.Connection):
    """The attacker drops the immutability triggers, edits, and puts them back so that nothing looks amiss."""
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    conn.execute("BEGIN IMMEDIATE")
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    yield
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")


def flip_one_byte(db: str, rng: random.Random) -> tuple[int, str, object, Callable]:
    """Change one byte of one stored value of one event; returns (seq, column, new value, undo)."""
    conn = sqlite3.connect(db, isolation_level=None)
    count = conn.execute("SELECT max(seq) FROM events").fetchone()[0]
    while True:
        seq = rng.randint(1, count)
        column = rng.choice(TEXT_COLUMNS + INT_COLUMNS)
        old = conn.execute(f"SELECT CAST({column} AS BLOB), typeof({column}) FROM events WHERE seq = ?",
                           (seq,)).fetchone()
        if old[1] != "null":
            break
    if column in INT_COLUMNS:
        value = int(old[0])
        new = value ^ (1 << rng.randrange(8))
        while column == "seq" and 1 <= new <= count:  # a seq must not collide: move it past the end instead
            new = count + rng.randint(1, 255)
        params, expression = new, "?"
    else:
        raw = bytearray(old[0])
        at = rng.randrange(len(raw))
        raw[at] = rng.choice([b for b in range(256) if b != raw[at]])
        new, params, expression = bytes(raw), bytes(raw), "CAST(? AS TEXT)"
    target = new if column == "seq" else seq
    with without_triggers(conn):
        conn.execute(f"UPDATE events SET {column} = {expression} WHERE seq = ?", (params, seq))
    original = int(old[0]) if column in INT_COLUMNS else old[0]

    def undo() -> None:
        with without_triggers(conn):
            conn.execute(f"UPDATE events SET {column} = {expression} WHERE seq = ?",
                         (original if column in INT_COLUMNS else bytes(original), target))
        conn.close()

    return seq, column, new, undo


def rewrite_tail(db: str, delete_last: int, alter_seq: int | None = None) -> None:
    """Delete the last events, optionally reword one event, and recompute every hash from there: a chain that
    verifies on its own. Only an anchored head published earlier can tell."""
    from factlog.store import GENESIS, chain_hash

    conn = sqlite3.connect(db, isolation_level=None)
    try:
        with without_triggers(conn):
            conn.execute("DELETE FROM events WHERE seq > (SELECT max(seq) FROM events) - ?", (delete_last,))
            if alter_seq is not None:
                data = json.loads(conn.execute("SELECT data FROM events WHERE seq = ?", (alter_seq,)).fetchone()[0])
                data["quote"] = "what the attacker wants it to say"
                conn.execute("UPDATE events SET data = ? WHERE seq = ?",
                             (json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False), alter_seq))
            prev = GENESIS
            rows = conn.execute("SELECT seq, id, type, version, recorded_at, observed_at, recorded_by, data"
                                " FROM events ORDER BY seq").fetchall()
            for seq, *fields in rows:
                digest = chain_hash(prev, seq, *fields)
                conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
                prev = digest
    finally:
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1:])

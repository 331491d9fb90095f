"""Load: several processes append to one log at once, while readers read it.

Each writer is a separate OS process (tests/reliability/harness.py). The full counts run here too (4 × 500);
tests/reliability/run.py repeats them and prints the figures.
"""

import json
import os
import subprocess
import threading
import time

import pytest

import factlog
from factlog.events import canonical_json
from factlog.store import GENESIS, chain_hash
from reliability import harness

FACTLOG = os.path.join(os.path.dirname(harness.PYTHON), "factlog")
pytestmark = pytest.mark.slow


def test_four_processes_append_500_events_each(tmp_path):
    db = str(tmp_path / "load.db")
    setup, results = harness.run_writers(db, procs=4, count=500)
    assert harness.load_problems(db, setup, results, count=500) == []
    assert harness.stored_ids(db)[-1][0] == setup + 2000


def test_the_load_test_catches_deferred_transactions(tmp_path):
    """The same test with a plain BEGIN (no write lock until the first write) must fail: proof it can."""
    db = str(tmp_path / "deferred.db")
    setup, results = harness.run_writers(db, procs=4, count=500, deferred=True)
    problems = harness.load_problems(db, setup, results, count=500)
    assert problems, "deferred transactions went unnoticed"
    assert any("database is locked" in p for p in problems), problems


def test_four_processes_create_the_same_new_log_at_once(tmp_path):
    """Nobody ran 'init': every writer finds no file and creates (and migrates) it at the same moment."""
    db = str(tmp_path / "new.db")
    results = [harness.collect(p) for p in harness.start_writers(db, procs=4, count=6)]  # source + 5 facts each
    assert harness.load_problems(db, 0, results, count=6) == []


def whole_events(records: list[dict]) -> list[str]:
    """What a reader must never see: a gap, a broken link, an event whose hash does not match its content."""
    problems, prev = [], GENESIS
    for expected_seq, record in enumerate(records, start=1):
        digest = chain_hash(prev, record["seq"], record["id"], record["type"], record["version"],
                            record["recorded_at"], record["observed_at"], record["recorded_by"],
                            canonical_json(record["data"]))
        if record["seq"] != expected_seq or record["prev_hash"] != prev or record["hash"] != digest:
            problems.append(f"event {record['seq']} is not whole")
        prev = record["hash"]
    return problems


def read_through_the_api(db: str, stop: threading.Event, seen: dict) -> None:
    """In one snapshot: the events are whole, and the materialised beliefs equal a fold of exactly those events."""
    with factlog.open_log(db, create=False) as log:
        while not stop.is_set():
            with log.store.snapshot():
                records = list(log.store.wire_records())
                live = log.status()
                folded = log.status(clock=log.clock(at_seq=len(records)))
                last_applied = log.store.conn.execute(  # NULL: in step with the log (m013)
                    "SELECT coalesce(last_seq, (SELECT max(seq) FROM events)) FROM projection_state"
                    " WHERE name = 'beliefs'").fetchone()
            seen["problems"] += whole_events(records)
            if live != folded:
                seen["problems"].append(f"at {len(records)} events the projection differs from the fold")
            if last_applied is not None and last_applied[0] != len(records):
                seen["problems"].append(f"projection at seq {last_applied[0]} but {len(records)} events visible")
            seen["api_sizes"].add(len(records))


def read_through_the_cli(db: str, stop: threading.Event, seen: dict) -> None:
    # the beliefs export first: appends take a few tenths of a millisecond, so the writers may be done after
    # a handful of these processes
    commands = [["export", "json"], ["log", "--json"], ["export", "jsonl"], ["status", "--json"],
                ["fact", "list", "--json"]]
    while not stop.is_set():
        args = commands[seen["cli_reads"] % len(commands)]
        started = time.perf_counter()
        done = subprocess.run([FACTLOG, "--db", db, *args], capture_output=True, text=True, timeout=120)
        seen["cli_max_s"] = max(seen["cli_max_s"], time.perf_counter() - started)
        if done.returncode != 0 or done.stderr:
            seen["problems"].append(f"factlog {' '.join(args)} exited {done.returncode}: {done.stderr[-300:]}")
            continue
        if args == ["export", "jsonl"]:
            rows = [json.loads(line) for line in done.stdout.splitlines()]
        else:
            rows = json.loads(done.stdout)
        if args[0] == "log" or args == ["export", "jsonl"]:
            seen["problems"] += whole_events(rows)
            seen["cli_sizes"].add(len(rows))
        elif args == ["export", "json"]:
            seen["belief_exports"].append(rows)
        seen["cli_reads"] += 1


def beliefs_exports_are_snapshots(db: str, exports: list[list[dict]]) -> list[str]:
    """Each beliefs export must be the log at one moment: equal to the fold of the first N events, where N is
    the newest event it reflects (a torn export would mix facts folded at different moments)."""
    problems = []
    keys = ("fact", "statement", "status", "label", "parties", "sources", "updated_seq")
    with factlog.open_log(db, create=False) as log:
        for rows in exports:
            moment = max((row["updated_seq"] for row in rows), default=0)
            folded = log.status(clock=log.clock(at_seq=moment))
            if [{k: row[k] for k in keys} for row in rows] != [{k: row[k] for k in keys} for row in folded]:
                problems.append(f"a beliefs export is not the log at seq {moment}")
    return problems


READ_TEST_WRITES = 600  # per writer: enough for the CLI readers to run several commands while they write


def test_readers_never_block_writers_nor_see_half_an_event(tmp_path):
    db = str(tmp_path / "read.db")
    setup = harness.prepare_shared(db)
    seen = {"problems": [], "api_sizes": set(), "cli_sizes": set(), "belief_exports": [], "cli_reads": 0,
            "cli_max_s": 0.0}
    stop = threading.Event()
    readers = [threading.Thread(target=read_through_the_api, args=(db, stop, seen)),
               threading.Thread(target=read_through_the_cli, args=(db, stop, seen))]
    with factlog.open_log(db, create=False) as holder:
        # A reader that keeps one read transaction open for the whole run: writers must not wait for it,
        # and it must keep seeing the log as it was when its snapshot began.
        with holder.store.snapshot():
            before = holder.store.count()
            writers = harness.start_writers(db, procs=3, count=READ_TEST_WRITES)
            while len(harness.stored_ids(db)) == setup:  # readers start once the writers have
                time.sleep(0.01)
            for reader in readers:
                reader.start()
            results = [harness.collect(w, timeout=240) for w in writers]
            assert holder.store.count() == before == setup
        stop.set()
        for reader in readers:
            reader.join(timeout=240)
        assert holder.store.count() == setup + 3 * READ_TEST_WRITES
    assert harness.load_problems(db, setup, results, count=READ_TEST_WRITES) == []
    assert seen["problems"] == []
    assert beliefs_exports_are_snapshots(db, seen["belief_exports"]) == []
    # the readers did read while the writers wrote: they saw the log at several sizes in between
    assert len(seen["api_sizes"] - {setup, setup + 3 * READ_TEST_WRITES}) >= 3, seen["api_sizes"]
    assert len(seen["cli_sizes"] - {setup, setup + 3 * READ_TEST_WRITES}) >= 1, seen["cli_sizes"]
    assert seen["belief_exports"], "no beliefs export ran while the writers wrote"

"""Several processes append to one log file at the same time: nothing lost, duplicated or forked."""

import pytest
import multiprocessing
import sqlite3
import time
from collections import Counter

import factlog
from factlog.store.sqlite.migrations import NAMES
from factlog.store import GENESIS

WORKERS = 4
CLAIMS_EACH = 250
FACTS = [f"fact-{n}" for n in range(8)]


def append_claims(path: str, worker: int, barrier, results) -> None:
    """One analyst's process: wait for the others, then append claims one transaction each."""
    ids, error, span = [], None, None
    try:
        with factlog.open_log(path, create=False, user=f"analyst-{worker}") as log:
            barrier.wait(timeout=60)
            started = time.time()
            for n in range(CLAIMS_EACH):
                event = log.claim(FACTS[n % len(FACTS)], f"source-{worker}", quote=f"claim {n} of {worker}")
                ids.append((event.seq, event.id))
            span = (started, time.time())
    except Exception as exc:  # reported to the parent, which fails the test with it
        error = f"{type(exc).__name__}: {exc}"
    results.put((worker, ids, error, span))


def create_and_register(path: str, worker: int, barrier, results) -> None:
    """A process that finds no log yet: it creates it (running the migrations) and registers a source."""
    error = None
    try:
        barrier.wait(timeout=60)
        with factlog.open_log(path, user=f"analyst-{worker}") as log:
            log.add_source(f"source-{worker}", f"Source {worker}")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    results.put((worker, [], error, None))


def setup_log(path) -> int:
    with factlog.open_log(path, user="setup") as log:
        for worker in range(WORKERS):
            log.add_source(f"source-{worker}", f"Source {worker}", kind="journalist")
        for fact in FACTS:
            log.open_fact(fact, f"Statement of {fact}", parties=["ukraine"])
        return log.store.count()


def run_workers(path, target=append_claims):
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    processes = [context.Process(target=target, args=(str(path), n, barrier, results))
                 for n in range(WORKERS)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return reports


@pytest.mark.slow
def test_four_processes_append_250_claims_each(tmp_path):
    path = tmp_path / "shared.db"
    setup = setup_log(path)
    started = time.perf_counter()
    reports = run_workers(path)
    elapsed = time.perf_counter() - started

    assert [error for _, _, error, _ in reports] == [None] * WORKERS
    assert all(len(ids) == CLAIMS_EACH for _, ids, _, _ in reports)
    total = setup + WORKERS * CLAIMS_EACH

    conn = sqlite3.connect(path)
    stored = conn.execute("SELECT seq, id, type, recorded_by, prev_hash, hash FROM events ORDER BY seq").fetchall()
    conn.close()
    assert len(stored) == total
    assert [row[0] for row in stored] == list(range(1, total + 1))  # gapless
    assert len({row[1] for row in stored}) == total  # unique ids
    assert Counter(row[2] for row in stored)["claim"] == WORKERS * CLAIMS_EACH
    assert Counter(row[3] for row in stored if row[2] == "claim") == {
        f"analyst-{n}": CLAIMS_EACH for n in range(WORKERS)}

    previous = GENESIS
    for seq, _, _, _, prev_hash, digest in stored:  # one chain, no fork
        assert prev_hash == previous, f"seq {seq} does not follow seq {seq - 1}"
        previous = digest

    by_seq = {row[0]: row[1] for row in stored}
    for worker, ids, _, _ in reports:
        assert all(by_seq[seq] == event_id for seq, event_id in ids)  # what each process was told is what stuck
        assert [seq for seq, _ in ids] == sorted(seq for seq, _ in ids)
    # every process began appending before any finished: they competed for the log the whole time (counting
    # switches between writers in the log was flaky: one process may take the lock for a run of its appends)
    spans = [span for _, _, _, span in reports]
    assert max(start for start, _ in spans) < min(end for _, end in spans), "the processes did not overlap"

    with factlog.open_log(path, create=False) as log:
        assert log.verify() == (total, previous)
        live = log.store.projection_rows()
        assert sum(row["updated_seq"] is not None for row in log.status()) == len(FACTS)
        log.rebuild()
        assert log.store.projection_rows() == live  # concurrent projection updates equal a replay
    assert elapsed < 60, f"{WORKERS * CLAIMS_EACH} concurrent appends took {elapsed:.1f}s"


@pytest.mark.slow
def test_four_processes_create_one_new_log_at_once(tmp_path):
    path = tmp_path / "new.db"
    reports = run_workers(path, target=create_and_register)
    assert [error for _, _, error, _ in reports] == [None] * WORKERS
    conn = sqlite3.connect(path)
    sql = "SELECT name FROM _sqlite_migrations WHERE migration_set = 'factlog' ORDER BY name"
    names = [row[0] for row in conn.execute(sql)]
    conn.close()
    assert names == sorted(NAMES)  # each migration applied exactly once
    with factlog.open_log(path, create=False) as log:
        assert sorted(row["id"] for row in log.store.sources()) == [f"source-{n}" for n in range(WORKERS)]
        assert log.verify()[0] == WORKERS

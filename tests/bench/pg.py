"""The team-log benchmark: appends per second into a PostgreSQL log with 1, 4 and 8 concurrent writers, 8 writers
on 8 logs of one database, and an import, side by side with the ``eventsourcing`` library's PostgreSQL recorder
on the same server in the same run.

    python tests/bench/pg.py                       # a throwaway cluster (tests/pg_cluster.py), 300 appends a writer
    python tests/bench/pg.py --appends 1000 --url postgresql://me@localhost/bench

Each writer is its own process: it sets up its sources and facts (untimed), waits for a common start, then
appends its events one transaction each through the Python API (``Log.append_records``: checks, chain,
projections, search index) and reports when it started and finished. eventsourcing's writers save one aggregate
per event, each save its own transaction, with the same stream of events (baselines.append_workload). Throughput
is all the events over the span from the first start to the last finish. Needs the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

PYTHON = sys.executable
SOURCES, FACTS = 6, 20


def setup_records(worker: str) -> tuple[list[dict], list[str], list[str]]:
    """The worker's own sources and facts as wire records (so writers of one log never collide on a slug)."""
    import uuid

    stamp = "2024-01-01T00:00:00.000000+00:00"
    sources = [f"w{worker}-source-{k}" for k in range(SOURCES)]
    facts = [f"w{worker}-fact-{k}" for k in range(FACTS)]
    records = [{"id": str(uuid.uuid4()), "type": "source-registered", "version": 1, "recorded_at": stamp,
                "observed_at": stamp, "recorded_by": "bench",
                "data": {"source": source, "name": source.title(), "kind": "journalist"}} for source in sources]
    records += [{"id": str(uuid.uuid4()), "type": "fact-opened", "version": 2, "recorded_at": stamp,
                 "observed_at": stamp, "recorded_by": "bench",
                 "data": {"fact": fact, "statement": f"Statement of {fact}", "parties": ["ukraine", "russia"]}}
                for fact in facts]
    return records, facts, sources


def workload(worker: str, count: int) -> tuple[list[dict], list[dict]]:
    """``worker`` names the writer in this run (slugs and aggregate ids differ between runs and writers)."""
    from baselines import append_workload

    setup, facts, sources = setup_records(worker)
    stream = list(append_workload(facts, sources, count, seed=sum(map(ord, worker))))
    for record in stream:  # each worker its own new facts
        if record["type"] == "fact-opened":
            record["data"]["fact"] = f"w{worker}-" + record["data"]["fact"]
    fixed = {}
    for record in stream:
        if record["type"] == "fact-opened":
            fixed[record["data"]["fact"].split("-", 1)[1]] = record["data"]["fact"]
        elif "fact" in record["data"] and record["data"]["fact"] in fixed:
            record["data"]["fact"] = fixed[record["data"]["fact"]]
    return setup, stream


def wait_for(start_at: float) -> None:
    time.sleep(max(0.0, start_at - time.time()))


def factlog_writer(url: str, worker: str, count: int, start_at: float) -> dict[str, Any]:
    import factlog

    setup, stream = workload(worker, count)
    with factlog.open_log(url) as log:
        role = log.user
        for record in setup + stream:
            record["recorded_by"] = role  # what the server accepts from this role
        log.append_records(setup)
        wait_for(start_at)
        started = time.time()
        for record in stream:
            log.append_records([record])
        return {"start": started, "end": time.time(), "events": count}


def es_writer(env: dict[str, str], worker: str, count: int, start_at: float) -> dict[str, Any]:
    from baselines import EsLoader
    from es_model import Investigation

    setup, stream = workload(worker, count)
    app = Investigation(env={**env, "CREATE_TABLE": "false"})  # created once by bench(): no DDL race
    loader = EsLoader()
    for record in setup:
        loader.apply(record)
    app.save(*loader.sources.values(), *loader.facts.values())
    wait_for(start_at)
    started = time.time()
    for record in stream:
        app.save(loader.apply(record))
    return {"start": started, "end": time.time(), "events": count}


def es_env(args: argparse.Namespace) -> dict[str, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(args.url)
    return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": parts.path.lstrip("/"),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1", "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": parts.username or "", "POSTGRES_PASSWORD": parts.password or "x",
            "POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "0"}


def run_case(kind: str, target: str, writers: int, count: int, tag: str = "") -> float:
    """Start ``writers`` processes of ``kind`` and return the events per second of all of them together."""
    start_at = time.time() + 3.0 + 0.4 * writers  # time to import and set up before the common start
    processes = [subprocess.Popen([PYTHON, __file__, "--worker", kind, target, f"{tag}w{k}", str(count),
                                   str(start_at)], stdout=subprocess.PIPE, text=True) for k in range(writers)]
    reports = []
    for process in processes:
        out, _ = process.communicate(timeout=3600)
        if process.returncode != 0:
            raise SystemExit(f"a {kind} writer failed")
        reports.append(json.loads(out.splitlines()[-1]))
    if min(r["start"] for r in reports) < start_at - 0.5:
        print(f"  (a {kind} writer was not ready at the common start: raise the start delay)", file=sys.stderr)
    span = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    return sum(r["events"] for r in reports) / span


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a PostgreSQL database to use (default: a throwaway cluster)")
    parser.add_argument("--appends", type=int, default=300, help="appends per writer")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, target, worker, count, start_at = args.worker
        if kind == "factlog":
            result = factlog_writer(target, worker, int(count), float(start_at))
        else:
            result = es_writer(json.loads(target), worker, int(count), float(start_at))
        print(json.dumps(result))
        return
    cluster = None
    if args.url is None:
        from pg_cluster import start_cluster

        cluster, why = start_cluster()
        if cluster is None:
            raise SystemExit(f"no PostgreSQL server: {why}")
        args.url = cluster.url(tcp=True)
    try:
        bench(args)
    finally:
        if cluster is not None:
            cluster.remove()


def bench(args: argparse.Namespace) -> None:
    import uuid

    import psycopg

    with psycopg.connect(args.url, autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    print(f"PostgreSQL {version}, {os.cpu_count()} cores, {args.appends} appends per writer, one transaction each")
    env = es_env(args)
    from es_model import Investigation

    Investigation(env=env)  # creates eventsourcing's tables once, before writers race to
    run = uuid.uuid4().hex[:8]
    base = args.url + ("&" if "?" in args.url else "?")
    rows = []
    for writers in (1, 4, 8):
        ours = run_case("factlog", f"{base}log=bench-{run}-{writers}", writers, args.appends)
        theirs = run_case("es", json.dumps(env), writers, args.appends, tag=f"r{run}n{writers}")
        rows.append((f"{writers} writer{'s' if writers > 1 else ''}, one log", ours, theirs))
        print(f"{rows[-1][0]:<28} factlog {ours:8.0f}/s  eventsourcing {theirs:8.0f}/s  ratio {ours / theirs:5.2f}",
              flush=True)
    many = run_case_many_logs(base, run, 8, args.appends)
    one = rows[0][1]
    print(f"{'8 writers, 8 logs':<28} factlog {many:8.0f}/s  = {many / one:4.2f} x one writer"
          f" (8 writers on one log: {rows[2][1] / one:4.2f} x)")


def run_case_many_logs(base: str, run: str, writers: int, count: int) -> float:
    """8 writers, each on a log of its own in the same database."""
    start_at = time.time() + 3.0 + 0.4 * writers
    processes = [subprocess.Popen([PYTHON, __file__, "--worker", "factlog", f"{base}log=bench-{run}-own-{k}",
                                   f"w{k}", str(count), str(start_at)], stdout=subprocess.PIPE, text=True)
                 for k in range(writers)]
    reports = [json.loads(p.communicate(timeout=3600)[0].splitlines()[-1]) for p in processes]
    span = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    return sum(r["events"] for r in reports) / span


if __name__ == "__main__":
    main()

"""factlog's in-process cases, each run by ``run.py`` in a fresh process; prints one JSON object like the
baselines do (``seconds`` covers only the measured work).

- ``append DB COUNT [--synchronous FULL|NORMAL]``: COUNT events through the Python API (``Log.claim``,
  ``Log.retract``, ``Log.open_fact`` ...), each its own transaction, about the log's most recent facts.
- ``status DB FACT [--at-seq K] [--iterations N]``: ``Log.status(FACT)`` now, or at a past point of the log.
- ``load FILE DB``: ``Log.append_records`` in batches; how the runner builds its logs when ``factlog import``
  is not there.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from typing import Any

import factlog
from baselines import append_workload, read_records

BATCH = 10_000


def append(db: str, count: int, synchronous: str) -> None:
    log = factlog.open_log(db, create=False, user="bench")
    log.store.conn.execute(f"PRAGMA synchronous = {synchronous}")
    facts = [row["id"] for row in sorted(log.store.facts(), key=lambda row: row["opened_seq"])[-50:]]
    sources = log.store.ids("sources")
    workload = list(append_workload(facts, sources, count))
    start = time.perf_counter()
    for record in workload:
        api_call(log, record)
    seconds = time.perf_counter() - start
    log.close()
    print(json.dumps({"seconds": seconds, "events": count}))


def api_call(log: factlog.Log, record: dict[str, Any]) -> Any:
    data, kind, at = record["data"], record["type"], record["observed_at"]
    if kind == "fact-opened":
        return log.open_fact(data["fact"], data["statement"], parties=data["parties"], at=at)
    if kind == "retract":
        return log.retract(api_call.ids[data["target"]], reason=data.get("reason"), at=at)
    event = log.state(kind, data["fact"], data["source"], quote=data.get("quote"), url=data.get("url"), at=at,
                      credibility=data.get("credibility"))
    api_call.ids[record["id"]] = event.id
    return event


api_call.ids = {}  # type: ignore[attr-defined]  # workload id -> the id the log gave the statement


def status(db: str, fact: str, at_seq: int | None, iterations: int) -> None:
    log = factlog.open_log(db, create=False)
    clock = log.clock(at_seq=at_seq)
    log.status(fact, clock)  # warm: the first call pays for opening pages
    start = time.perf_counter()
    for _ in range(iterations):
        log.status(fact, clock)
    seconds = time.perf_counter() - start
    log.close()
    print(json.dumps({"seconds": seconds / iterations, "events": 1}))


def load(path: str, db: str) -> None:
    log = factlog.open_log(db, user="bench")
    records = read_records(path)
    start, count = time.perf_counter(), 0
    while True:
        batch = list(itertools.islice(records, BATCH))
        if not batch:
            break
        log.append_records(batch)
        count += len(batch)
    seconds = time.perf_counter() - start
    log.close()
    print(json.dumps({"seconds": seconds, "events": count}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="factlog's in-process benchmark cases")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("append")
    command.add_argument("db")
    command.add_argument("count", type=int)
    command.add_argument("--synchronous", default="FULL", choices=("FULL", "NORMAL"))
    command = commands.add_parser("status")
    command.add_argument("db")
    command.add_argument("fact")
    command.add_argument("--at-seq", type=int)
    command.add_argument("--iterations", type=int, default=200)
    command = commands.add_parser("load")
    command.add_argument("file")
    command.add_argument("db")
    args = parser.parse_args(argv)
    if args.command == "append":
        append(args.db, args.count, args.synchronous)
    elif args.command == "status":
        status(args.db, args.fact, args.at_seq, args.iterations)
    else:
        load(args.file, args.db)


if __name__ == "__main__":
    sys.exit(main())

"""The baselines factlog is measured against, each run by ``run.py`` in a fresh process.

Each subcommand does its work, times only that work (not the interpreter's start), and prints one JSON object:
``{"seconds": ..., "events": ...}``. The runner reads peak memory from the process itself.

- ``raw FILE DB``: the ceiling. The same events, serialised beforehand, inserted with ``sqlite3`` executemany
  in one transaction, WAL, into a table with only the primary key and a UNIQUE id.
- ``sqlite-utils FILE DB [--atomic]``: ``insert_all`` with its defaults (it commits every 100 rows), or inside
  one ``db.atomic()``.
- ``es-bulk FILE DB``: the ``eventsourcing`` library on SQLite: read the file, build the aggregates, save them
  all in one call (one transaction).
- ``es-each DB COUNT``: eventsourcing with one save (one transaction) per event, the library's own durability.
- ``es-fold DB``: eventsourcing reads its whole notification log back and folds it into aggregates.
- ``commit-each DB COUNT --synchronous FULL|NORMAL``: raw ``sqlite3``, one INSERT and COMMIT per event.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

CONTENT_FIELDS = ("id", "type", "version", "recorded_at", "observed_at", "recorded_by", "data")
STATEMENTS = ("claim", "confirm", "deny", "decline")


def read_records(path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def report(seconds: float, events: int, **extra: Any) -> None:
    print(json.dumps({"seconds": seconds, "events": events, **extra}))


# --- raw SQLite -------------------------------------------------------------------------------------------

RAW_SCHEMA = (
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
    " version INTEGER NOT NULL, recorded_at TEXT NOT NULL, observed_at TEXT NOT NULL, recorded_by TEXT NOT NULL,"
    " data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
)


def serialised_rows(path: str) -> list[tuple]:
    rows = []
    for r in read_records(path):
        data = json.dumps(r["data"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        rows.append((r["seq"], r["id"], r["type"], r["version"], r["recorded_at"], r["observed_at"],
                     r["recorded_by"], data, r["prev_hash"], r["hash"]))
    return rows


def raw(path: str, db: str) -> None:
    rows = serialised_rows(path)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(RAW_SCHEMA)
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    conn.execute("COMMIT")
    conn.close()
    report(time.perf_counter() - start, len(rows))


def commit_each(db: str, count: int, synchronous: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute(RAW_SCHEMA)
    rng = random.Random(6)
    rows = [(None, str(uuid.UUID(int=rng.getrandbits(128))), "claim", 1, "2022-03-30T00:00:00.000000+00:00",
             "2022-03-30T00:00:00.000000+00:00", "bench", '{"fact":"f","source":"s"}', f"p{i}", f"h{i}")
            for i in range(count)]
    start = time.perf_counter()
    for row in rows:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)", row)
        conn.execute("COMMIT")
    report(time.perf_counter() - start, count)


def sqlite_utils_insert(path: str, db: str, atomic: bool) -> None:
    import sqlite_utils

    rows = [dict(zip(("seq", "id", "type", "version", "recorded_at", "observed_at", "recorded_by", "data",
                      "prev_hash", "hash"), row)) for row in serialised_rows(path)]
    database = sqlite_utils.Database(db)
    database.enable_wal()
    database.execute(RAW_SCHEMA)
    start = time.perf_counter()
    if atomic:
        with database.atomic():
            database["events"].insert_all(rows)
    else:
        database["events"].insert_all(rows)
    database.close()
    report(time.perf_counter() - start, len(rows))


# --- the eventsourcing library ------------------------------------------------------------------------------


def es_app(db: str) -> Any:
    from es_model import Investigation

    return Investigation(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": db})


class EsLoader:
    """Turns wire records into commands on aggregates held in memory."""

    def __init__(self) -> None:
        from es_model import Fact, Source

        self.source_cls, self.fact_cls = Source, Fact
        self.sources: dict[str, Any] = {}
        self.facts: dict[str, Any] = {}
        self.fact_of_statement: dict[str, str] = {}

    def apply(self, record: dict[str, Any]) -> Any:
        """Apply one record; returns the aggregate it changed."""
        content = {key: record[key] for key in CONTENT_FIELDS}
        kind, data = record["type"], record["data"]
        if kind == "source-registered":
            aggregate = self.sources[data["source"]] = self.source_cls(content)
        elif kind == "fact-opened":
            aggregate = self.facts[data["fact"]] = self.fact_cls(content)
        elif kind == "fact-reworded":
            aggregate = self.facts[data["fact"]]
            aggregate.reword(content)
        elif kind == "verdict-given":
            aggregate = self.facts[data["fact"]]
            aggregate.judge(content)
        elif kind == "retract":
            aggregate = self.facts[self.fact_of_statement[data["target"]]]
            aggregate.retract(content)
        else:
            aggregate = self.facts[data["fact"]]
            aggregate.state(content)
            self.fact_of_statement[record["id"]] = data["fact"]
        return aggregate


def es_bulk(path: str, db: str) -> None:
    app = es_app(db)
    start = time.perf_counter()
    loader = EsLoader()
    count = 0
    for record in read_records(path):
        loader.apply(record)
        count += 1
    app.save(*loader.sources.values(), *loader.facts.values())
    report(time.perf_counter() - start, count)


def es_each(path: str, db: str, count: int) -> None:
    """Load the log in bulk (untimed), then ``count`` more events, each its own save."""
    app = es_app(db)
    loader = EsLoader()
    for record in read_records(path):
        loader.apply(record)
    app.save(*loader.sources.values(), *loader.facts.values())
    workload = list(append_workload(list(loader.facts), list(loader.sources), count))
    start = time.perf_counter()
    for record in workload:
        app.save(loader.apply(record))
    report(time.perf_counter() - start, count)


def es_fold(db: str) -> None:
    app = es_app(db)
    start = time.perf_counter()
    aggregates: dict[uuid.UUID, Any] = {}
    count, position = 0, 1
    while True:
        notifications = app.recorder.select_notifications(start=position, limit=1000)
        if not notifications:
            break
        for notification in notifications:
            domain_event = app.mapper.to_domain_event(notification)
            aggregates[domain_event.originator_id] = domain_event.mutate(aggregates.get(domain_event.originator_id))
        count += len(notifications)
        position = notifications[-1].id + 1
    report(time.perf_counter() - start, count, aggregates=len(aggregates))


# --- the append workload, shared with factlog's in-process case ---------------------------------------------


def append_workload(facts: list[str], sources: list[str], count: int, seed: int = 66) -> Iterator[dict[str, Any]]:
    """``count`` new events as wire records about the most recent facts: statements, some retractions of them,
    and now and then a new fact. The same stream for factlog and for eventsourcing."""
    rng = random.Random(seed)
    facts = list(facts)
    appended: list[dict[str, Any]] = []
    moment = 1_700_000_000.0
    for index in range(count):
        moment += rng.uniform(1, 60)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + ".000000+00:00"
        envelope = {"id": str(uuid.UUID(int=rng.getrandbits(128))), "version": 1, "recorded_at": stamp,
                    "observed_at": stamp, "recorded_by": "bench"}
        roll = rng.random()
        if roll < 0.05:
            fact = f"bench-fact-{index}"
            facts.append(fact)
            record = {**envelope, "type": "fact-opened", "version": 2,
                      "data": {"fact": fact, "statement": "A new development was reported overnight.",
                               "parties": ["ukraine", "russia"]}}
        elif roll < 0.15 and appended:
            target = appended.pop(rng.randrange(len(appended)))
            record = {**envelope, "type": "retract", "data": {"target": target["id"], "reason": "misread"}}
        else:
            fact = facts[max(0, len(facts) - 1 - int(rng.expovariate(1 / 6)))]
            record = {**envelope, "type": rng.choice(STATEMENTS),
                      "data": {"fact": fact, "source": rng.choice(sources),
                               "quote": "The depot was hit by two missiles shortly after midnight, officials said.",
                               "url": f"https://news.example.org/{index}", "credibility": rng.randint(1, 6)}}
            appended.append(record)
        yield record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="baselines for the factlog benchmark")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("raw", "sqlite-utils", "es-bulk"):
        command = commands.add_parser(name)
        command.add_argument("file")
        command.add_argument("db")
        if name == "sqlite-utils":
            command.add_argument("--atomic", action="store_true")
    command = commands.add_parser("es-each")
    command.add_argument("file")
    command.add_argument("db")
    command.add_argument("count", type=int)
    commands.add_parser("es-fold").add_argument("db")
    command = commands.add_parser("commit-each")
    command.add_argument("db")
    command.add_argument("count", type=int)
    command.add_argument("--synchronous", default="FULL", choices=("FULL", "NORMAL"))
    args = parser.parse_args(argv)
    if args.command == "raw":
        raw(args.file, args.db)
    elif args.command == "sqlite-utils":
        sqlite_utils_insert(args.file, args.db, args.atomic)
    elif args.command == "es-bulk":
        es_bulk(args.file, args.db)
    elif args.command == "es-each":
        es_each(args.file, args.db, args.count)
    elif args.command == "es-fold":
        es_fold(args.db)
    elif args.command == "commit-each":
        commit_each(args.db, args.count, args.synchronous)


if __name__ == "__main__":
    sys.exit(main())

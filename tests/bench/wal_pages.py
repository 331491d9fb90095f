"""How many pages an append writes: ``COUNT`` appends through the Python API (the bench's append workload, one
transaction each) into a copy of a log, then the WAL's frames read back and attributed to the table or index
each page belongs to (SQLite's ``dbstat``).

    python tests/bench/wal_pages.py LOG.db [--count 500] [--keep]

Prints the pages per commit, in all and by B-tree. The WAL is emptied first and never checkpointed during the
run, so every frame in it is a page one of the appends wrote (SQLite writes each page a transaction changed
once per commit).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

WAL_HEADER, FRAME_HEADER = 32, 24


def wal_frames(path: str) -> list[tuple[int, bool]]:
    """Each frame of the WAL file: its page number, and whether it ends a transaction (a commit frame)."""
    with open(path, "rb") as wal:
        header = wal.read(WAL_HEADER)
        page_size = struct.unpack(">I", header[8:12])[0]
        frames = []
        while True:
            frame = wal.read(FRAME_HEADER)
            if len(frame) < FRAME_HEADER:
                return frames
            page, commit_size = struct.unpack(">II", frame[:8])
            frames.append((page, commit_size != 0))
            wal.seek(page_size, os.SEEK_CUR)


def owners(db: str) -> dict[int, str]:
    """Page number -> the table or index it belongs to."""
    conn = sqlite3.connect(db)
    try:
        return {page: name for name, page in conn.execute("SELECT name, pageno FROM dbstat")}
    finally:
        conn.close()


def run(db: str, count: int) -> dict[str, float]:
    import factlog
    from baselines import append_workload
    from inprocess import api_call

    log = factlog.open_log(db, create=False, user="bench")
    conn = log.store.conn  # type: ignore[attr-defined]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # every frame stays in the WAL to be counted
    facts = [row["id"] for row in sorted(log.store.facts(), key=lambda row: row["opened_seq"])[-50:]]
    workload = list(append_workload(facts, log.store.ids("sources"), count))
    start = time.perf_counter()
    for record in workload:
        api_call(log, record)
    seconds = time.perf_counter() - start
    frames = wal_frames(db + "-wal")
    commits = sum(1 for _, commit in frames if commit)
    by_page = owners(db)
    log.close()
    tally = collections.Counter(by_page.get(page, "(free list or header)") for page, _ in frames)
    result = {"commits": commits, "pages per commit": len(frames) / max(commits, 1),
              "ms per append (NORMAL)": seconds * 1000 / count}
    for name, pages in tally.most_common():
        result[name] = pages / max(commits, 1)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", help="a log to copy (left untouched)")
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        copy = os.path.join(work, "pages.db")
        source = sqlite3.connect(args.db)
        target = sqlite3.connect(copy)
        source.backup(target)
        source.close()
        target.close()
        for name, value in run(copy, args.count).items():
            print(f"{value:8.2f}  {name}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""A writer process for the team-log tests: COUNT appends through the CLI (click's own entry point, in-process,
one command per append: each opens the log, appends in one transaction and closes it), one JSON line per
acknowledged append, flushed before the next, so a parent that kills it knows what was acknowledged.

    python tests/pg_writer.py URL COUNT WORKER START_AT [--pause-ms MS]

``--pause-ms`` sleeps inside each append's transaction, just before the commit, so that a kill lands there.
"""

from __future__ import annotations

import json
import sys
import time


def main(url: str, count: int, worker: int, start_at: float, pause_ms: float) -> None:
    from click.testing import CliRunner

    from factlog.cli import cli

    if pause_ms:
        from factlog.store.postgres import PostgresStore

        PostgresStore.before_commit = lambda self: time.sleep(pause_ms / 1000)  # type: ignore[method-assign]
    runner = CliRunner()
    time.sleep(max(0.0, start_at - time.time()))
    for n in range(count):
        args = ["--db", url, "claim", f"fact-{n % 8}", "--source", f"source-{worker}", "--quote",
                f"claim {n} of {worker}", "--quiet"]
        result = runner.invoke(cli, args)
        if result.exit_code != 0:
            print(json.dumps({"error": result.output.strip(), "n": n}), flush=True)
            continue
        print(json.dumps({"id": result.stdout.strip(), "n": n}), flush=True)


if __name__ == "__main__":
    pause = float(sys.argv[sys.argv.index("--pause-ms") + 1]) if "--pause-ms" in sys.argv else 0.0
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), pause)

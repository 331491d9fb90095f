"""The README's Performance results, regenerated from a run of the benchmark.

    python tests/bench/run.py --size 1000000 --write-readme         # measure, then write the README
    python tests/bench/readme.py results.json [--readme README.md]  # from a saved ``run.py --json`` result

Everything between the two markers below is replaced: a line naming the command, the date and the machine the
figures came from (CPU and cores, RAM, system, Python, SQLite, eventsourcing, load average), then the table.
The text around the markers is written by people and left alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

BEGIN = "<!-- bench results: written by tests/bench/run.py --write-readme; edit the bench, not this -->"
END = "<!-- end of bench results -->"


def section(results: dict[str, Any]) -> str:
    """The generated block, markers included."""
    from run import Row, table

    about = results["machine"]
    rows = []
    for item in results["rows"]:
        row = Row(item["case"], item["unit"], [] if item["min"] is None else [item["min"], item["median"],
                                                                             item["max"]],
                  item["baseline"], [] if item["baseline_median"] is None else [item["baseline_median"]],
                  key=item.get("key", ""), goal=item["goal"], met=item["met"])
        rows.append(row)
    minutes = results.get("seconds", 0) / 60
    head = (f"`{results['command']}`, {results['date']}, {minutes:.0f} min in all: {results['size']:,} events,"
            f" {results['repeat']} fresh process(es) per measurement, each case taken in turns with its baselines."
            f" Machine: {about['cpu']}, {about.get('ram', 'unknown')} RAM, {about.get('system', '')}; Python"
            f" {about['python']}, SQLite {about['sqlite']}, eventsourcing {about['eventsourcing']}; load average"
            f" {about.get('load', 'unknown')} at the end (the machine is shared: the ratios against baselines of the"
            " same run are what compares). \"—\" in *met*: the goal holds at another size, or its baseline was not"
            " measured.")
    return "\n".join([BEGIN, "", head, "", table(rows), "", END])


def replace(text: str, results: dict[str, Any]) -> str:
    """``text`` (a README) with its generated block replaced; an error if the markers are not there once each."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit(f"Error: the README needs the markers {BEGIN!r} and {END!r}, once each, in that order")
    before, rest = text.split(BEGIN)
    _, after = rest.split(END)
    return before + section(results) + after


def write(results: dict[str, Any], path: str) -> None:
    with open(path, encoding="utf-8") as readme:
        text = readme.read()
    new = replace(text, results)
    with open(path, "w", encoding="utf-8") as readme:
        readme.write(new)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", help="a run.py --json result")
    parser.add_argument("--readme", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "README.md"))
    args = parser.parse_args(argv)
    with open(args.results, encoding="utf-8") as saved:
        write(json.load(saved), args.readme)


if __name__ == "__main__":
    main()

"""A realistic synthetic log for the benchmarks, written as JSON Lines of wire records.

The file looks like ``factlog export jsonl`` of a log that analysts built over months: about 200 sources of
several parties and kinds registered first, then facts (one event in ten) opened over time, each drawing most
of its statements in the weeks after it opened (a news cycle), a mix of every statement type, some rewordings,
a few version-1 ``fact-opened`` events (upcast on read), retractions of statements that still stand, never
dated before the statement they withdraw, and the analysts' verdicts on about one fact in ten (one event in a
hundred), so that reads of a fact (``status FACT``) meet verdicts as they would in a real desk's log; about one
statement in five cites another source. Ids are UUIDv7 made from the recording time and a seeded generator, so
the same seed and size always give the same bytes, and ``seq``, ``prev_hash`` and ``hash`` form the chain
factlog itself would compute.

    python tests/bench/generate.py 100000 -o /tmp/log.jsonl [--seed 6]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from factlog.events import canonical_json
from factlog.store import GENESIS, chain_hash

START = dt.datetime(2022, 2, 24, 4, 0, tzinfo=dt.timezone.utc)
SOURCE_COUNT = 200
PARTIES = ("ukraine", "russia", "belarus", "united-kingdom", "united-states", "poland", "nato", "moldova")
KINDS = ("official", "journalist", "agency", "media", "witness", "anonymous", "document", "other")
KIND_WEIGHTS = (30, 30, 12, 40, 30, 20, 18, 20)
ANALYSTS = ("olena", "marta", "james", "ivan", "sophie")
WORDS = (
    "strike depot missile border village convoy bridge drone column airfield brigade shelling "
    "explosion battalion satellite images footage governor ministry spokesman statement report "
    "casualties damage refinery railway substation warehouse artillery frontline regional city "
    "confirmed unverified sources said according officials residents overnight morning evening"
).split()
TAGS = ("belgorod", "kharkiv", "donbas", "crimea", "logistics", "air-defence", "civilians", "energy", "navy")
CITE_SHARE = 0.2  # statements that cite another source
# Among events after the sources: what each one is (fact-opened is scheduled separately, one in ten).
KIND_OF_EVENT = ("claim", "deny", "confirm", "decline", "retract", "fact-reworded")
KIND_OF_EVENT_WEIGHTS = (50, 20, 10, 10, 5, 1)
RATINGS = ("true", "mostly-true", "mixed", "mostly-false", "false", "unproven")


def uuid7(millis: int, rng: random.Random) -> str:
    """A UUIDv7 like ``factlog.events.new_event_id``, but its random bits come from ``rng``."""
    value = (millis & ((1 << 48) - 1)) << 80 | rng.getrandbits(80)
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class Generator:
    """Produces the content of each event (no position); ``records`` adds seq and the hash chain."""

    def __init__(self, size: int, seed: int):
        self.size = size
        self.rng = random.Random(seed)
        # citations draw from their own generator, so the rest of the log is what it was before they existed
        self.cite_rng = random.Random(seed * 7919 + 1)
        self.clock = START
        self.sources: list[dict[str, Any]] = []
        self.facts: list[dict[str, Any]] = []
        # Recent statements that may still be retracted: [event id, observed_at text, fact index, retracted]
        self.recent: list[list[Any]] = []

    def sentence(self, low: int, high: int) -> str:
        words = self.rng.choices(WORDS, k=self.rng.randint(low, high))
        return (" ".join(words)).capitalize() + "."

    def envelope(self, kind: str, observed: dt.datetime | None = None, version: int = 1) -> dict[str, Any]:
        self.clock += dt.timedelta(seconds=self.rng.randint(1, 90), microseconds=self.rng.randint(0, 999_999))
        millis = int(self.clock.timestamp() * 1000)
        return {
            "id": uuid7(millis, self.rng), "type": kind, "version": version, "recorded_at": stamp(self.clock),
            "observed_at": stamp(observed or self.clock), "recorded_by": self.rng.choice(ANALYSTS),
        }

    def source(self, index: int) -> dict[str, Any]:
        kind = self.rng.choices(KINDS, KIND_WEIGHTS)[0]
        party = self.rng.choice(PARTIES) if kind == "official" or self.rng.random() < 0.5 else None
        data: dict[str, Any] = {"source": f"{kind}-{index}", "name": f"{self.sentence(1, 2)[:-1]} {index}",
                                "kind": kind}
        if party:
            data["party"] = party
        if self.rng.random() < 0.8:
            data["reliability"] = self.rng.choice("ABCDEF")
        if self.rng.random() < 0.5:
            data["url"] = f"https://news.example.org/sources/{index}"
        self.sources.append({"id": data["source"], "kind": kind, "party": party})
        return {**self.envelope("source-registered"), "data": data}

    def fact_opened(self) -> dict[str, Any]:
        index = len(self.facts)
        parties = self.rng.sample(PARTIES, self.rng.choice((1, 2, 2, 3)))
        slug = f"{self.rng.choice(TAGS)}-{self.rng.choice(WORDS)}-{index}"
        statement = self.sentence(8, 20)
        if self.rng.random() < 0.02:  # an old client's event: version 1 had one party
            record = {**self.envelope("fact-opened", version=1),
                      "data": {"fact": slug, "statement": statement, "party": parties[0]}}
            parties = parties[:1]
        else:
            data: dict[str, Any] = {"fact": slug, "statement": statement, "parties": parties,
                                    "tags": sorted(self.rng.sample(TAGS, self.rng.randint(0, 3)))}
            if self.rng.random() < 0.6:
                data["occurred_at"] = stamp(self.clock - dt.timedelta(hours=self.rng.randint(1, 72)))
            record = {**self.envelope("fact-opened", version=2), "data": data}
        self.facts.append({"id": slug, "parties": parties})
        return record

    def pick_fact(self) -> int:
        # Most statements concern the facts opened recently; some return to an old story.
        last = len(self.facts) - 1
        if self.rng.random() < 0.05:
            return self.rng.randint(0, last)
        return max(0, last - int(self.rng.expovariate(1 / 6)))

    def pick_source(self, kind: str, fact: int) -> dict[str, Any]:
        if kind in ("confirm", "deny", "decline") and self.rng.random() < 0.6:
            officials = [s for s in self.official_sources() if s["party"] in self.facts[fact]["parties"]]
            if officials:
                return self.rng.choice(officials)
        return self.rng.choice(self.sources)

    def official_sources(self) -> list[dict[str, Any]]:
        if not hasattr(self, "_officials"):
            self._officials = [s for s in self.sources if s["kind"] == "official"]
        return self._officials

    def statement(self, kind: str) -> dict[str, Any]:
        fact = self.pick_fact()
        source = self.pick_source(kind, fact)
        observed = self.clock - dt.timedelta(seconds=self.rng.randint(0, 36 * 3600))
        record = self.envelope(kind, observed=observed)
        data: dict[str, Any] = {"fact": self.facts[fact]["id"], "source": source["id"]}
        if self.rng.random() < 0.85:
            data["quote"] = self.sentence(10, 28)
        if self.rng.random() < 0.6:
            data["url"] = f"https://news.example.org/{self.rng.getrandbits(40):x}"
        if self.rng.random() < 0.5:
            data["credibility"] = self.rng.randint(1, 6)
        if self.rng.random() < 0.15:
            data["note"] = self.sentence(4, 12)
        cited = self.cited(source["id"])
        if cited is not None:
            data["cites"] = cited
        self.recent.append([record["id"], record["observed_at"], fact, False])
        if len(self.recent) > 2000:
            del self.recent[:1000]
        return {**record, "data": data}

    def cited(self, speaker: str) -> str | None:
        """The source a statement cites, for about one statement in five (issue 16): most often one of the
        few dozen sources registered first (agencies and ministries quoted by many), so chains form."""
        if self.cite_rng.random() >= CITE_SHARE:
            return None
        pool = self.sources[:40] if self.cite_rng.random() < 0.7 else self.sources
        cited = self.cite_rng.choice(pool)["id"]
        return None if cited == speaker else cited

    def retract(self) -> dict[str, Any] | None:
        for _ in range(10):
            target = self.rng.choice(self.recent)
            if not target[3]:
                break
        else:
            return None
        target[3] = True
        # Recorded now, so its observed_at (now) is after the target's, which was observed before it was recorded.
        record = self.envelope("retract")
        data: dict[str, Any] = {"target": target[0]}
        if self.rng.random() < 0.7:
            data["reason"] = self.sentence(3, 10)
        return {**record, "data": data}

    def reworded(self) -> dict[str, Any]:
        fact = self.pick_fact()
        data = {"fact": self.facts[fact]["id"], "statement": self.sentence(8, 20)}
        if self.rng.random() < 0.5:
            data["reason"] = self.sentence(3, 8)
        return {**self.envelope("fact-reworded"), "data": data}

    def verdict(self) -> dict[str, Any]:
        """An analyst's verdict on a fact in the news (given now: a verdict is never dated in the future)."""
        fact = self.pick_fact()
        data = {"fact": self.facts[fact]["id"], "rating": self.rng.choice(RATINGS), "basis": self.sentence(6, 16)}
        return {**self.envelope("verdict-given"), "data": data}

    def contents(self) -> Iterator[dict[str, Any]]:
        """Each event's content, in log order."""
        sources = min(SOURCE_COUNT, max(1, self.size // 5))
        for index in range(sources):
            yield self.source(index)
        for position in range(sources, self.size):
            if not self.facts or position % 10 == 0:
                yield self.fact_opened()
                continue
            if position % 100 == 5:  # one event in a hundred: a verdict on about one fact in ten
                yield self.verdict()
                continue
            kind = self.rng.choices(KIND_OF_EVENT, KIND_OF_EVENT_WEIGHTS)[0]
            record = None
            if kind == "retract" and self.recent:
                record = self.retract()
            elif kind == "fact-reworded":
                record = self.reworded()
            yield record or self.statement(kind if kind in ("claim", "deny", "confirm", "decline") else "claim")


def records(size: int, seed: int = 6) -> Iterator[dict[str, Any]]:
    """The wire records of a log of ``size`` events, with ``seq`` and the hash chain as factlog makes them."""
    prev_hash = GENESIS
    for seq, content in enumerate(Generator(size, seed).contents(), start=1):
        data_text = canonical_json(content["data"])
        digest = chain_hash(prev_hash, seq, content["id"], content["type"], content["version"],
                            content["recorded_at"], content["observed_at"], content["recorded_by"], data_text)
        yield {"seq": seq, **content, "prev_hash": prev_hash, "hash": digest}
        prev_hash = digest


def write(size: int, out: TextIO, seed: int = 6) -> int:
    """Write the log as JSON Lines; returns the number of bytes written."""
    written = 0
    for record in records(size, seed):
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        out.write(line)
        written += len(line.encode("utf-8"))
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, help="number of events")
    parser.add_argument("-o", "--output", help="file to write (default: stdout)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            written = write(args.size, out, args.seed)
        print(f"{args.size} events, {written / args.size:.0f} bytes each, in {args.output}", file=sys.stderr)
    else:
        write(args.size, sys.stdout, args.seed)


if __name__ == "__main__":
    main()

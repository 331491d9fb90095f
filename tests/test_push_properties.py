"""Merging A into B and B into A gives the same beliefs (DESIGN "Merging two analysts' logs"): two logs with a
shared start, then registrations of overlapping slugs made on each side (other ids, same data) and statements
and retractions of their own, merged each way with `factlog pull`, then `status --json` compared."""

import datetime as dt
import json
import shutil

from click.testing import CliRunner
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import factlog
from factlog.cli import cli

# Each slug always registers with the same data, whichever analyst registers it.
SOURCES = {
    "tass": ("TASS", "agency", None),
    "gladkov": ("Vyacheslav Gladkov", "official", "russia"),
    "kyiv-mod": ("Ministry of Defence of Ukraine", "official", "ukraine"),
    "butusov": ("Yuriy Butusov", "journalist", "ukraine"),
}
FACTS = {
    "blast": ("A blast at the fuel depot", ("russia", "ukraine")),
    "strike": ("Two helicopters struck the depot", ("ukraine",)),
    "hurt": ("Soldiers were hurt", ()),
}
START = dt.datetime(2022, 3, 30, tzinfo=dt.timezone.utc)

statement = st.tuples(st.sampled_from(("claim", "confirm", "deny", "decline")), st.sampled_from(sorted(FACTS)),
                      st.sampled_from(sorted(SOURCES)))
retraction = st.tuples(st.just("retract"), st.integers(0, 3))  # low: often a shared statement, on both sides
operations = st.lists(st.one_of(statement, statement, retraction), max_size=8)


class Recorder:
    """Records operations into one log, registering each slug the first time this log needs it."""

    def __init__(self, log, clock):
        self.log, self.clock = log, clock
        self.said: list[tuple[str, dt.datetime]] = []

    def when(self) -> dt.datetime:
        # every statement of both logs at its own time: a tie between two logs' statements of one source on one
        # fact is broken by seq, which differs between the merged logs (see the report of this branch)
        self.clock[0] += 1
        return START + dt.timedelta(minutes=self.clock[0])

    def need(self, fact: str, source: str) -> None:
        if source not in self.log.ids("sources"):
            name, kind, party = SOURCES[source]
            self.log.add_source(source, name, kind, party, at=START)
        if fact not in self.log.ids("facts"):
            statement_text, parties = FACTS[fact]
            self.log.open_fact(fact, statement_text, parties, at=START)

    def apply(self, operation: tuple) -> None:
        if operation[0] == "retract":
            if self.said:
                event_id, said_at = self.said.pop(operation[1] % len(self.said))
                self.log.retract(event_id, at=max(said_at, self.when()))
            return
        kind, fact, source = operation
        self.need(fact, source)
        at = self.when()
        self.said.append((self.log.state(kind, fact, source, at=at).id, at))


def status(path) -> list[dict]:
    result = CliRunner().invoke(cli, ["--db", str(path), "status", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return sorted(({k: v for k, v in row.items() if k != "updated_seq"} for row in json.loads(result.stdout)),
                  key=lambda row: row["fact"])


def pull(into, origin) -> None:
    result = CliRunner().invoke(cli, ["--db", str(into), "pull", str(origin)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shared=operations, alice_ops=operations, bob_ops=operations)
def test_merging_either_way_gives_the_same_beliefs(tmp_path_factory, shared, alice_ops, bob_ops):
    folder = tmp_path_factory.mktemp("merge")
    clock = [0]
    alice, bob = folder / "alice.db", folder / "bob.db"
    with factlog.open_log(alice, user="alice") as log:
        recorder = Recorder(log, clock)
        for operation in shared:
            recorder.apply(operation)
        said = list(recorder.said)
    shutil.copy(alice, bob)  # the shared start: the same events, the same ids
    with factlog.open_log(alice, user="alice") as log:
        recorder = Recorder(log, clock)
        recorder.said = list(said)
        for operation in alice_ops:
            recorder.apply(operation)
    with factlog.open_log(bob, user="bob") as log:
        recorder = Recorder(log, clock)
        recorder.said = list(said)
        for operation in bob_ops:
            recorder.apply(operation)

    alice_into_bob, bob_into_alice = folder / "ab.db", folder / "ba.db"
    shutil.copy(bob, alice_into_bob)
    shutil.copy(alice, bob_into_alice)
    pull(alice_into_bob, alice)
    pull(bob_into_alice, bob)
    merged = status(alice_into_bob)
    assert merged == status(bob_into_alice)
    facts = {row["fact"] for row in status(alice) + status(bob)}
    assert {row["fact"] for row in merged} == facts
    with factlog.open_log(alice_into_bob) as log:  # and the live projections equal a rebuild
        before = log.status()
        log.rebuild()
        assert log.status() == before

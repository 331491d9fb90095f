"""Issue 16, cited-source chains: ``--cites SOURCE`` on a statement, origin chains, ``independent_assertions``,
end to end through the CLI into the live projections, a rebuild, verify, the reads and every exporter, on both
back ends; and the events recorded before ``cites`` existed keep their bytes and hashes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

import factlog
from factlog import beliefs as bl
from factlog import events as ev
from tests.test_cli_write import count, refused
from tests.test_teamwork import live_equals_rebuild

pytestmark = pytest.mark.both_backends
ROOT = Path(__file__).resolve().parent.parent
OUTLETS = ("tass", "ria", "izvestia", "rt")
OLD_HEAD = "sha256:e8366d1c6b3ad42a3178096b3cdd02b63b3a4ae30497d664f19bf366e5a3fc46"  # the seed log before issue 16


@pytest.fixture
def outlets(run):
    """Four outlets claim the strike, each citing the ministry of defence, which never spoke on it itself."""
    run("source", "add", "mod", "--name", "Russian MoD", "--kind", "official", "--party", "russia")
    for outlet in OUTLETS:
        run("source", "add", outlet, "--name", outlet.upper(), "--kind", "media")
    run("fact", "add", "strike", "A strike hit the depot", "--party", "ukraine")
    return [run.id("claim", "strike", "--source", outlet, "--cites", "mod", "--at", f"2022-03-30T0{i}:00:00+03:00")
            for i, outlet in enumerate(OUTLETS)]


def test_four_outlets_citing_one_ministry_are_one_independent_assertion(run, db_path, outlets):
    [row] = run.json("status", "strike")
    assert row["status"] == "claimed"  # status and label are what the sources said, cites or not
    assert row["label"] == "claimed: by TASS, RIA, IZVESTIA, RT; unconfirmed by Ukraine"
    assert row["independent_assertions"] == 1
    assert row["chains"] == {outlet: [outlet, "mod"] for outlet in OUTLETS}
    assert "4 sources, 1 independent" in run("status").stdout
    why = run("why", "strike").stdout
    assert "independent assertions: 1 of 4 asserting" in why
    assert "tass -> mod: asserts, origin mod" in why
    assert "citing mod" in why
    [explained] = run.json("why", "strike")
    assert explained["independent_assertions"] == 1
    assert [c["chain"] for c in explained["chains"]] == [[outlet, "mod"] for outlet in OUTLETS]
    live_equals_rebuild(db_path)


def test_a_chain_follows_the_cited_sources_standing_statements(run, db_path, outlets):
    run("claim", "strike", "--source", "mod", "--cites", "tass")  # now the ministry cites TASS: a cycle
    [row] = run.json("status", "strike")
    assert row["independent_assertions"] == 1  # the cycle is one origin, named by its first source by id
    assert row["chains"]["ria"] == ["ria", "mod", "tass", "mod"]
    assert "(a cycle)" in run("why", "strike").stdout
    own = run.id("claim", "strike", "--source", "mod")  # the ministry speaks for itself
    [row] = run.json("status", "strike")
    assert row["independent_assertions"] == 1
    assert row["chains"]["izvestia"] == ["izvestia", "mod"] and "mod" not in row["chains"]
    denial = run.id("deny", "strike", "--source", "rt")  # RT's standing statement is a denial now
    assert run.json("status", "strike")[0]["independent_assertions"] == 1
    run("retract", denial, "--reason", "RT withdrew its correction")
    run("claim", "strike", "--source", "ria")  # RIA's own claim: a second origin
    assert run.json("status", "strike")[0]["independent_assertions"] == 2
    run("void", own, "--reason", "recorded under the wrong source")  # the ministry's citation of TASS is back
    [row] = run.json("status", "strike")
    assert row["chains"]["mod"] == ["mod", "tass", "mod"] and row["independent_assertions"] == 2
    # the past is what the log said then
    assert run.json("status", "strike", "--at-seq", 10)[0]["independent_assertions"] == 1
    assert run.json("status", "strike", "--valid-at", "2022-03-30T00:30:00+03:00")[0]["chains"] == {
        "tass": ["tass", "mod"]}
    live_equals_rebuild(db_path)


def test_a_cited_source_must_be_registered_and_cannot_be_the_speaker(run, db_path, outlets):
    refused(run, db_path, "claim", "strike", "--source", "tass", "--cites", "nobody",
            words="the cited source 'nobody' is not in the log")
    refused(run, db_path, "deny", "strike", "--source", "tass", "--cites", "tass", words="cannot cite itself")
    refused(run, db_path, "decline", "strike", "--source", "tass", "--cites", "Not A Slug", words="not a slug")
    assert count(db_path) == 10


def test_cites_travels_through_every_export_and_an_import(run, db_path, outlets, new_log):
    beliefs = json.loads(run("export", "json").stdout)
    assert beliefs[0]["independent_assertions"] == 1 and beliefs[0]["chains"]["rt"] == ["rt", "mod"]
    stances = list(csv.DictReader(io.StringIO(run("export", "csv", "--view", "stances").stdout)))
    assert {(r["source"], r["cites"], r["origin"], r["chain"]) for r in stances} == {
        (outlet, "mod", "mod", f"{outlet}, mod") for outlet in OUTLETS}
    report = run("export", "markdown").stdout
    assert "**Independent assertions:** 1 of 4 asserting sources" in report
    assert "**Origin chains:** TASS → Russian MoD;" in report
    records = [json.loads(line) for line in run("export", "jsonl").stdout.splitlines()]
    assert [r["data"]["cites"] for r in records if r["type"] == "claim"] == ["mod"] * 4
    with factlog.open_log(new_log("copy"), user="tester") as copy:
        copy.import_records(enumerate(records, start=1))
        assert copy.status() == run.json("status")
        assert copy.verify()[0] == len(records)


def test_a_statement_merged_with_another_cites_is_refused(run, db_path, outlets):
    records = [json.loads(line) for line in run("export", "jsonl").stdout.splitlines()]
    changed = dict(records[-1], data={**records[-1]["data"], "cites": "tass"}, hash=None, prev_hash=None)
    with factlog.open_log(db_path, create=False, user="tester") as log:
        with pytest.raises(factlog.FactlogError, match="already in the log with different content"):
            log.import_records(enumerate([changed], start=1))
    assert count(db_path) == 10


def test_a_statement_without_cites_is_stored_as_before_it_existed():
    import attrs

    moment = dt.datetime(2022, 3, 30, tzinfo=dt.timezone.utc)
    claim = ev.Claim(id="00000000-0000-7000-8000-000000000001", recorded_at=moment, observed_at=moment,
                     recorded_by="x", fact="f", source="s", quote="q")
    assert list(ev.to_wire(claim)["data"]) == ["fact", "source", "quote", "url", "credibility", "note"]
    assert ev.to_wire(attrs.evolve(claim, cites="t"))["data"]["cites"] == "t"
    assert ev.from_wire({**ev.to_wire(claim), "data": {**ev.to_wire(claim)["data"], "cites": None}}) == claim


@pytest.mark.sqlite_only
def test_a_log_from_before_citations_migrates_and_keeps_its_head(tmp_path):
    """The seed log as committed before issue 16 (schema up to m008): it opens, gains the citation columns,
    filled without a replay, verifies against its old head (verify compares the tables with a fresh fold), and
    a rebuild writes the same rows."""
    old = tmp_path / "old.db"
    blob = subprocess.run(["git", "show", "bd6e385:seeds/belgorod.db"], cwd=ROOT, capture_output=True)
    if blob.returncode != 0:
        pytest.skip("the repository's history is not available")
    old.write_bytes(blob.stdout)
    with factlog.open_log(old, create=False) as log:
        assert log.verify(OLD_HEAD) == (30, OLD_HEAD)
        migrated = log.store.projection_rows()
        rows = {r["fact"]: r for r in log.status()}
        log.rebuild()
        assert log.store.projection_rows() == migrated
    assert rows["belgorod-soldiers-hurt"]["independent_assertions"] == 2  # recorded before TASS cited anyone
    assert all(r["independent_assertions"] == sum(s == "asserts" for s in r["sources"].values())
               and r["chains"] == {} for r in rows.values())


def test_origins_of_chains_and_cycles():
    assert bl.origin_of(("a",)) == "a" and bl.origin_of(("a", "b", "c")) == "c"
    assert bl.origin_of(("a", "b", "c", "b")) == "b" and bl.origin_of(("c", "b", "a", "b")) == "a"
    assert bl.origin_chain("a", {"a": "b", "b": "a"}) == ("a", "b", "a")


@pytest.mark.sqlite_only
def test_an_export_from_before_citations_imports_to_the_same_head(run, tmp_path):
    """The seed's jsonl as committed before issue 16: imported, every event keeps its bytes and so its hash,
    and ``verify --head`` with the old head passes through the CLI."""
    blob = subprocess.run(["git", "show", "bd6e385:seeds/belgorod.jsonl"], cwd=ROOT, capture_output=True)
    if blob.returncode != 0:
        pytest.skip("the repository's history is not available")
    old = tmp_path / "old.jsonl"
    old.write_bytes(blob.stdout)
    run("import", old)
    assert run("verify", "--head", OLD_HEAD).stdout.startswith("ok: 30 events")
    assert run("head").stdout.split()[0] == OLD_HEAD


@pytest.mark.sqlite_only
def test_verify_compares_the_citation_columns_with_a_fresh_fold(run, db_path, outlets):
    import sqlite3

    assert run("verify").exit_code == 0
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE beliefs SET independent_assertions = 4")
    failed = run("verify", ok=False)
    assert failed.exit_code == 3 and "the beliefs table differs from a fresh fold" in failed.stderr
    run("rebuild")
    with sqlite3.connect(db_path) as conn:
        conn.execute("""UPDATE beliefs SET chains = '{"tass": ["tass"]}'""")
    assert "the beliefs table differs" in run("verify", ok=False).stderr

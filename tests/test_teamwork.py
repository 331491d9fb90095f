"""Issue 12 end to end: void, fact/source amendments and parties through the CLI and the Python API, into the
store's live projections, a rebuild, verify, the reads and every exporter."""

import json
import sqlite3
from pathlib import Path

import pytest

import factlog
import factlog.plugins
from factlog.store.sqlite import migrations
from factlog.testing import use_plugin_from_source
from tests.test_cli_write import count, refused


@pytest.fixture
def team(run, db_path):
    """Two sources (one official for russia), a fact tracked against nato, a claim by each; returns their ids."""
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency", "--reliability", "B")
    run("source", "add", "mod", "--name", "Russian MoD", "--kind", "official", "--party", "russia")
    run("fact", "add", "blast", "A blast at the depot", "--party", "nato")
    claim = run.id("claim", "blast", "--source", "tass", "--quote", "It burns", "--at", "2022-03-30T00:30:00+03:00")
    typo = run.id("claim", "blast", "--source", "mod", "--quote", "mistyped", "--at", "2022-03-30T01:00:00+03:00")
    return claim, typo


def projections(db_path):
    with factlog.open_log(db_path, create=False) as log:
        return log.store.projection_rows()


def live_equals_rebuild(db_path):
    live = projections(db_path)
    with factlog.open_log(db_path, create=False) as log:
        log.verify()  # replays the checks and compares the tables with a fresh fold
        log.rebuild()
    assert projections(db_path) == live


def test_void_takes_a_statement_out_of_every_view(run, db_path, team):
    claim, typo = team
    assert run.json("status", "blast")[0]["label"] == "claimed: by TASS, Russia; unconfirmed by Nato"
    out = run("void", typo, "--reason", "recorded under the wrong source").stdout
    assert out.startswith("statement-voided recorded as event ")
    row = run.json("status", "blast")[0]
    assert row["label"] == "claimed: by TASS; unconfirmed by Nato"
    assert set(row) == {"fact", "statement", "status", "label", "parties", "sources", "updated_seq", "verdict",
                        "independent_assertions", "chains"}
    assert row["sources"] == {"tass": "asserts"}
    # the view before the void still shows what the log said then
    assert run.json("status", "blast", "--at-seq", "5")[0]["sources"] == {"tass": "asserts", "mod": "asserts"}
    why = run("why", "blast").stdout
    assert "voided as recording errors:" in why and "recorded under the wrong source" in why
    assert run.json("why", "blast")[0]["voided"][0]["event_id"] == typo
    history = run.json("history", "blast")
    assert [h["type"] for h in history][-1] == "statement-voided"
    assert history[-1]["source"] == "mod" and history[-1]["quote"] == "recorded under the wrong source"
    live_equals_rebuild(db_path)


def test_void_checks(run, db_path, team):
    claim, typo = team
    void = run.id("void", typo, "--reason", "typo")
    refused(run, db_path, "void", typo, "--reason", "again", words="already voided")
    refused(run, db_path, "retract", typo, words="voided")
    refused(run, db_path, "void", void, "--reason", "x", words="not a statement, a retraction or a verdict")
    with factlog.open_log(db_path, create=False) as log:
        opened = next(log.events(type="fact-opened")).id
        registered = next(log.events(type="source-registered")).id
    refused(run, db_path, "void", opened, "--reason", "x", words="only those can be voided")
    refused(run, db_path, "void", registered, "--reason", "x", words="only those can be voided")
    refused(run, db_path, "void", "0" * 8 + "-0000-0000-0000-000000000000", "--reason", "x", words="no event")
    assert run("void", claim, ok=False).exit_code == 2  # --reason is required: a usage error


def test_voiding_a_retraction_makes_the_statement_stand_again(run, db_path, team):
    claim, _ = team
    retraction = run.id("retract", claim, "--reason", "TASS withdrew it", "--at", "2022-03-30T02:00:00+03:00")
    assert run.json("status", "blast")[0]["label"].endswith("withdrawn by TASS")
    assert run.json("status", "blast")[0]["sources"] == {"mod": "asserts"}
    run("void", retraction, "--reason", "the withdrawal was another outlet's")
    assert run.json("status", "blast")[0]["sources"] == {"tass": "asserts", "mod": "asserts"}
    assert "withdrawn" not in run.json("status", "blast")[0]["label"]
    refused(run, db_path, "void", retraction, "--reason", "again", words="already voided")
    # with its retraction voided, the source may withdraw the statement in the world after all
    run("retract", claim, "--reason", "TASS withdrew it, for real")
    assert run.json("status", "blast")[0]["sources"] == {"mod": "asserts"}
    live_equals_rebuild(db_path)


def test_fact_amend(run, db_path, team):
    out = run("fact", "amend", "blast", "--statement", "A blast at the arms depot", "--add-party", "ukraine",
              "--remove-party", "nato", "--add-tag", "depot", "--occurred-at", "2022-03-30T00:00:00+03:00").stdout
    assert out.startswith("fact-amended recorded as event ")
    fact = run.json("fact", "list")[0]
    assert fact["statement"] == "A blast at the arms depot"
    assert fact["parties"] == ["ukraine"] and fact["tags"] == ["depot"]
    assert fact["occurred_at"].startswith("2022-03-29T21:00:00")
    assert run.json("status", "blast")[0]["label"] == "claimed: by TASS, Russia; unconfirmed by Ukraine"
    refused(run, db_path, "fact", "amend", "blast", "--add-tag", "depot", words="changes nothing")
    refused(run, db_path, "fact", "amend", "nosuch", "--add-tag", "x", words="no fact 'nosuch'")
    refused(run, db_path, "fact", "amend", "blast", words="must change something")
    refused(run, db_path, "fact", "amend", "blast", "--add-party", "Not A Slug", words="not a slug")
    live_equals_rebuild(db_path)


def test_source_amend_derives_every_fact_it_spoke_on_again(run, db_path, team):
    run("fact", "add", "other", "Another fact")
    run("claim", "other", "--source", "tass")
    assert run.json("status", "other")[0]["label"] == "claimed: by TASS"
    run.id("source", "amend", "tass", "--kind", "official", "--party", "russia", "--reliability", "d")
    assert run.json("status", "other")[0]["label"] == "claimed: by Russia"
    assert run.json("status", "blast")[0]["parties"] == {"nato": "unconfirmed", "russia": "confirmed"}
    source = next(s for s in run.json("source", "list") if s["id"] == "tass")
    assert (source["kind"], source["party"], source["reliability"], source["seq"]) == ("official", "russia", "D", 1)
    run("source", "amend", "tass", "--no-party", "--kind", "agency", "--name", "TASS agency")
    assert run.json("status", "other")[0]["label"] == "claimed: by TASS agency"
    # the view before the amendments still names the source as it was then
    assert run.json("status", "other", "--at-seq", "7")[0]["label"] == "claimed: by TASS"
    refused(run, db_path, "source", "amend", "tass", "--kind", "agency", words="changes nothing")
    refused(run, db_path, "source", "amend", "nobody", "--kind", "agency", words="no source 'nobody'")
    assert run("source", "amend", "tass", "--party", "x", "--no-party", ok=False).exit_code == 2
    live_equals_rebuild(db_path)


def test_parties_name_labels_and_every_export(run, db_path, team, tmp_path):
    out = run("party", "add", "nato", "--name", "NATO", "--kind", "alliance").stdout
    assert out.startswith("party-registered recorded as event ")
    assert run.json("status", "blast")[0]["label"] == "claimed: by TASS, Russia; unconfirmed by NATO"
    assert run.json("party", "list") == [{"id": "nato", "name": "NATO", "kind": "alliance", "seq": 6}]
    assert "NATO" in run("party", "list").stdout
    run("party", "add", "russia", "--name", "Russian Federation", "--kind", "state")
    assert run.json("status", "blast")[0]["label"] == "claimed: by TASS, Russian Federation; unconfirmed by NATO"
    run("party", "amend", "nato", "--name", "North Atlantic Treaty Organization")
    assert "unconfirmed by North Atlantic Treaty Organization" in run.json("status", "blast")[0]["label"]
    why = run("why", "blast").stdout
    assert "  North Atlantic Treaty Organization: unconfirmed, because" in why
    assert "  Russian Federation: confirmed, because" in why
    assert set(run.json("why", "blast")[0]["parties"]) == {"nato", "russia"}  # --json keeps the slugs
    refused(run, db_path, "party", "add", "nato", "--name", "NATO", words="already exists")
    refused(run, db_path, "party", "add", "Bad Slug", "--name", "X", words="not a slug")
    refused(run, db_path, "party", "amend", "nobody", "--name", "X", words="no party 'nobody'")
    refused(run, db_path, "party", "amend", "nato", "--kind", "alliance", words="changes nothing")
    refused(run, db_path, "party", "add", "eu", "--name", "EU", "--kind", "empire", words="kind")
    live_equals_rebuild(db_path)
    for fmt in ("csv", "json", "markdown"):
        text = run("export", fmt).stdout
        assert "North Atlantic Treaty Organization" in text, fmt
        assert "Russian Federation" in text, fmt


def test_a_voided_statement_is_in_no_export(run, db_path, team):
    _, typo = team
    run("void", typo, "--reason", "typo")
    for fmt in ("csv", "json"):
        for view in ("beliefs", "stances"):
            assert "mistyped" not in run("export", fmt, "--view", view).stdout
            assert "Russia" not in run("export", fmt, "--view", "beliefs").stdout
    report = run("export", "markdown").stdout
    assert "mistyped" not in report and "Russian MoD" not in report and "voided" not in report
    # the log itself (JSON Lines, the events view) keeps every event: a merge needs the voided one and its void
    lines = [json.loads(line) for line in run("export", "jsonl").stdout.splitlines()]
    assert [r["type"] for r in lines].count("statement-voided") == 1


def test_the_api_verbs(tmp_path):
    with factlog.open_log(tmp_path / "api.db", user="api") as log:
        log.add_source("tass", "TASS", kind="agency")
        log.open_fact("f", "Something")
        said = log.claim("f", "tass", quote="yes")
        assert log.void(said.id[:30], "typo").target == said.id  # a unique prefix names the event
        assert log.status("f")[0]["status"] == "open"
        amended = log.amend_fact("f", statement="Something else", add_parties=["nato"])
        assert (amended.TYPE, amended.seq) == ("fact-amended", 5)
        log.amend_source("tass", reliability="c")
        assert log.source_map()["tass"].reliability == "C"
        log.add_party("nato", "NATO", kind="alliance")
        log.amend_party("nato", kind="organization")
        assert log.parties() == [{"id": "nato", "name": "NATO", "kind": "organization", "seq": 7}]
        assert log.party_name("nato") == "NATO" and log.party_name("united-kingdom") == "United Kingdom"
        assert log.status("f")[0]["label"] == "open: unconfirmed by NATO"
        assert [c.event.TYPE for c in log.history("f", voided=False)] == ["fact-opened", "fact-amended",
                                                                          "party-registered"]
        with pytest.raises(factlog.errors.InvalidInput, match="changes nothing"):
            log.amend_party("nato", name="NATO")
        assert log.count() == 8


def test_an_import_of_the_same_amendment_from_another_log_merges(tmp_path):
    """The check that an amendment changes something is for new events: two analysts who made the same
    amendment in their own logs still merge (it is a no-op in the other log, not an error)."""
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    with factlog.open_log(first) as a:
        a.add_source("tass", "TASS", kind="agency")
        records = list(a.records())
    with factlog.open_log(second) as b:
        b.append_records(records)
        b.amend_source("tass", reliability="B")
    with factlog.open_log(first) as a:
        a.amend_source("tass", reliability="B")
        with factlog.open_log(second) as b:
            new, known = a.import_records(enumerate(b.records(), 1))
        assert (new, known) == (1, 1)
        a.verify()


def test_an_old_log_migrates_and_an_older_factlog_refuses_the_new_one(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with factlog.open_log(path) as log:
        log.add_source("tass", "TASS")
        log.open_fact("f", "Something", parties=["nato"])
    # the same log as the factlog before issue 12 left it: no m007 step, no parties table, no index of it
    conn = sqlite3.connect(path)
    for sql in ("DROP TABLE parties", "DROP INDEX idx_events_who",
                "DELETE FROM _sqlite_migrations WHERE name = 'm007_parties'"):
        conn.execute(sql)
    conn.commit()
    conn.close()
    with factlog.open_log(path) as log:  # migrates
        log.add_party("nato", "NATO")
        assert log.status("f")[0]["label"] == "open: unconfirmed by NATO"
        log.verify()
    # a factlog that knows only the steps up to m006 refuses the log, untouched
    monkeypatch.setattr(migrations, "STEPS", migrations.STEPS[:6])
    monkeypatch.setattr(migrations, "NAMES", migrations.NAMES[:6])
    with pytest.raises(factlog.errors.LogUnavailable, match="newer factlog .*m007_parties"):
        factlog.open_log(path)


def test_a_stale_parties_table_is_reported_by_verify(run, db_path, team):
    run("party", "add", "nato", "--name", "NATO")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE parties SET name = 'Other'")
    conn.commit()
    conn.close()
    result = run("verify", ok=False)
    assert result.exit_code == 3 and "parties table differs" in result.stderr
    run("rebuild")
    run("verify")


def test_log_lists_the_new_events(run, db_path, team):
    _, typo = team
    run("void", typo, "--reason", "typo")
    run("source", "amend", "tass", "--reliability", "D")
    run("party", "add", "nato", "--name", "NATO", "--kind", "alliance")
    out = run("log").stdout
    assert "voids" in out and "reliability D" in out and "NATO (alliance)" in out
    assert count(db_path) == 8


PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def first_party_plugins(tmp_path_factory, monkeypatch):
    for project, distribution, module, entry in (("factlog-html", "factlog-html", "factlog_html", "html"),
                                                 ("factlog-claimreview", "factlog-claimreview",
                                                  "factlog_claimreview", "claimreview")):
        use_plugin_from_source(PLUGINS / project, distribution, module, entry, tmp_path_factory.mktemp("site"),
                               monkeypatch)
    yield
    factlog.plugins.reset()


def test_the_first_party_plugins_name_parties_and_leave_voided_statements_out(run, db_path, team,
                                                                              first_party_plugins):
    _, typo = team
    run("void", typo, "--reason", "typo")
    run("source", "add", "kremlin", "--name", "Kremlin spokesman", "--kind", "official", "--party", "russia")
    run("claim", "blast", "--source", "kremlin", "--quote", "It was sabotage", "--url", "https://example.org/k")
    run("party", "add", "nato", "--name", "NATO", "--kind", "alliance")
    run("party", "add", "russia", "--name", "Russian Federation", "--kind", "state")
    page = run("export", "html").stdout
    assert "mistyped" not in page and "Russian MoD" not in page
    assert "<dt>NATO</dt>" in page and "official, Russian Federation" in page
    assert "<title>Kremlin spokesman (official, Russian Federation)</title>" in page  # the timeline's lane
    run("config", "set", "publisher.name", "The Desk")
    run("config", "set", "publisher.url", "https://desk.example.org")
    run("config", "set", "claimreview.url", "https://desk.example.org/checks/{fact}")
    run("verdict", "blast", "mixed", "--basis", "two sources, one voided")
    reviews = json.loads(run("export", "claimreview").stdout)
    text = json.dumps(reviews)
    assert "mistyped" not in text and "Russian MoD" not in text
    authors = reviews[0]["itemReviewed"]["author"]
    parties = [a.get("affiliation") or a.get("parentOrganization") for a in authors]
    assert {"@type": "Organization", "name": "Russian Federation"} in parties


def test_an_amendment_by_another_process_reaches_the_next_append_of_this_one(tmp_path):
    """Each open log keeps who is who between its appends; an amendment or party registration written through
    another connection must not leave it stale (live must still equal a rebuild)."""
    path = tmp_path / "shared.db"
    with factlog.open_log(path, user="one") as one, factlog.open_log(path, user="two") as two:
        one.add_source("tass", "TASS", kind="agency")
        one.open_fact("f", "F", parties=["nato"])
        one.open_fact("g", "G", parties=["nato"])
        one.claim("f", "tass")  # ``one`` now knows TASS and the (no) parties
        two.amend_source("tass", kind="official", party="russia")
        two.add_party("nato", "NATO")
        one.claim("g", "tass")
        assert [r["label"] for r in one.status()] == ["claimed: by Russia; unconfirmed by NATO"] * 2
        live = one.store.projection_rows()
        one.rebuild()
        assert one.store.projection_rows() == live

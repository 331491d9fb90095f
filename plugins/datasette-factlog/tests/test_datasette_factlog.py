"""datasette-factlog against a copy of the seed log, through Datasette's own test client (and, in one slow test,
the ``datasette`` command with the plugin found through its entry point as pip would install it): each table
page, the facets, the search box and each canned query, checked against what factlog itself says."""

import asyncio
from html import unescape
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from datasette.app import Datasette

from factlog import open_log
from factlog.testing import invoke

from datasette_factlog.metadata import QUERIES, TABLES

SHOWN = [name for name, table in TABLES.items() if not table.get("hidden")]


def fetch(paths, *files):
    """Start Datasette on ``files`` and GET each path: ``{path: (status, body)}`` (JSON bodies parsed)."""

    async def run():
        datasette = Datasette([str(f) for f in files])
        await datasette.invoke_startup()
        answers = {}
        for path in paths:
            response = await datasette.client.get(path)
            body = response.json() if ".json" in path and response.status_code == 200 else response.text
            answers[path] = (response.status_code, body)
        return answers

    return asyncio.run(run())


def rows(answer):
    status, body = answer
    assert status == 200, body
    return body


def factlog_json(log_path, *args):
    return json.loads(invoke(log_path, *args, "--json"))


def test_every_table_page_has_rows_and_its_descriptions(seed_log):
    pages = [f"/belgorod/{name}" for name in SHOWN] + [f"/belgorod/{name}.json?_shape=array" for name in SHOWN]
    answers = fetch(pages + ["/belgorod"], seed_log)
    for name in SHOWN:
        status, html = answers[f"/belgorod/{name}"]
        assert status == 200, (name, html[:500])
        assert TABLES[name]["description"][:60].replace("'", "&#39;") in html, name
        for description in TABLES[name].get("columns", {}).values():  # column descriptions on the page
            assert description[:30].replace("'", "&#39;") in html, (name, description)
        assert rows(answers[f"/belgorod/{name}.json?_shape=array"]), name
    status, index = answers["/belgorod"]
    assert status == 200 and "A factlog log" in index
    for query in QUERIES.values():
        assert query["title"] in index
    assert "projection_state" not in index and "_sqlite_migrations" not in index  # bookkeeping hidden


def test_the_verdict_is_beside_the_label(seed_log):
    invoke(seed_log, "verdict", "belgorod-tochka-u", "mostly-false", "--basis", "no imagery of a Tochka-U")
    answers = fetch(["/belgorod/beliefs_view.json?_shape=array", "/belgorod/beliefs_view.json?_facet=verdict"],
                    seed_log)
    by_fact = {row["fact"]: row for row in rows(answers["/belgorod/beliefs_view.json?_shape=array"])}
    assert (by_fact["belgorod-tochka-u"]["verdict"], by_fact["belgorod-tochka-u"]["verdict_basis"]) == (
        "mostly-false", "no imagery of a Tochka-U")
    assert all(row["verdict"] is None for fact, row in by_fact.items() if fact != "belgorod-tochka-u")
    facet = rows(answers["/belgorod/beliefs_view.json?_facet=verdict"])["facet_results"]["verdict"]["results"]
    assert {row["value"]: row["count"] for row in facet} == {"mostly-false": 1}


def test_facets_count_what_factlog_says(seed_log):
    paths = {
        "status": "/belgorod/beliefs_view.json",
        "party": "/belgorod/party_stances_view.json",
        "source_kind": "/belgorod/stances_view.json",
        "kind": "/belgorod/sources.json",
        "parties": "/belgorod/facts.json",
    }
    answers = fetch(list(paths.values()), seed_log)

    def counts(facet):
        results = rows(answers[paths[facet]])["facet_results"]
        return {row["value"]: row["count"] for row in results[facet]["results"]}

    status = factlog_json(seed_log, "status")
    by_status = {}
    for belief in status:
        by_status[belief["status"]] = by_status.get(belief["status"], 0) + 1
    assert counts("status") == by_status
    tracked = {}
    for belief in status:
        for party in belief["parties"]:
            tracked[party] = tracked.get(party, 0) + 1
    assert counts("party") == tracked
    own = {}  # the parties each fact tracks from its opening (status adds any other party whose official spoke)
    for opened in factlog_json(seed_log, "log", "--type", "fact-opened"):
        for party in opened["data"]["parties"]:
            own[party] = own.get(party, 0) + 1
    assert counts("parties") == own
    registered = [e["data"] for e in factlog_json(seed_log, "log", "--type", "source-registered")]
    kinds = {}
    for source in registered:
        kinds[source["kind"]] = kinds.get(source["kind"], 0) + 1
    assert counts("kind") == kinds
    kind_of = {source["source"]: source["kind"] for source in registered}
    standing = [(belief["fact"], source) for belief in status for source in belief["sources"]]
    spoke = {}
    for _, source in standing:
        spoke[kind_of[source]] = spoke.get(kind_of[source], 0) + 1
    assert counts("source_kind") == spoke


@pytest.mark.parametrize("words", ["Tochka", "missile brigade", "explosion"])
def test_the_search_box_finds_statements_and_quotes_as_factlog_search_does(seed_log, words):
    found = factlog_json(seed_log, "search", words, "--quote", "--limit", "1000")
    assert found
    q = words.replace(" ", "+")
    paths = [f"/belgorod/event_log.json?_search={q}&_shape=array", f"/belgorod/beliefs_view.json?_search={q}"
             "&_shape=array", f"/belgorod/stances_view.json?_search={q}&_shape=array", f"/belgorod/beliefs_view?_search={q}"]
    answers = fetch(paths, seed_log)
    assert {r["id"] for r in rows(answers[paths[0]])} == {hit["event_id"] for hit in found}
    assert {r["fact"] for r in rows(answers[paths[1]])} == {hit["fact"] for hit in found}
    standing = {s["event_id"] for belief in factlog_json(seed_log, "status") for s in
                factlog_json(seed_log, "why", belief["fact"])[0]["standing"]}
    assert {r["event_id"] for r in rows(answers[paths[2]])} == {hit["event_id"] for hit in found} & standing
    status, html = answers[paths[3]]
    assert status == 200 and 'id="_search"' in html  # the search box, with its words
    assert f'value="{words}"' in html and f'search matches "{words}"' in unescape(html)


def test_a_search_in_fts5_syntax_with_searchmode_raw(seed_log):
    path = "/belgorod/event_log.json?_search=Tochka+NOT+depot&_searchmode=raw&_shape=array"
    found = rows(fetch([path], seed_log)[path])
    assert [r["quote"] for r in found] == ["An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade"]


def test_each_canned_query_returns_what_it_promises(seed_log):
    with open_log(seed_log, user="desk") as log:
        before = log.head()[0]
        added = log.claim("belgorod-tochka-u", "tass", quote="Confirmed by a second agency")
    since = added.recorded_at.isoformat()[:19]  # to the second, as a person types it
    paths = {
        "week": "/belgorod/changed_this_week.json?since=&_shape=array",
        "since": f"/belgorod/changed_this_week.json?since={since}&_shape=array",
        "all-parties": "/belgorod/unconfirmed_by_party.json?party=&_shape=array",
        "ukraine": "/belgorod/unconfirmed_by_party.json?party=ukraine&_shape=array",
        "reliability": "/belgorod/sources_by_reliability.json?_shape=array",
        "search": "/belgorod/search_said.json?query=Tochka&_shape=array",
    }
    answers = {key: rows(answer) for key, answer in
               zip(paths, fetch(list(paths.values()), seed_log).values())}
    newest = answers["week"][0]
    assert newest["seq"] == before + 1 and newest["source_name"] == "TASS" and newest["status_now"] == "claimed"
    recorded = {e["seq"]: e["recorded_at"] for e in factlog_json(seed_log, "log")}
    assert {r["seq"] for r in answers["since"]} == {seq for seq, at in recorded.items() if at >= since} \
        == {before + 1}
    unconfirmed = {(party, b["fact"]) for b in factlog_json(seed_log, "status")
                   for party, stance in b["parties"].items() if stance == "unconfirmed"}
    assert {(r["party"], r["fact"]) for r in answers["all-parties"]} == unconfirmed and unconfirmed
    assert {r["fact"] for r in answers["ukraine"]} == {f for p, f in unconfirmed if p == "ukraine"}
    grades = [r["reliability"] for r in answers["reliability"]]
    assert grades == sorted(g for g in grades if g) + [None] * grades.count(None)
    tass = next(r for r in answers["reliability"] if r["source"] == "tass")
    said = [e for e in factlog_json(seed_log, "log", "--source", "tass") if e["type"] in ("claim", "confirm")]
    assert tass["statements"] == len(said) == 3
    hits = answers["search"]
    assert {r["event_id"] for r in hits} == {h["event_id"] for h in factlog_json(seed_log, "search", "Tochka")}
    assert all("[Tochka]" in r["snippet"] for r in hits)


def test_other_databases_are_left_alone(seed_log, tmp_path):
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("create table events (id integer primary key, name text)")
        conn.execute("insert into events (name) values ('not a factlog log')")
    answers = fetch(["/other/events", "/other.json", "/belgorod/events"], seed_log, other)
    status, html = answers["/other/events"]
    assert status == 200 and 'id="_search"' not in html and "hash-chained" not in html
    assert "changed_this_week" not in json.dumps(answers["/other.json"][1])
    assert "hash-chained" in answers["/belgorod/events"][1]


def test_facet_suggestions_are_off_with_a_factlog_log_only(seed_log, tmp_path):
    """The plugin's facets replace Datasette's suggestions, whose unguarded row count of a view fails the whole
    page on a large log (Datasette 0.65); a Datasette without a factlog log keeps them."""
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).close()

    async def suggesting(*files):
        datasette = Datasette([str(f) for f in files])
        await datasette.invoke_startup()
        page = await datasette.client.get("/belgorod/stances_view.json" if len(files) > 1 else "/other.json")
        return datasette.setting("suggest_facets"), page.json().get("suggested_facets")

    assert asyncio.run(suggesting(seed_log, other)) == (False, [])
    assert asyncio.run(suggesting(other))[0] is True


@pytest.mark.slow
def test_the_datasette_command_loads_the_plugin_from_its_entry_point(seed_log, tmp_path):
    """``datasette LOG.db`` as a person runs it: the plugin found through an installed entry point."""
    command = Path(sys.executable).with_name("datasette")
    if not command.exists():
        pytest.skip("the datasette command is not installed")
    site = tmp_path / "site"
    info = site / "datasette_factlog-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: datasette-factlog\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[datasette]\nfactlog = datasette_factlog\n")
    project = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(project)])}
    installed = subprocess.run([str(command), "plugins"], env=env, capture_output=True, text=True, timeout=60)
    assert "datasette-factlog" in installed.stdout, installed.stderr
    result = subprocess.run([str(command), str(seed_log), "--get",
                             "/belgorod/beliefs_view.json?_search=Tochka&_shape=array"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert {r["fact"] for r in json.loads(result.stdout)} == {"belgorod-tochka-u", "belgorod-ukrainian-missile"}


@pytest.mark.slow
def test_the_metadata_alone_serves_datasette_without_the_plugin(seed_log, tmp_path):
    """``python -m datasette_factlog NAME > metadata.json`` for ``datasette LOG.db --metadata metadata.json``:
    descriptions, facets and canned queries without installing anything (the view search needs the plugin)."""
    command = Path(sys.executable).with_name("datasette")
    if not command.exists():
        pytest.skip("the datasette command is not installed")
    project = Path(__file__).resolve().parents[1]
    printed = subprocess.run([sys.executable, "-m", "datasette_factlog", "belgorod"], cwd=project,
                             capture_output=True, text=True, timeout=60, check=True).stdout
    metadata = tmp_path / "metadata.json"
    metadata.write_text(printed)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(command), str(seed_log), "--metadata", str(metadata), "--get",
                             "/belgorod/sources_by_reliability.json?_shape=array"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert [r["reliability"] for r in json.loads(result.stdout)][:4] == ["B", "B", "B", "B"]


def test_stances_and_beliefs_link_to_their_facts_and_sources(seed_log):
    """The projection tables declare their foreign keys (migration m008), so Datasette links each stance to its
    source and fact, and labels the source by its name."""
    path = "/belgorod/stances.json?_labels=on&_shape=objects"
    body = rows(fetch([path], seed_log)[path])
    by_source = {row["source"]["value"]: row for row in body["rows"]}
    assert by_source["gladkov"]["source"]["label"] == "Vyacheslav Gladkov"
    assert all(isinstance(row["fact"], dict) and row["fact"]["value"] for row in body["rows"])


def test_citations_read_as_factlog_says(seed_log):
    """Issue 16: the beliefs' independent assertions and origin chains, and each statement's citation, as
    factlog status says them (TASS cites the emergency services source in the seed)."""
    beliefs = "/belgorod/beliefs_view.json?_shape=array"
    stances = "/belgorod/stances_view.json?_shape=array&fact=belgorod-soldiers-hurt"
    answers = fetch([beliefs, stances], seed_log)
    status = {row["fact"]: row for row in factlog_json(seed_log, "status")}
    for row in rows(answers[beliefs]):
        assert row["independent_assertions"] == status[row["fact"]]["independent_assertions"]
        assert json.loads(row["chains"]) == status[row["fact"]]["chains"]
    cited = {row["source"]: (row["cites"], row["chain"]) for row in rows(answers[stances])}
    assert cited == {"tass": ("emergency-services-source", '["tass","emergency-services-source"]'),
                     "emergency-services-source": (None, None)}

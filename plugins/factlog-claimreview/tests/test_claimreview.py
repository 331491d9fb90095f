"""factlog-claimreview through the real command line: JSON-LD read back with ``json`` and checked against
``status``, ``why`` and ``history``, plus factlog's shared exporter test-suite."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from factlog.cli import cli
from factlog.testing import HOSTILE_TEXTS, ExporterSuite, build_sample_log, export, invoke, strict_json

# The schema.org properties this exporter may write, per type: anything else is a mistake.
PROPERTIES = {
    "ClaimReview": {"@context", "@type", "identifier", "claimReviewed", "itemReviewed", "reviewRating", "author",
                    "datePublished"},
    "Claim": {"@type", "author", "appearance", "datePublished"},
    "Rating": {"@type", "name", "alternateName"},
    "Person": {"@type", "identifier", "name", "url", "affiliation"},
    "Organization": {"@type", "identifier", "name", "url", "affiliation"},
    "CreativeWork": {"@type", "url", "author", "datePublished", "text"},
}


def parse_claimreview(data: bytes) -> list[dict]:
    """Per fact what the ClaimReview says, in the shared suite's terms."""
    return [{"fact": review["identifier"], "statement": review["claimReviewed"],
             "status": review["reviewRating"]["name"], "label": review["reviewRating"]["alternateName"]}
            for review in strict_json(data)]


class TestClaimReviewSuite(ExporterSuite):
    format_name = "claimreview"
    parse = staticmethod(parse_claimreview)


@pytest.fixture
def sample(tmp_path):
    return build_sample_log(tmp_path / "sample.db")


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


def test_every_node_is_a_known_schema_org_type_with_known_properties(reviews):
    for review in reviews.values():
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        assert review["itemReviewed"]["@type"] == "Claim" and review["reviewRating"]["@type"] == "Rating"
        for node in nodes(review):
            assert set(node) <= PROPERTIES[node["@type"]], node


def test_authors_and_appearances_are_the_asserting_statements(sample, reviews):
    for fact, review in reviews.items():
        why = json.loads(invoke(sample, "why", fact, "--json"))
        [why] = why if isinstance(why, list) else [why]
        asserting = [s for s in why["standing"] if s["stance"] == "asserts"]
        asserting = asserting or [s for s in why["withdrawn"] if s["stance"] == "asserts"]
        claim = review["itemReviewed"]
        names = list(dict.fromkeys(s["source_name"] for s in asserting))
        assert [author["name"] for author in claim.get("author", [])] == names, fact
        urls = [s["url"] for s in asserting if s["url"] and s["url"].startswith(("http://", "https://"))]
        assert [a["url"] for a in claim.get("appearance", [])] == urls, fact
        if asserting:
            first = min(dt.datetime.fromisoformat(s["observed_at"]) for s in asserting)
            assert dt.datetime.fromisoformat(claim["datePublished"]) == first.replace(microsecond=0)


def test_sources_are_people_or_organisations_and_officials_are_affiliated(reviews):
    authors = {a["identifier"]: a for r in reviews.values() for a in r["itemReviewed"].get("author", [])}
    assert authors["tass"]["@type"] == "Organization" and authors["butusov"]["@type"] == "Person"
    assert authors["gladkov"]["affiliation"] == {"@type": "Organization", "name": "Russia"}
    assert "affiliation" not in authors["butusov"]  # a journalist speaks for himself, whatever his country


def test_a_retracted_claim_still_names_who_made_it(reviews):
    review = reviews["belgorod-second-blast"]
    assert review["reviewRating"]["name"] == "retracted"
    assert [a["identifier"] for a in review["itemReviewed"]["author"]] == ["tass"]


def test_date_published_is_the_last_change_in_the_log_not_now(sample, reviews):
    for fact, review in reviews.items():
        last = json.loads(invoke(sample, "history", fact, "--json"))[-1]
        recorded = dt.datetime.fromisoformat(last["recorded_at"]).replace(microsecond=0)
        assert dt.datetime.fromisoformat(review["datePublished"]) == recorded
        assert review["author"] == [{"@type": "Person", "name": "factlog-testing"}]


def test_an_earlier_view_reviews_what_was_known_then(sample):
    then = {r["identifier"]: r for r in strict_json(export(sample, "claimreview", "--valid-at",
                                                           "2022-03-30T06:00:00+00:00"))}
    status = {row["fact"]: row for row in json.loads(invoke(sample, "status", "--valid-at",
                                                            "2022-03-30T06:00:00+00:00", "--json"))}
    assert {f: r["reviewRating"]["alternateName"] for f, r in then.items()} == \
        {f: row["label"] for f, row in status.items()}


def test_hostile_text_stays_data_and_only_web_links_are_published(tmp_path):
    log_path = build_sample_log(tmp_path / "hostile.db", hostile=True)
    data = export(log_path, "claimreview")
    reviews = strict_json(data)
    urls = [node["url"] for review in reviews for node in nodes(review) if "url" in node]
    assert urls and all(url.startswith(("http://", "https://")) for url in urls)
    texts = [node["text"] for review in reviews for node in nodes(review) if "text" in node]
    assert set(texts) & set(HOSTILE_TEXTS)  # quotes travel unchanged: JSON needs no neutralising
    status = {row["fact"]: row for row in json.loads(invoke(log_path, "status", "--json"))}
    for review in reviews:  # exactly, not just up to whitespace
        assert review["claimReviewed"] == status[review["identifier"]]["statement"]
        assert review["reviewRating"]["alternateName"] == status[review["identifier"]]["label"]


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

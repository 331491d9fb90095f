"""factlog-claimreview: the facts the analyst gave a verdict, as schema.org ``ClaimReview`` in JSON-LD, ready to
publish.

The output is a JSON array with one self-contained ``ClaimReview`` object (its own ``@context``) per rated fact,
in fact order, so it can be split into one ``<script type="application/ld+json">`` block per fact page. It
follows schema.org and what fact-check aggregators (Google's Fact Check Explorer) read: ``url``,
``claimReviewed``, ``reviewRating`` (``ratingValue`` on 1..5 with ``bestRating`` and ``worstRating``, and
``alternateName``), ``itemReviewed`` as a ``Claim`` (its author, appearances and date), ``datePublished``, and the
publishing organisation as ``author`` and ``publisher``.

Where the values come from (all from the log; no clock reading, so the same log gives the same bytes):
- the log's settings (``factlog config set``): ``publisher.name``, ``publisher.url``, ``claimreview.url``
  (``{fact}`` is replaced by the fact's id), read as they are now whatever the view;
- the rating: the fact's standing verdict (``factlog verdict FACT RATING --basis TEXT``: the latest not voided,
  by the time it was given, in the view asked for). ``reviewRating`` has ``ratingValue`` 5 (true) .. 1 (false)
  with ``bestRating`` 5 and ``worstRating`` 1, and ``alternateName`` the rating in words; ``unproven`` has no
  place on that scale, so it has only ``alternateName`` "Unproven" (what Google's fact-check markup requires:
  ``alternateName``; ``ratingValue`` is recommended, not required). A fact without a verdict is not exported (a
  note on stderr names them): the status label says what sources said, not what the fact-checker concluded, so
  it is never turned into a rating. (The ``claimreview.rating.FACT`` settings of factlog before verdicts are no
  longer read.);
- ``reviewBody``: the verdict's basis; ``description``: the fact's status label in the view asked for (who
  claimed, confirmed, denied it); ``datePublished``: the day the verdict was given (its valid time).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import IO, Any
from urllib.parse import urlsplit

from factlog import hookimpl
from factlog.beliefs import Belief, Change, PartyInfo, SourceInfo, StatementRecord, VerdictRecord, display_name
from factlog.errors import InvalidInput
from factlog.exporting import Exporter, ExportRequest

__version__ = "0.3.0"

CONTEXT = "https://schema.org"
# Who a source is, by its kind. An official speaks for an institution (a ministry, a government); agencies,
# media and the bodies that issue documents are organisations; "other" sources are most often institutions too
# (an NGO, a company, a channel). Journalists, witnesses and anonymous sources are people.
ORGANIZATION_KINDS = frozenset({"official", "agency", "media", "document", "other"})
PERSON_KINDS = frozenset({"journalist", "witness", "anonymous"})
# The rating scale of DESIGN's verdicts: ClaimReview's 1 (worst) .. 5 (best); unproven has no number.
RATINGS = {"true": (5, "True"), "mostly-true": (4, "Mostly true"), "mixed": (3, "Mixed"),
           "mostly-false": (2, "Mostly false"), "false": (1, "False"), "unproven": (None, "Unproven")}
REQUIRED_SETTINGS = ("publisher.name", "claimreview.url")


def write(request: ExportRequest, stream: IO[str]) -> None:
    """A JSON array of ClaimReview objects, one per fact with a verdict, streamed fact by fact."""
    settings = request.settings()
    sources = request.sources()
    publisher: dict[str, Any] | None = None
    unrated: list[str] = []
    parties = request.parties()
    separator = None
    for belief in request.beliefs():
        if belief.verdict is None:
            unrated.append(belief.fact)
            continue
        if publisher is None:  # the first verdict: missing settings are refused before a byte is written
            publisher = publisher_of(settings)
            stream.write("[")
        review = claim_review(belief, sources, request.history(belief.fact), belief.verdict, publisher,
                              settings["claimreview.url"].value or "", parties)
        stream.write((separator or "\n") + json.dumps(review, ensure_ascii=False, allow_nan=False))
        separator = ",\n"
    stream.write("\n]\n" if separator else "[\n]\n")
    if unrated:
        request.note(f"{len(unrated)} fact(s) without a verdict left out of the ClaimReview export: "
                     f"{', '.join(unrated)}; give one with 'factlog verdict FACT RATING --basis TEXT'")


def publisher_of(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The publishing organisation, from the settings; an error names every setting still missing."""
    missing = [key for key in REQUIRED_SETTINGS if key not in settings]
    if missing:
        raise InvalidInput(f"ClaimReview needs the setting(s) {', '.join(missing)}: "
                           + "; ".join(f"'factlog config set {key} ...'" for key in missing))
    node: dict[str, Any] = {"@type": "Organization", "name": settings["publisher.name"].value}
    if "publisher.url" in settings:
        node["url"] = settings["publisher.url"].value
    return node


def claim_review(belief: Belief, sources: Mapping[str, SourceInfo], history: list[Change], verdict: VerdictRecord,
                 publisher: dict[str, Any], page: str, parties: Mapping[str, PartyInfo] | None = None
                 ) -> dict[str, Any]:
    """One fact's ClaimReview: the statement, the analyst's verdict, who asserts it and where."""
    review: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "identifier": belief.fact,
        "url": page.replace("{fact}", belief.fact),
        "claimReviewed": belief.statement,
        "reviewRating": rating_node(verdict.rating),
        "reviewBody": verdict.basis,
        "description": belief.label,
        "itemReviewed": claim(belief, sources, parties),
        "author": publisher,
        "publisher": publisher,
        # published when the analyst gave the verdict; modified by a later change of what sources said
        "datePublished": day(verdict.observed_at),
    }
    changed = max([verdict.recorded_at] + [change.event.recorded_at for change in history])
    review["dateModified"] = iso(changed)
    return review


def rating_node(value: str) -> dict[str, Any]:
    number, name = RATINGS[value]
    node: dict[str, Any] = {"@type": "Rating", "alternateName": name}
    if number is not None:
        node.update(ratingValue=number, bestRating=5, worstRating=1)
    return node


def claim(belief: Belief, sources: Mapping[str, SourceInfo],
          parties: Mapping[str, PartyInfo] | None = None) -> dict[str, Any]:
    """The ``Claim`` reviewed: authored by the sources asserting it, appearing at their statements' urls.

    When no assertion stands (a denied or retracted fact), the withdrawn assertions name who made the claim.
    """
    asserting = [r for r in belief.standing if r.stance == "asserts"]
    asserting = asserting or [r for r in belief.withdrawn if r.stance == "asserts"]
    item: dict[str, Any] = {"@type": "Claim"}
    authors = [agent(sources[source], parties) for source in dict.fromkeys(r.source for r in asserting)]
    if authors:
        item["author"] = authors[0] if len(authors) == 1 else authors
    appearances = [appearance(r, sources[r.source]) for r in asserting if web_url(r.url)]
    if appearances:
        item["appearance"] = appearances
    if asserting:
        item["datePublished"] = iso(min(r.observed_at for r in asserting))
    return item


def agent(source: SourceInfo, parties: Mapping[str, PartyInfo] | None = None) -> dict[str, Any]:
    """A source as a schema.org Person or Organization, tied to the party it speaks for (by its registered
    name, else the slug in title case)."""
    kind = agent_type(source)
    node: dict[str, Any] = {"@type": kind, "identifier": source.id, "name": source.name}
    url = web_url(source.url)
    if url:
        node["url"] = url
    if source.speaks_for:
        party = {"@type": "Organization", "name": display_name(source.speaks_for, parties)}
        node["affiliation" if kind == "Person" else "parentOrganization"] = party
    return node


def agent_type(source: SourceInfo) -> str:
    return "Person" if source.kind in PERSON_KINDS else "Organization"


def appearance(record: StatementRecord, source: SourceInfo) -> dict[str, Any]:
    """Where the claim was made: the statement's url, by its source, when it was said, with the quote."""
    node: dict[str, Any] = {
        "@type": "CreativeWork", "url": web_url(record.url),
        "author": {"@type": agent_type(source), "name": source.name}, "datePublished": iso(record.observed_at),
    }
    if record.quote:
        node["text"] = record.quote
    return node


def web_url(url: str | None) -> str | None:
    """The url if it is an http or https link, else None: ``javascript:``, ``data:`` and the like are left out."""
    url = (url or "").strip()
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).date().isoformat()


def exporters() -> Iterable[Exporter]:
    yield Exporter(
        name="claimreview",
        description="schema.org ClaimReview JSON-LD of the facts you rated (fact-check markup; see 'factlog config').",
        extension="jsonld",
        media_type="application/ld+json",
        write=write,
        views=("beliefs",),
    )


@hookimpl
def register_exporters(register: Any) -> None:
    for exporter in exporters():
        register(exporter)

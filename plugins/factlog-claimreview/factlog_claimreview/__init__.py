"""factlog-claimreview: each fact of a factlog log as a schema.org ``ClaimReview`` in JSON-LD.

The output is a JSON array with one self-contained ``ClaimReview`` object (its own ``@context``) per fact, in
fact order, so it can be split into one ``<script type="application/ld+json">`` block per fact page. Every
value comes from the log (no clock reading), so the same log gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import IO, Any
from urllib.parse import urlsplit

from factlog import hookimpl
from factlog.beliefs import Belief, Change, PartyInfo, SourceInfo, StatementRecord, display_name
from factlog.exporting import Exporter, ExportRequest

__version__ = "0.1.0"

CONTEXT = "https://schema.org"
# schema.org allows a Person or an Organization as a claim's author; these kinds of source are not people.
ORGANIZATION_KINDS = frozenset({"agency", "media", "document"})


def write(request: ExportRequest, stream: IO[str]) -> None:
    """A JSON array of ClaimReview objects, one per fact, streamed fact by fact."""
    sources = request.sources()
    parties = request.parties()
    stream.write("[")
    separator = "\n"
    for belief in request.beliefs():
        review = claim_review(belief, sources, request.history(belief.fact), parties)
        stream.write(separator + json.dumps(review, ensure_ascii=False, allow_nan=False))
        separator = ",\n"
    stream.write("\n]\n")


def claim_review(belief: Belief, sources: Mapping[str, SourceInfo], history: list[Change],
                 parties: Mapping[str, PartyInfo] | None = None) -> dict[str, Any]:
    """One fact's ClaimReview: the statement, who asserts it and where, and the status label as the rating."""
    review: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "identifier": belief.fact,
        "claimReviewed": belief.statement,
        "itemReviewed": claim(belief, sources, parties),
        "reviewRating": {"@type": "Rating", "name": belief.status, "alternateName": belief.label},
    }
    analysts = list(dict.fromkeys(change.event.recorded_by for change in history if change.event.recorded_by))
    if analysts:
        review["author"] = [{"@type": "Person", "name": name} for name in analysts]
    if history:
        # The review as exported was reached by the last change of the fact's status or label.
        review["datePublished"] = iso(history[-1].event.recorded_at)
    return review


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
        item["author"] = authors
    appearances = [appearance(r, sources[r.source]) for r in asserting if web_url(r.url)]
    if appearances:
        item["appearance"] = appearances
    if asserting:
        item["datePublished"] = iso(min(r.observed_at for r in asserting))
    return item


def agent(source: SourceInfo, parties: Mapping[str, PartyInfo] | None = None) -> dict[str, Any]:
    """A source as a schema.org Person or Organization; an official one is affiliated with its party (by its
    registered name, else the slug in title case)."""
    node: dict[str, Any] = {"@type": agent_type(source), "identifier": source.id, "name": source.name}
    url = web_url(source.url)
    if url:
        node["url"] = url
    if source.speaks_for:
        node["affiliation"] = {"@type": "Organization", "name": display_name(source.speaks_for, parties)}
    return node


def agent_type(source: SourceInfo) -> str:
    return "Organization" if source.kind in ORGANIZATION_KINDS else "Person"


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


def exporters() -> Iterable[Exporter]:
    yield Exporter(
        name="claimreview",
        description="schema.org ClaimReview JSON-LD, one object per fact (fact-check markup).",
        extension="jsonld",
        media_type="application/ld+json",
        write=write,
        views=("beliefs",),
    )


@hookimpl
def register_exporters(register: Any) -> None:
    for exporter in exporters():
        register(exporter)

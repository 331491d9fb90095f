"""factlog-html: the beliefs of a factlog log as one self-contained HTML page.

Every fact with its status, label, party stances, standing statements and a timeline (inline SVG) of what was
said when. The page needs no network: inline CSS, inline SVG, no script, no font or image to fetch, and a
Content-Security-Policy that forbids fetching anything. All text from the log is escaped; only http and https
links are made clickable. Times are shown in UTC, so the same log gives the same bytes on every machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from html import escape
from typing import IO, Any
from urllib.parse import urlsplit

import attrs

from factlog import hookimpl
from factlog.beliefs import (Belief, PartyInfo, SourceInfo, StatementRecord, VerdictRecord, display_name, origin_of,
                             unvoided)
from factlog.exporting import Exporter, ExportRequest

from . import timeline as tl

__version__ = "0.1.0"

STYLE = """
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin: 0 0 .3rem; }
.view, .fact-id, footer { color: var(--muted); font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
section.fact { border-top: 3px solid var(--line); padding-top: 1rem; margin-top: 2rem; break-inside: avoid; }
.quote { white-space: pre-line; }
td, .statement, .label { unicode-bidi: isolate; }
.legend { font-size: .85rem; color: var(--muted); }
.key { font-size: 1rem; } .key.asserts { color: #1a7f37; } .key.denies { color: #cf222e; }
.key.declines { color: #57606a; }
.label { font-weight: 500; }
.status, .stance { display: inline-block; padding: 0 .45rem; border-radius: .6rem; color: #fff;
                   font-size: .85rem; font-weight: 600; }
.status-open { background: #0969da; } .status-claimed { background: #9a6700; }
.status-confirmed { background: #1a7f37; } .status-denied { background: #cf222e; }
.status-disputed { background: #8250df; } .status-retracted { background: #6e7781; }
.stance-confirmed, .stance-asserts { background: #1a7f37; } .stance-denied, .stance-denies { background: #cf222e; }
.stance-split { background: #8250df; } .stance-declined, .stance-declines { background: #57606a; }
.stance-unconfirmed { background: #eaeef2; color: #424a53; }
.verdict { margin: .4rem 0; }
.rating { display: inline-block; padding: 0 .45rem; border-radius: .2rem; color: #fff; font-size: .85rem;
          font-weight: 600; }
.rating-true { background: #116329; } .rating-mostly-true { background: #4d8f2a; }
.rating-mixed { background: #7d4e00; } .rating-mostly-false { background: #d2501e; }
.rating-false { background: #a40e26; } .rating-unproven { background: #6639ba; }
dl.parties { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; margin: .4rem 0; }
dl.parties dt { font-weight: 600; } dl.parties dd { margin: 0 0 0 .4rem; }
dl.parties div { display: flex; align-items: center; }
figure.timeline { margin: .8rem 0; overflow-x: auto; }
figcaption { color: var(--muted); font-size: .8rem; }
svg.timeline { width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg .lane { stroke: var(--line); } svg .axis, svg .tick { stroke: var(--muted); }
svg .lane-label, svg .tick-label { fill: var(--muted); }
svg .band-label { fill: #fff; font-weight: 600; }
svg rect.band.status-open { fill: #0969da; } svg rect.band.status-claimed { fill: #9a6700; }
svg rect.band.status-confirmed { fill: #1a7f37; } svg rect.band.status-denied { fill: #cf222e; }
svg rect.band.status-disputed { fill: #8250df; } svg rect.band.status-retracted { fill: #6e7781; }
svg .occurred { stroke: var(--fg); stroke-dasharray: 3 3; }
svg .mark.stance-asserts { fill: #1a7f37; stroke: #1a7f37; }
svg .mark.stance-denies { fill: #cf222e; stroke: #cf222e; }
svg .mark.stance-declines { fill: #57606a; stroke: #57606a; }
svg .mark .hollow { fill: #fff; stroke: #57606a; stroke-width: 2.5; }
svg .mark.standing { stroke: var(--fg); stroke-width: 1.5; }
svg .mark.superseded { opacity: .5; } svg .mark.withdrawn { opacity: .3; }
svg .withdrawal { stroke: #6e7781; stroke-width: 1.5; fill: none; }
svg .break { fill: #fff; stroke: var(--muted); }
.citations { font-size: .9rem; color: var(--muted); } .citations p { margin: .2rem 0; }
ol.chains { margin: .2rem 0; padding-left: 1.4rem; }
@media print { body { margin: 0; max-width: none; } }
"""

LEGEND = (
    '<p class="legend">Timelines run left to right in valid time (when each source said it, UTC). The top band is '
    "the fact's status from each statement on; below it, one line per source: "
    '<span class="key asserts">●</span> claim, <span class="key asserts">◆</span> confirm, '
    '<span class="key denies">■</span> deny, <span class="key declines">○</span> decline; outlined marks stand, '
    "faded ones were superseded by the source's later statement, pale ones with × were withdrawn. "
    "A dashed line marks when the event itself took place; a slanted cut, a stretch of time left out.</p>"
)


def write(request: ExportRequest, stream: IO[str]) -> None:
    """The page, streamed: the summary table, then one section per fact (memory holds one fact at a time)."""
    stream.write(_head(request))
    request = pinned(request)
    sources = request.sources()
    parties = request.parties()
    stream.write('<table class="summary">\n<thead><tr><th>fact</th><th>status</th><th>label</th><th>verdict</th>'
                 "</tr></thead>\n<tbody>\n")
    count = 0
    for belief in request.beliefs():
        stream.write(f'<tr><td><a href="#fact-{esc(belief.fact)}">{esc(belief.statement)}</a></td>'
                     f"<td>{status_badge(belief.status)}</td><td>{esc(belief.label)}</td>"
                     f"<td>{rating_badge(belief.verdict)}</td></tr>\n")
        count += 1
    stream.write("</tbody>\n</table>\n" if count else '</tbody>\n</table>\n<p class="empty">No facts in this view.'
                 "</p>\n")
    stream.write("<main>\n")
    for belief in request.beliefs():
        # a statement voided as a recording error appears nowhere, nor does its void
        events = unvoided(request.log.events(fact=belief.fact, clock=request.clock))
        timeline = tl.build(belief.fact, events, sources, (r.event_id for r in belief.standing))
        stream.write(fact_section(belief, sources, timeline, parties))
    stream.write("</main>\n<footer>Written by factlog-html from the events of the log. Times in UTC.</footer>\n"
                 "</body>\n</html>\n")


def pinned(request: ExportRequest) -> ExportRequest:
    """The request, ending at the log's last event now: the page reads the facts twice (summary, sections), and
    both reads must see the same log whatever another process appends meanwhile."""
    last_seq, _ = request.log.head()
    at_seq = last_seq if request.clock.at_seq is None else min(last_seq, request.clock.at_seq)
    return attrs.evolve(request, clock=attrs.evolve(request.clock, at_seq=at_seq))


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def _head(request: ExportRequest) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # the page fetches nothing, whatever ends up in it
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f'<meta name="generator" content="factlog-html {__version__}">\n'
        f"<title>factlog report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<header>\n<h1>What is believed</h1>\n<p class="view">{esc(describe_view(request))}</p>\n{LEGEND}\n'
        "</header>\n"
    )


def describe_view(request: ExportRequest) -> str:
    clock = request.clock
    parts = []
    if clock.at_seq is not None:
        parts.append(f"the first {clock.at_seq} events of the log")
    if clock.as_of is not None:
        parts.append(f"the log as of {tl.when(clock.as_of)}")
    if clock.valid_at is not None:
        parts.append(f"what sources had said by {tl.when(clock.valid_at)}")
    return "From " + (", ".join(parts) if parts else "the whole log") + "."


def status_badge(status: str) -> str:
    return f'<span class="status status-{esc(status)}">{esc(status)}</span>'


def rating_badge(verdict: VerdictRecord | None) -> str:
    """The analyst's rating as a badge (nothing for a fact without a verdict)."""
    if verdict is None:
        return ""
    return f'<span class="rating rating-{esc(verdict.rating)}">{esc(verdict.rating.replace("-", " "))}</span>'


def verdict_paragraph(verdict: VerdictRecord | None) -> str:
    """The standing verdict beside the label: the desk's finding, which never changes what sources said."""
    if verdict is None:
        return '<p class="verdict" data-rating="">Verdict: none given.</p>'
    return (f'<p class="verdict" data-rating="{esc(verdict.rating)}" data-event="{esc(verdict.event_id)}">Verdict: '
            f'{rating_badge(verdict)} <span class="basis">{esc(verdict.basis)}</span> '
            f'<span class="when">(given {esc(tl.when(verdict.observed_at))})</span></p>')


def fact_section(belief: Belief, sources: Mapping[str, SourceInfo], timeline: tl.Timeline,
                 parties: Mapping[str, PartyInfo] | None = None) -> str:
    svg = tl.render(timeline, sources, parties)
    parts = [
        f'<section class="fact" id="fact-{esc(belief.fact)}" data-fact="{esc(belief.fact)}" '
        f'data-status="{esc(belief.status)}">',
        f'<h2>{status_badge(belief.status)} <span class="statement">{esc(belief.statement)}</span></h2>',
        f'<p class="fact-id"><code>{esc(belief.fact)}</code></p>',
        f'<p class="label">{esc(belief.label)}</p>',
        verdict_paragraph(belief.verdict),
        party_list(belief.parties, parties),
        citations(belief, sources),
        f'<figure class="timeline">\n{svg}\n<figcaption>Status and statements over time (UTC).</figcaption>\n'
        "</figure>" if svg else '<p class="empty">No statements.</p>',
        statement_table("Standing statements", "standing", belief.standing, sources, parties),
        statement_table("Withdrawn statements", "withdrawn", belief.withdrawn, sources, parties),
        "</section>\n",
    ]
    return "\n".join(part for part in parts if part)


def party_list(parties: Mapping[str, str], names: Mapping[str, PartyInfo] | None = None) -> str:
    if not parties:
        return ""
    items = "".join(f'<div data-party="{esc(party)}"><dt>{esc(display_name(party, names))}</dt>'
                    f'<dd class="stance stance-{esc(stance)}">{esc(stance)}</dd></div>'
                    for party, stance in parties.items())
    return f'<dl class="parties">{items}</dl>'


def citations(belief: Belief, sources: Mapping[str, SourceInfo]) -> str:
    """How many independent assertions the asserting sources make, and each origin chain (DESIGN "cites"):
    "TASS → Emergency services source". Only for a fact with a standing statement that cites another source
    (as ``why``)."""
    chains = [(source, chain) for source, chain in belief.chains.items() if len(chain) > 1]
    if not chains:
        return ""
    asserting = sum(1 for r in belief.standing if r.stance == "asserts")
    items = "".join(
        f'<li data-source="{esc(source)}" data-origin="{esc(origin_of(chain))}">'
        + " → ".join(f"<span>{esc(sources[s].name if s in sources else s)}</span>" for s in chain) + "</li>"
        for source, chain in chains)
    listed = f'\n<ol class="chains" aria-label="origin chains">{items}</ol>'
    plural = "s" if asserting != 1 else ""
    return (f'<div class="citations" data-independent="{belief.independent_assertions}">'
            f'<p class="independent">{belief.independent_assertions} independent of {asserting} asserting'
            f" source{plural}</p>{listed}</div>")


def statement_table(title: str, kind: str, records: Iterable[StatementRecord],
                    sources: Mapping[str, SourceInfo], parties: Mapping[str, PartyInfo] | None = None) -> str:
    rows = [statement_row(record, sources.get(record.source), kind, parties) for record in records]
    if not rows:
        return ""
    extra = "<th>withdrawn because</th>" if kind == "withdrawn" else ""
    return (f'<table class="{kind}">\n<caption>{esc(title)}</caption>\n<thead><tr><th>source</th><th>stance</th>'
            f"<th>said at</th><th>quote</th><th>link</th>{extra}</tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>")


def statement_row(record: StatementRecord, source: SourceInfo | None, kind: str,
                  parties: Mapping[str, PartyInfo] | None = None) -> str:
    name = source.name if source else record.source
    party = f", {display_name(source.party, parties)}" if source and source.party else ""
    who = f"{name} ({source.kind}{party})" if source else name
    stamp = record.observed_at.astimezone(dt.timezone.utc)
    cells = [
        f"<td>{esc(who)}</td>",
        f'<td><span class="stance stance-{esc(record.stance)}">{esc(record.type)}</span></td>',
        f'<td><time datetime="{esc(stamp.isoformat())}">{esc(tl.when(stamp))}</time></td>',
        f'<td class="quote">{esc(record.quote or "")}</td>',
        f"<td>{link(record.url)}</td>",
    ]
    if kind == "withdrawn":
        cells.append(f'<td class="quote">{esc(record.retract_reason or "")}</td>')
    return (f'<tr data-event="{esc(record.event_id)}" data-source="{esc(record.source)}" '
            f'data-stance="{esc(record.stance)}">' + "".join(cells) + "</tr>")


def link(url: str | None) -> str:
    """A clickable link for http and https only; any other scheme (javascript:, data:) is shown as text."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return f'<a href="{esc(url)}" rel="nofollow noopener noreferrer">{esc(parts.netloc)}</a>'
    return f"<span class=\"url\">{esc(url)}</span>" if url else ""


def exporters() -> Iterable[Exporter]:
    yield Exporter(
        name="html",
        description="One self-contained HTML report: each fact's status, stances, statements and timeline.",
        extension="html",
        media_type="text/html",
        write=write,
        views=("beliefs",),
    )


@hookimpl
def register_exporters(register: Any) -> None:
    for exporter in exporters():
        register(exporter)

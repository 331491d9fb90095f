"""The built-in ``markdown`` exporter: the journalist's report, in CommonMark with GitHub tables.

Per fact a section: statement, status, label, party stances, a table of the standing statements (source,
stance, when, quote, link), one of the withdrawn statements with the reason given for each retraction, the
evidence files attached to them (name, type, size, SHA-256), and the history of its status. User text can hold anything, so every piece of it
goes through ``inline``: line breaks become spaces and every character that Markdown or GitHub would read as
syntax (emphasis, code, links, HTML, entities, table pipes, math, mentions) is backslash-escaped. Links are
made only for http, https and mailto URLs; any other URL (``javascript:``, ``data:``...) shows as plain text.
Times are in UTC, so the same log gives the same bytes wherever it is exported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any
from urllib.parse import quote, urlsplit

from factlog.beliefs import VERB_OF_TYPE, Belief, Change, PartyInfo, SourceInfo, StatementRecord, display_name
from factlog.exporting import Exporter, ExportRequest
from factlog.hookspecs import hookimpl
from factlog.clock import Clock

from .text import REPLACEMENT, valid_text

# ASCII characters that start Markdown or GitHub syntax mid-line. Any ASCII punctuation may be escaped in
# CommonMark, so escaping more than needed is always safe.
_SYNTAX = re.compile(r"([\\`*_~\[\]<>&|$#@])")
# GitHub (and markdown-it's linkify) turn bare "http://...", "ftp://..." and "www...." into links by scanning the
# raw source, backslash escapes included, so an escaped character in such a URL would show its backslash.
# Escaping the colon or the dot that starts them keeps user text plain text; links come only from the url field.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto)(:)|(www)(\.)")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# Text that every step of ``inline`` leaves as it is: ASCII words of these characters, single spaces between,
# and nothing ``_AUTOLINK`` finds (checked apart). Most cells are such text, and two matches are far cheaper
# than the three substitutions, so ``inline`` returns it at once; anything else takes the full path.
_AS_IS = re.compile(r"[A-Za-z0-9,.:'()!?;%+=/-]+(?: [A-Za-z0-9,.:'()!?;%+=/-]+)*")
SAFE_SCHEMES = ("http", "https", "mailto")
_URL_SAFE = "/:?#[]@!$*+,;=%~-._&"


def plain(text: str | None) -> str:
    """User text as the report shows it: valid UTF-8, one line, no control characters, spaces collapsed."""
    if not text:
        return ""
    return " ".join(_CONTROL.sub(REPLACEMENT, valid_text(text)).split())


def inline(text: str | None) -> str:
    """User text made safe to place anywhere inline, including a table cell: it renders as itself."""
    if text and _AS_IS.fullmatch(text) and not _AUTOLINK.search(text):
        return text
    return escape(text)


def escape(text: str | None) -> str:
    """``inline`` without its shortcut: every piece of syntax escaped, line breaks and controls made plain."""
    escaped = _SYNTAX.sub(r"\\\1", plain(text))
    return _AUTOLINK.sub(lambda m: f"{m[1] or m[3]}\\{m[2] or m[4]}", escaped)


def safe_link(url: str | None) -> tuple[str, str] | None:
    """``(link text, destination)`` for an http, https or mailto URL; None for anything else."""
    cleaned = plain(url).strip()
    if not cleaned or " " in cleaned:
        return None
    parts = urlsplit(cleaned)
    scheme = parts.scheme.lower()
    if scheme not in SAFE_SCHEMES or not cleaned[: len(scheme)].isascii():
        return None
    if scheme in ("http", "https") and not parts.hostname:
        return None
    if scheme == "mailto" and not parts.path:
        return None
    text = parts.hostname if scheme != "mailto" else parts.path
    # Percent-encode what could end the destination or the table cell; '&' is escaped, not encoded, so
    # that query strings keep their meaning while no entity can be decoded inside the destination.
    destination = quote(cleaned, safe=_URL_SAFE).replace("&", "\\&")
    return text or scheme, destination


def link(url: str | None) -> str:
    """A Markdown link for a safe URL, the URL as plain escaped text otherwise."""
    made = safe_link(url)
    if made is None:
        return inline(url)
    text, destination = made
    return f"[{inline(text)}]({destination})"


def when(moment: dt.datetime | str | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    # isoformat, not strftime: %Y writes year 1 as "1"
    return moment.astimezone(dt.timezone.utc).isoformat(sep=" ", timespec="minutes")[:16] + " UTC"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> Iterator[str]:
    """A GitHub table, line by line; cells must already be escaped with ``inline`` (or made by ``link``)."""
    names = list(header)
    yield "| " + " | ".join(names) + " |"
    yield "|" + " --- |" * len(names)
    for cells in rows:
        yield "| " + " | ".join(cells) + " |"


# --- the report ------------------------------------------------------------------------------------------


def view_line(request: ExportRequest) -> str:
    """Which moment of the log the report describes, from the log itself (never the time of exporting)."""
    last = next(iter(request.log.records(clock=request.clock, newest_first=True, limit=1)), None)
    if last is None:
        return "The log holds no events in this view."
    parts = [f"From the log up to seq {last['seq']}, last recorded {when(last['recorded_at'])}"]
    clock: Clock = request.clock
    if clock.at_seq is not None:
        parts.append(f"at seq {clock.at_seq}")
    if clock.as_of is not None:
        parts.append(f"as of {when(clock.as_of)}")
    if clock.valid_at is not None:
        parts.append(f"counting what sources had said by {when(clock.valid_at)}")
    return "; ".join(parts) + "."


def overview(summaries: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    rows = ([f"[{b['fact']}](#{b['fact']})", b["status"], inline(b["label"]),
             b["verdict"]["rating"] if b.get("verdict") else ""] for b in summaries)
    return table(["Fact", "Status", "Label", "Verdict"], rows)


def verdict_line(belief: Belief) -> str:
    """The analyst's standing verdict: its rating, basis and time (beside the status, which it never changes)."""
    verdict = belief.verdict
    if verdict is None:
        return "**Verdict:** none given"
    return f"**Verdict:** {verdict.rating} (given {when(verdict.observed_at)}): {inline(verdict.basis)}"


def parties_line(parties: Mapping[str, str], names: Mapping[str, PartyInfo] | None = None) -> str:
    if not parties:
        return "none tracked"
    return "; ".join(f"{inline(display_name(party, names))}: {stance}" for party, stance in parties.items())


def stance_cells(record: StatementRecord, sources: Mapping[str, SourceInfo]) -> list[str]:
    return [inline(sources[record.source].name), f"{record.stance} ({record.type})", when(record.observed_at),
            inline(record.quote), link(record.url)]


def withdrawn_cells(record: StatementRecord, sources: Mapping[str, SourceInfo]) -> list[str]:
    return [*stance_cells(record, sources), inline(record.retract_reason)]


def change_cells(change: Change, sources: Mapping[str, SourceInfo]) -> list[str]:
    event = change.event
    return [str(event.seq), when(event.observed_at), inline(describe(change, sources)), change.after.status,
            inline(change.after.label)]


def describe(change: Change, sources: Mapping[str, SourceInfo]) -> str:
    """What the event that changed the status was, in words."""
    event = change.event
    if event.TYPE in VERB_OF_TYPE:
        return f"{event.TYPE} by {sources[event.source].name}"  # type: ignore[attr-defined]
    if event.TYPE == "retract":
        withdrawn = [r for r in change.after.withdrawn if r.retracted_by == event.id]
        whose = f" of {sources[withdrawn[0].source].name}'s {withdrawn[0].type}" if withdrawn else ""
        return f"retraction{whose}"
    if event.TYPE == "source-amended":
        return f"amendment of source {sources[event.source].name}"  # type: ignore[attr-defined]
    if event.TYPE == "verdict-given":
        return f"verdict: {event.rating}"  # type: ignore[attr-defined]
    return event.TYPE.replace("-", " ")


def origins_lines(belief: Belief, sources: Mapping[str, SourceInfo]) -> list[str]:
    """How many independent assertions the asserting sources are, and each origin chain (DESIGN "cites"); only
    for a fact with a standing statement that cites another source (as ``why``), so a report of a log without
    citations reads as it did."""
    chains = [" → ".join(inline(sources[s].name) for s in chain) for chain in belief.chains.values() if len(chain) > 1]
    if not chains:
        return []
    asserting = sum(1 for r in belief.standing if r.stance == "asserts")
    return [f"**Independent assertions:** {belief.independent_assertions} of {asserting} asserting"
            f" source{'s' if asserting != 1 else ''}", "", f"**Origin chains:** {'; '.join(chains)}", ""]


def section(belief: Belief, history: list[Change], sources: Mapping[str, SourceInfo],
            parties: Mapping[str, PartyInfo] | None = None, evidence: Mapping[str, list[dict]] | None = None
            ) -> list[str]:
    lines = [f"## {belief.fact}", "", f"**Statement:** {inline(belief.statement)}", "",
             f"**Status:** {belief.status}", "", f"**Label:** {inline(belief.label)}", "",
             verdict_line(belief), "",
             f"**Parties:** {parties_line(belief.parties, parties)}", "", *origins_lines(belief, sources),
             "### Standing statements", ""]
    if belief.standing:
        lines += table(["Source", "Stance", "When", "Quote", "Link"],
                       (stance_cells(r, sources) for r in belief.standing))
    else:
        lines.append("No standing statements.")
    if belief.withdrawn:  # as the HTML report: what was said and taken back, and why
        lines += ["", "### Withdrawn statements", ""]
        lines += table(["Source", "Stance", "When", "Quote", "Link", "Withdrawn because"],
                       (withdrawn_cells(r, sources) for r in belief.withdrawn))
    lines += evidence_lines(belief, evidence or {}, sources)
    lines += ["", "### History", ""]
    lines += table(["Seq", "When", "Event", "Status", "Label"], (change_cells(c, sources) for c in history))
    return lines + [""]


def _source_name(source: str, sources: Mapping[str, SourceInfo]) -> str:
    return sources[source].name if source in sources else source


def evidence_lines(belief: Belief, evidence: Mapping[str, list[dict]], sources: Mapping[str, SourceInfo]
                   ) -> list[str]:
    """The files attached to the fact's statements (``evidence``: by fact; those of voided statements left out),
    each with its SHA-256 to check a copy against (``factlog evidence get``); nothing when there are none."""
    voided = {v.event_id for v in belief.voided}
    rows = [[inline(f"{_source_name(item['source'], sources)}'s {item['event_type']} (seq {item['event_seq']})"),
             inline(item["name"]), inline(item["media_type"]), f"{item['size']:,}", f"`{item['sha256']}`",
             inline(item["note"])]
            for item in evidence.get(belief.fact, ()) if item["event"] not in voided]
    if not rows:
        return []
    return ["", "### Evidence", "", *table(["Statement", "File", "Type", "Bytes", "SHA-256", "Note"], rows)]


def write(request: ExportRequest, stream: IO[str]) -> None:
    sources = request.sources()
    parties = request.parties()
    stream.write("# Fact report\n\n" + view_line(request) + "\n\n")
    for line in overview(request.summaries()):  # line by line: the overview grows with the log
        stream.write(line + "\n")
    stream.write("\n")
    evidence: dict[str, list[dict]] = {}  # fact -> the files attached to its statements
    for item in request.log.evidence(clock=request.clock):
        evidence.setdefault(item["fact"], []).append(item)
    for belief in request.beliefs():
        stream.write("\n".join(section(belief, request.history(belief.fact), sources, parties, evidence)) + "\n")


@hookimpl
def register_exporters(register: Any) -> None:
    register(Exporter(
        name="markdown",
        description="The report: per fact its status, label, verdict, standing statements and history (CommonMark).",
        extension="md",
        media_type="text/markdown; charset=utf-8",
        write=write,
        views=("beliefs",),
    ))


"""The read commands: log, status, history, why, replay, verify, head, rebuild."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import click

from .common import clock_options, filter_options, json_option, show_utc, with_log
from .completion import complete_facts


def event_summary(record: dict) -> str:
    data = record["data"]
    if record["type"] == "source-registered":
        return f"{data.get('name')} ({data.get('kind', 'other')}{', ' + data['party'] if data.get('party') else ''})"
    if record["type"] in ("fact-opened", "fact-reworded"):
        return data.get("statement", "")
    if record["type"] in ("retract", "statement-voided"):
        from .output import shorten_middle  # the whole id is in --json; here it would only break the column

        target = shorten_middle(str(data.get("target")), 17)
        verb = "withdraws" if record["type"] == "retract" else "voids"
        return f"{verb} {target}" + (f": {data['reason']}" if data.get("reason") else "")
    if record["type"] == "party-registered":
        return f"{data.get('name')} ({data.get('kind', 'other')})"
    if record["type"] in ("fact-amended", "source-amended", "party-amended"):
        return amendment_summary(record["type"], data)
    if record["type"] == "verdict-given":
        return f"verdict {data.get('rating')}: {data.get('basis')}"
    if record["type"] == "setting-changed":
        return f"{data.get('key')} = {data['value']}" if data.get("value") is not None else f"{data.get('key')} unset"
    if record["type"] == "evidence-attached":
        return evidence_summary(data)
    return data.get("quote") or data.get("note") or ""


def evidence_summary(data: dict) -> str:
    """``a.png (image/png, 5 bytes) sha256:2cf24dba5fb0 on 01a2342b-84b…: note``: the whole hash is in --json."""
    from .output import shorten_middle

    size = data.get("size")
    shown = f"{size:,} bytes" if isinstance(size, int) else "? bytes"
    text = (f"{data.get('name')} ({data.get('media_type')}, {shown}) sha256:{str(data.get('sha256'))[:12]}"
            f" on {shorten_middle(str(data.get('target')), 17)}")
    return text + (f": {data['note']}" if data.get("note") else "")


_AMENDED = {"fact-amended": "fact", "source-amended": "source", "party-amended": "party"}


def amendment_summary(kind: str, data: dict) -> str:
    """What an amendment changes, e.g. ``reliability D; add_tags depot`` (what it amends has its own column)."""
    parts = []
    for key, value in data.items():
        if key == _AMENDED[kind] or value in (None, [], False):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else "yes" if value is True else str(value)
        parts.append(f"{key.replace('_', ' ')} {shown}")
    return "; ".join(parts)


@click.command("log")
@click.option("--fact", "fact_id", metavar="F", help="Only events about this fact.", shell_complete=complete_facts)
@filter_options("tag", "party", "source", "type", "since", "until")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Only the last N matching events.")
@click.option("--no-pager", is_flag=True, help="Print straight to the terminal (else $PAGER or less, as git does).")
@json_option
@with_log(write=False)
def log_command(log: Any, fact_id: str | None, where: dict, limit: int | None, no_pager: bool,
                as_json: bool) -> None:
    """List the events of the log, oldest first.

    The table streams (the first rows show at once, however long the log) and, on a terminal, goes through
    $PAGER (else less -R), never when piped.

    \b
    Examples:
      factlog log --fact belgorod-ukrainian-missile --type claim
      factlog log --party russia --since 2022-03-30T00:00:00+03:00
      factlog log --since 7d --limit 20
    """
    from .output import Column, display_time, echo_json, paged, print_table

    records = log.records(fact=fact_id, limit=limit, newest_first=limit is not None, where=log.where(**where))
    if limit is not None:
        records = reversed(list(records))  # the last N, still printed oldest first
    if as_json:
        echo_json(records)
        return
    utc = show_utc()
    with paged(not no_pager):
        print_table(
            ["seq", "type", "fact", "source", Column("said at", "time", optional=2), "what",
             Column("id", "id", optional=1)],
            ([r["seq"], r["type"], r["data"].get("fact", ""), r["data"].get("source", ""),
              display_time(r["observed_at"], utc) if r["type"] in SAID else "", event_summary(r), r["id"]]
             for r in records),  # what no source said has no said-at time (as --since/--until read it)
            empty="no events",
        )


@click.command()
@click.argument("fact_id", required=False, shell_complete=complete_facts)
@clock_options
@filter_options("tag", "party", "source", "type", "since", "until")
@json_option
@with_log(write=False)
def status(log: Any, fact_id: str | None, as_of: str | None, at_seq: int | None, valid_at: str | None,
           where: dict, as_json: bool) -> None:
    """What is believed about each fact (or one), now or at a point of the log's history.

    A filter keeps the facts with an event that matches it: --source S the facts S spoke about, --tag T the
    facts tagged T.

    \b
    Examples:
      factlog status
      factlog status belgorod-ukrainian-missile --json
      factlog status --valid-at 2022-03-30T00:00:00+03:00
      factlog status --tag belgorod --source tass
    """
    from .output import Column, echo_json, print_table

    rows = log.status(fact_id, log.clock(as_of, at_seq, valid_at), log.where(**where))
    if as_json:
        echo_json(rows)
        return
    # what the sources said, then (only where some fact in view has them) how many independent assertions that
    # is once citations are followed (DESIGN "cites"), and the analyst's verdict beside it; both optional columns
    # are left out first when the table is too wide (--json has them)
    cited = [asserted_by(r) for r in rows]
    citations = any(cited)
    verdicts = any(r.get("verdict") for r in rows)
    print_table(["fact", "status", "label", *([Column("asserted by", optional=1)] if citations else []),
                 *([Column("verdict", "key", optional=1)] if verdicts else []), "updated"],
                ([r["fact"], r["status"], r["label"], *([c] if citations else []),
                  *([verdict_cell(r.get("verdict"))] if verdicts else []), r["updated_seq"]]
                 for r, c in zip(rows, cited)),
                styled_columns=["status"], empty="no facts in this view")


def asserted_by(row: dict) -> str:
    """"4 sources, 1 independent" when the sources that assert the fact are fewer independent assertions once
    their citations are followed (DESIGN "cites"); else nothing."""
    asserting = sum(1 for stance in row["sources"].values() if stance == "asserts")
    if row["independent_assertions"] == asserting:
        return ""
    return f"{asserting} source{'s' if asserting > 1 else ''}, {row['independent_assertions']} independent"


def verdict_cell(verdict: dict | None) -> str:
    """The standing verdict in a table cell: its rating, or blank for a fact without one."""
    return verdict["rating"] if verdict else ""


def change_rows(changes: Iterable[Any], sources: dict) -> Iterator[dict]:
    for change in changes:
        event = change.event
        source_id = change.source
        yield {
            "seq": event.seq, "event_id": event.id, "type": event.TYPE, "fact": change.fact,
            "source": source_id, "source_name": sources[source_id].name if source_id in sources else None,
            "quote": getattr(event, "quote", None) or getattr(event, "reason", None) or _verdict_text(event),
            "observed_at": event.observed_at.isoformat(), "recorded_at": event.recorded_at.isoformat(),
            "status_before": change.before.status if change.before else None,
            "status": change.after.status, "label": change.after.label,
            "verdict": change.after.verdict.rating if change.after.verdict else None,
        }


def _verdict_text(event: Any) -> str | None:
    """What a ``verdict-given`` line of history shows in its quote column: the rating and its basis."""
    rating = getattr(event, "rating", None)
    return f"verdict {rating}: {event.basis}" if rating else None


# the events a source said, and the analyst's verdicts: they have a valid time
SAID = ("claim", "confirm", "deny", "decline", "retract", "verdict-given")


def print_changes(rows: Iterable[dict], as_json: bool, with_fact: bool, chronological: bool = False) -> None:
    """The changes as a table, with both times of each event. In recording order (the seq) "said at", blank for
    what no source said (registrations, amendments, voids have no time in the world); in the story's order
    (``chronological``) "valid at", the time each event is placed at in valid time. Then "recorded at", left
    out first when the table is too wide (the seq already tells the recording order)."""
    from .output import Column, display_time, echo_json, print_table

    if as_json:
        echo_json(rows)
        return
    utc = show_utc()
    columns: list[Column | str] = ["seq", "event", *(["fact"] if with_fact else []), "source",
               Column("valid at" if chronological else "said at", "time", optional=3),
               Column("recorded at", "time", optional=1), "status", "label", Column("quote", optional=2)]

    def cells(r: dict) -> list:
        valid_at = display_time(r["observed_at"], utc) if chronological or r["type"] in SAID else ""
        recorded_at = display_time(r["recorded_at"], utc)
        return [r["seq"], r["type"], *([r["fact"]] if with_fact else []), r["source_name"] or "", valid_at,
                recorded_at, r["status"], r["label"], r["quote"] or ""]

    print_table(columns, map(cells, rows), styled_columns=["status"], empty="no changes in this view")


@click.command()
@click.argument("fact_id", shell_complete=complete_facts)
@click.option("--chronological", is_flag=True,
              help="Tell the story in valid time: the fact's events in the order they were said, each with the"
                   " status and label as of that moment.")
@clock_options
@json_option
@with_log(write=False)
def history(log: Any, fact_id: str, chronological: bool, as_of: str | None, at_seq: int | None,
            valid_at: str | None, as_json: bool) -> None:
    """Each change of a fact's status or label, with the event that caused it, in recording order.

    With --chronological, the fact's story in valid time instead: each event in the order it was said, with
    the status and label as of that moment, given all the log holds (or the --as-of / --at-seq view).

    \b
    Examples:
      factlog history belgorod-ukrainian-missile
      factlog history belgorod-ukrainian-missile --chronological
    """
    clock = log.clock(as_of, at_seq, valid_at)
    changes = log.chronology(fact_id, clock) if chronological else log.history(fact_id, clock)
    print_changes(change_rows(changes, log.source_map()), as_json, with_fact=False, chronological=chronological)


@click.command()
@clock_options
@json_option
@with_log(write=False)
def replay(log: Any, as_of: str | None, at_seq: int | None, valid_at: str | None, as_json: bool) -> None:
    """Step through the log event by event and show the belief change each one caused.

    \b
    Example:
      factlog replay --at-seq 20
    """
    changes = log.replay(log.clock(as_of, at_seq, valid_at))
    print_changes(change_rows(changes, log.source_map()), as_json, with_fact=True)


@click.command()
@click.argument("fact_id", shell_complete=complete_facts)
@clock_options
@json_option
@with_log(write=False)
def why(log: Any, fact_id: str, as_of: str | None, at_seq: int | None, valid_at: str | None,
        as_json: bool) -> None:
    """Why a fact has its status and label: the standing statements and the rules applied.

    \b
    Example:
      factlog why belgorod-ukrainian-missile
    """
    from ..beliefs import explain

    clock = log.clock(as_of, at_seq, valid_at)
    belief = log.belief(fact_id, clock)
    explanation = explain(belief, log.source_map())
    if as_json:
        from .output import echo_json

        echo_json([explanation])
        return
    print_explanation(explanation, log.party_map(clock))


def print_explanation(explanation: dict, parties: dict | None = None) -> None:
    from ..beliefs import display_name
    from .output import say

    utc = show_utc()
    echo = say  # each line holds text from the log: shown with its control characters escaped
    echo(f"{explanation['fact']}: {explanation['statement']}")
    echo(f"status: {explanation['status']}, because {explanation['rule']}")
    echo(f"label: {explanation['label']}")
    print_origins(explanation)
    print_verdict(explanation.get("verdict"), utc)
    echo("party stances:" if explanation["parties"] else "party stances: none tracked")
    for party, reason in explanation["parties"].items():
        # a registered party by its name, as the label reads it (the slug stays in --json)
        name = display_name(party, parties) if parties and party in parties else party
        echo(f"  {name}: {reason['stance']}, because {reason['rule']}")
    print_records(explanation, utc)
    voided = explanation.get("voided", [])
    if voided:
        echo("voided as recording errors:")
    for v in voided:
        reason = f": {v['reason']}" if v.get("reason") else ""
        who = v["source_name"] or "the analyst's"  # a verdict is no source's
        echo(f"  {who} {v['type']} [{v['event_id']}] voided by seq {v['void_seq']}{reason}")


def print_verdict(verdict: dict | None, utc: bool) -> None:
    """The standing verdict line of ``why``: the analyst's finding, beside (never part of) the status."""
    from .output import display_time, say

    if verdict is None:  # (--json says null) no line: most facts have none, and the rules above are the story
        return
    say(f"verdict: {verdict['rating']}, given at {display_time(verdict['at'], utc)} [seq {verdict['seq']},"
        f" {verdict['event']}]: {verdict['basis']}")


def print_origins(explanation: dict) -> None:
    """The independent assertions and each origin chain (DESIGN "cites"): "tass -> emergency-services"."""
    from .output import say

    chains = explanation.get("chains", [])
    if not chains:
        return  # every standing statement speaks for itself: nothing to follow (--json still gives the count)
    asserting = sum(1 for r in explanation["standing"] if r["stance"] == "asserts")
    say(f"independent assertions: {explanation['independent_assertions']} of {asserting} asserting")
    say("origin chains:")
    for item in chains:
        cycle = " (a cycle)" if item["cycle"] else ""
        say(f"  {' -> '.join(item['chain'])}{cycle}: {item['stance']}, origin {item['origin']}")


def print_records(explanation: dict, utc: bool) -> None:
    from .output import display_time, say

    echo = say
    for title, records in (("standing statements", explanation["standing"]), ("withdrawn", explanation["withdrawn"])):
        echo(f"{title}:" if records else f"{title}: none")
        for r in records:
            voice = f"for {r['speaks_for']}" if r["speaks_for"] else "for itself"
            quote = f' "{r["quote"]}"' if r["quote"] else ""
            quote = f" citing {r['cites']}{quote}" if r.get("cites") else quote
            reason = f" (retracted: {r['retract_reason']})" if r.get("retract_reason") else ""
            echo(f"  {r['source_name']} ({voice}) {r['type']} at {display_time(r['observed_at'], utc)}"
                 f" [seq {r['seq']}, {r['event_id']}]{quote}{reason}")


TAMPERED = 3  # verify's exit status when the log was changed outside factlog; 1 is any other error


@click.command()
@click.option("--head", "anchored_head", metavar="HEAD",
              help="A head printed earlier by 'factlog head': the hash, with or without the seq after it.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"ok", "events", "seq", "head"} (on failure {"ok": false, "error", "seq"}) on stdout.')
@with_log(write=False)
def verify(log: Any, anchored_head: str | None, as_json: bool) -> None:
    """Recompute the hash chain, and check that the log still holds a head published earlier.

    \b
    Exit status:
      0  the chain is intact (and holds HEAD)
      3  the log was changed outside factlog: an event altered, moved or removed, HEAD not in it;
         the error names the first bad seq
      1  any other error: no log at that path, not a factlog log, a malformed HEAD

    \b
    Example:
      factlog verify --head "$(factlog head)"
    """
    from ..errors import IntegrityError
    from .common import one_line, with_advice
    from .output import say

    from .progress import progress_bar

    try:
        with progress_bar("verifying", total=3 * log.count()) as advance:  # chain, events, projections
            count, head = log.verify(anchor_hash(anchored_head), progress=advance)
    except IntegrityError as exc:
        if as_json:
            echo_object({"ok": False, "error": str(exc), "seq": exc.seq})
        click.echo(f"Error: {one_line(with_advice(exc))}", err=True)
        click.get_current_context().exit(TAMPERED)
    if as_json:
        echo_object({"ok": True, "events": count, "seq": log.head()[0], "head": head})
        return
    say(f"ok: {count} events, chain intact, head {head}")


def echo_object(value: dict) -> None:
    """One JSON object on stdout: what a command that reports one result prints with --json."""
    import json

    click.echo(json.dumps(value, ensure_ascii=False, allow_nan=False))


HEAD_HASH = re.compile(r"[a-z0-9]+:[0-9a-f]{16,}")  # an algorithm tag and a hex digest


def anchor_hash(text: str | None) -> str | None:
    """The hash of what ``factlog head`` prints (``sha256:... SEQ``), pasted whole or the hash alone.

    The seq is for people: the hash covers it, so a hash found in the chain is at one seq only."""
    if text is None:
        return None
    parts = text.split()
    hash_ok = len(parts) in (1, 2) and HEAD_HASH.fullmatch(parts[0]) is not None
    if not hash_ok or not (len(parts) == 1 or parts[1].isascii() and parts[1].isdigit()):
        from ..errors import InvalidInput

        raise InvalidInput(f"--head takes what 'factlog head' prints (a hash such as sha256:3f1c..., then optionally"
                           f" its seq), not {text!r}")
    return parts[0]


@click.command()
@click.option("--json", "as_json", is_flag=True, help='Print {"seq", "hash"} on stdout.')
@with_log(write=False)
def head(log: Any, as_json: bool) -> None:
    """Print the current head hash, to publish or commit elsewhere as an anchor.

    \b
    Example:
      factlog head
    """
    from .output import say

    seq, digest = log.head()
    if as_json:
        echo_object({"seq": seq, "hash": digest})
        return
    say(f"{digest} {seq}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help='Print {"facts", "events"} on stdout.')
@with_log(write=False)
def rebuild(log: Any, as_json: bool) -> None:
    """Drop the projection tables and replay the whole log into them.

    \b
    Example:
      factlog rebuild
    """
    from .progress import progress_bar

    with progress_bar("rebuilding", total=log.count()) as advance:
        facts = log.rebuild(progress=advance)
    if as_json:
        echo_object({"facts": facts, "events": log.count()})
        return
    click.echo(f"rebuilt projections: {facts} facts from {log.count()} events")


def register(group: click.Group) -> None:
    for command in (log_command, status, history, why, replay, verify, head, rebuild):
        group.add_command(command)

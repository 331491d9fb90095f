"""The write commands: init, source, fact, party, claim/confirm/deny/decline, retract, void."""

from __future__ import annotations

from typing import Any

import click

from ..errors import InvalidInput
from .common import FactlogGroup, clock_options, json_option, open_for, with_log
from .completion import (complete_facts, complete_kinds, complete_parties, complete_reliability, complete_sources,
                         complete_statements, complete_tags)
from .completion import complete_ratings


def report(event: Any, quiet: bool) -> None:
    """A write prints the new event's id; with --quiet only the id, for scripts; with --json the stored event's
    wire record, in a one-element array (the shape of ``log --json``)."""
    if click.get_current_context().meta.get(_JSON_WRITE):
        from ..events import to_wire
        from .output import echo_json

        echo_json([to_wire(event)])
    elif quiet:
        click.echo(event.id)
    else:
        click.echo(f"{event.TYPE} recorded as event {event.id} (seq {event.seq})")


_JSON_WRITE = "factlog.json_write"


def _remember_json(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_JSON_WRITE] = True


def quiet_option(command: Any) -> Any:
    """--quiet and --json, which every write command takes (report() reads --json from the context)."""
    command = click.option("--json", "json_write", is_flag=True, expose_value=False, callback=_remember_json,
                           help="Print the stored event as JSON (a one-element array, as 'log --json').")(command)
    return click.option("-q", "--quiet", is_flag=True, help="Print only the new event's id.")(command)


at_option = click.option("--at", metavar="TIME",
                         help="When the source said it: ISO 8601 with an offset, or 3h, yesterday ... "
                              "(see factlog --help); default: now.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help='Print {"location", "events"} on stdout.')
@click.pass_context
def init(ctx: click.Context, as_json: bool) -> None:
    """Create an empty log (write commands also create it).

    \b
    Example:
      factlog --db belgorod.db init
    """
    log = open_for(ctx, write=True)
    try:
        count = log.count()
        if as_json:
            from .read import echo_object

            echo_object({"location": log.location, "events": count})
            return
        from ..visible import visible

        click.echo(visible(f"log ready at {log.location} ({count} events)"))
    finally:
        log.close()


@click.group(cls=FactlogGroup)
def source() -> None:
    """Register and list sources (who speaks), and their track records against your verdicts.

    \b
    Examples:
      factlog source add butusov --name "Yuriy Butusov" --kind journalist --party ukraine --reliability C
      factlog source list
      factlog source record tass
    """


@source.command("add")
@click.argument("source_id")
@click.option("--name", required=True, help="Display name, e.g. 'Yuriy Butusov'.")
@click.option("--kind", default="other", show_default=True, shell_complete=complete_kinds,
              help="official, journalist, agency, media, witness, anonymous, document or other.")
@click.option("--party", metavar="P", help="Party slug, e.g. ukraine; an official source speaks for it.",
              shell_complete=complete_parties)
@click.option("--reliability", metavar="A-F", help="NATO Admiralty source rating A (reliable) .. F (cannot judge).",
              shell_complete=complete_reliability)
@click.option("--url", help="Where the source can be found.")
@at_option
@quiet_option
@with_log(write=True)
def source_add(log: Any, source_id: str, name: str, kind: str, party: str | None, reliability: str | None,
               url: str | None, at: str | None, quiet: bool) -> None:
    """Register a source: who speaks, for which party, and how reliable it is.

    \b
    Example:
      factlog source add gladkov --name "Vyacheslav Gladkov" --kind official --party russia --reliability B
    """
    report(log.add_source(source_id, name, kind, party, reliability, url, at=at), quiet)


@source.command("amend")
@click.argument("source_id", shell_complete=complete_sources)
@click.option("--name", help="The corrected display name.")
@click.option("--kind", help="official, journalist, agency, media, witness, anonymous, document or other.")
@click.option("--party", metavar="P", help="The party it speaks for (if official).")
@click.option("--no-party", is_flag=True, help="It belongs to no party.")
@click.option("--reliability", metavar="A-F", help="The corrected Admiralty source rating.")
@click.option("--url", help="Where the source can be found.")
@quiet_option
@with_log(write=True)
def source_amend(log: Any, source_id: str, name: str | None, kind: str | None, party: str | None, no_party: bool,
                 reliability: str | None, url: str | None, quiet: bool) -> None:
    """Correct what the log says of a source; every fact it spoke on is derived again.

    A source that changed role in the world (an official who left office) is a new source, not an amendment.

    \b
    Example:
      factlog source amend tass --reliability D
    """
    if party is not None and no_party:
        raise click.UsageError("--party and --no-party exclude each other")
    report(log.amend_source(source_id, name, kind, party, no_party, reliability, url), quiet)


@source.command("list")
@json_option
@with_log(write=False)
def source_list(log: Any, as_json: bool) -> None:
    """List the sources.

    \b
    Example:
      factlog source list --json
    """
    from .output import echo_json, print_table

    rows = log.sources()
    if as_json:
        echo_json(rows)
        return
    print_table(["id", "name", "kind", "party", "reliability"],
                ([r["id"], r["name"], r["kind"], r["party"] or "", r["reliability"] or ""] for r in rows),
                empty="no sources yet")


TRACK_RULE = """\b
How a statement counts, per fact with a standing verdict (each fact once per source):
  agree      it asserts (claim, confirm) a fact rated true or mostly-true,
             or denies one rated false or mostly-false
  disagree   it asserts a fact rated false or mostly-false, or denies one rated true or mostly-true
  neither    it asserts or denies a fact rated mixed or unproven
  withdrawn  it has no standing assertion or denial, and retracted one
Declines and silence count nowhere. A number to weigh: it never changes a rating by itself."""


@source.command("record", help=f"""Each source's track record against your verdicts (or one source's).

{TRACK_RULE}

\b
Examples:
  factlog source record
  factlog source record tass --json
  factlog source record --valid-at 2022-04-01T00:00:00+00:00""")
@click.argument("source_id", metavar="[ID]", required=False, shell_complete=complete_sources)
@clock_options
@json_option
@with_log(write=False)
def source_record(log: Any, source_id: str | None, as_of: str | None, at_seq: int | None, valid_at: str | None,
                  as_json: bool) -> None:
    from .output import echo_json, print_table

    records = log.track_records(source_id, log.clock(as_of, at_seq, valid_at))
    if as_json:
        echo_json(records)
        return
    print_table(["source", "name", "agree", "disagree", "neither", "withdrawn", "facts"],
                ([r["source"], r["name"], r["agree"], r["disagree"], r["neither"], r["withdrawn"], _behind(r)]
                 for r in records), empty="no sources yet")


def _behind(record: dict) -> str:
    """The facts behind the counts, e.g. ``agree: belgorod-explosion; withdrawn: belgorod-second-blast``."""
    return "; ".join(f"{kind}: {', '.join(f['fact'] for f in facts)}"
                     for kind, facts in record["facts"].items() if facts)


@click.group(cls=FactlogGroup)
def fact() -> None:
    """Open, reword and list facts (propositions to track).

    \b
    Examples:
      factlog fact add belgorod-tochka-u "An OTR-21 Tochka-U fired by Ukraine's 19th missile brigade hit the depot" \\
          --party ukraine --tag belgorod
      factlog fact list
    """


@fact.command("add")
@click.argument("fact_id")
@click.argument("statement")
@click.option("--party", "parties", multiple=True, metavar="P", shell_complete=complete_parties,
              help="A party whose stance is tracked even while silent (repeatable).")
@click.option("--tag", "tags", multiple=True, metavar="T", help="A tag (repeatable).", shell_complete=complete_tags)
@click.option("--occurred-at", metavar="TIME", help="When the thing itself happened.")
@at_option
@quiet_option
@with_log(write=True)
def fact_add(log: Any, fact_id: str, statement: str, parties: tuple[str, ...], tags: tuple[str, ...],
             occurred_at: str | None, at: str | None, quiet: bool) -> None:
    """Open a fact: a proposition to track, and the parties whose stance on it counts.

    \b
    Example:
      factlog fact add belgorod-ukrainian-missile "The blast was caused by a Ukrainian missile" \\
          --party ukraine --party russia
    """
    report(log.open_fact(fact_id, statement, parties, tags, occurred_at, at=at), quiet)


@fact.command("reword")
@click.argument("fact_id", shell_complete=complete_facts)
@click.argument("statement")
@click.option("--reason", help="Why it was reworded.")
@quiet_option
@with_log(write=True)
def fact_reword(log: Any, fact_id: str, statement: str, reason: str | None, quiet: bool) -> None:
    """Reword a fact's statement (an amendment event; statements about it stay).

    \b
    Example:
      factlog fact reword belgorod-explosion "Explosions at an arms depot near Krasniy Oktyabr"
    """
    report(log.reword_fact(fact_id, statement, reason), quiet)


@fact.command("amend")
@click.argument("fact_id", shell_complete=complete_facts)
@click.option("--statement", help="The reworded statement.")
@click.option("--add-party", "add_parties", multiple=True, metavar="P", help="Track this party too (repeatable).")
@click.option("--remove-party", "remove_parties", multiple=True, metavar="P", help="Stop tracking it (repeatable).")
@click.option("--add-tag", "add_tags", multiple=True, metavar="T", help="A tag to add (repeatable).")
@click.option("--remove-tag", "remove_tags", multiple=True, metavar="T", help="A tag to remove (repeatable).")
@click.option("--occurred-at", metavar="TIME", help="When the thing itself happened.")
@quiet_option
@with_log(write=True)
def fact_amend(log: Any, fact_id: str, statement: str | None, add_parties: tuple[str, ...],
               remove_parties: tuple[str, ...], add_tags: tuple[str, ...], remove_tags: tuple[str, ...],
               occurred_at: str | None, quiet: bool) -> None:
    """Change what the log says of a fact: its statement, parties, tags or time (statements about it stay).

    \b
    Example:
      factlog fact amend belgorod-explosion --add-party nato --add-tag depot
    """
    report(log.amend_fact(fact_id, statement, add_parties, remove_parties, add_tags, remove_tags, occurred_at),
           quiet)


@fact.command("list")
@json_option
@with_log(write=False)
def fact_list(log: Any, as_json: bool) -> None:
    """List the facts with their current status.

    \b
    Example:
      factlog fact list
    """
    from .output import echo_json, print_table

    rows = log.facts()
    if as_json:
        echo_json(rows)
        return
    print_table(["id", "status", "statement", "parties"],
                ([r["id"], r["status"], r["statement"], ", ".join(r["parties"])] for r in rows),
                styled_columns=["status"], empty="no facts yet")


def statement_command(kind: str, summary: str, example: str) -> click.Command:
    @click.command(kind, help=f"{summary}\n\n\b\nExample:\n  {example}")
    @click.argument("fact_id", shell_complete=complete_facts)
    @click.option("--source", "source_id", required=True, metavar="S", help="The source that said it.",
                  shell_complete=complete_sources)
    @click.option("--quote", help="The source's words.")
    @click.option("--url", help="Where it was said.")
    @at_option
    @click.option("--credibility", metavar="1-6", help="Admiralty information rating, 1 (confirmed) .. 6.")
    @click.option("--note", help="The analyst's note.")
    @click.option("--cites", metavar="S", shell_complete=complete_sources,
                  help="The registered source it attributes its words to ('TASS, citing an emergency services "
                       "source').")
    @quiet_option
    @with_log(write=True)
    def command(log: Any, fact_id: str, source_id: str, quote: str | None, url: str | None, at: str | None,
                credibility: str | None, note: str | None, cites: str | None, quiet: bool) -> None:
        event = log.state(kind, fact_id, source_id, quote=quote, url=url, at=at,
                          credibility=parse_credibility(credibility), note=note, cites=cites)
        report(event, quiet)

    return command


def parse_credibility(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput(f"credibility {text!r} is not a whole number 1-6") from None
    if not 1 <= value <= 6:
        raise InvalidInput(f"credibility {value} is outside 1-6 (Admiralty information rating)")
    return value


STATEMENT_COMMANDS = (
    statement_command("claim", "Record that a source asserts a fact.",
                      'factlog claim belgorod-tochka-u --source butusov --quote "An OTR-21 Tochka-U hit the depot"'),
    statement_command("confirm", "Record that a source confirms a fact with authority.",
                      "factlog confirm belgorod-explosion --source gladkov --at 2022-03-30T08:00:00+03:00"),
    statement_command("deny", "Record that a source denies a fact.",
                      'factlog deny belgorod-resident-casualties --source gladkov --quote "no deaths or injuries"'),
    statement_command("decline", "Record that a source addressed a fact but took no stance.",
                      'factlog decline belgorod-ukrainian-missile --source gladkov --note "did not say what caused it"'),
)


@click.command()
@click.argument("event_id", metavar="EVENT", shell_complete=complete_statements)
@click.option("--reason", help="Why the statement is withdrawn.")
@at_option
@quiet_option
@with_log(write=True)
def retract(log: Any, event_id: str, reason: str | None, at: str | None, quiet: bool) -> None:
    """Withdraw one earlier statement: the source took back what it said.

    EVENT is the statement's seq in this log (the number tables show), its id, or a unique prefix of 8+
    characters of the id.

    \b
    Examples:
      factlog retract 57 --reason "TASS withdrew its report"
      factlog retract 01a21af6-d0c5 --reason "TASS withdrew its report"
    """
    report(log.retract(event_id, reason, at=at), quiet)


@click.command()
@click.argument("event_id", shell_complete=complete_statements)
@click.option("--reason", required=True, help="What was recorded in error.")
@quiet_option
@with_log(write=True)
def void(log: Any, event_id: str, reason: str, quiet: bool) -> None:
    """Void a statement, retraction or verdict recorded in error: from now on it counts nowhere.

    For a wrong source, fact or time. A source that withdrew what it said is 'retract', not this.

    \b
    Example:
      factlog void 01a21af6-d0c5 --reason "recorded under the wrong fact"
    """
    report(log.void(event_id, reason), quiet)


@click.command()
@click.argument("fact_id", metavar="FACT", shell_complete=complete_facts)
@click.argument("rating", metavar="RATING", shell_complete=complete_ratings)
@click.option("--basis", required=True, help="What the verdict rests on: the evidence and reasoning, in a sentence.")
@click.option("--at", metavar="TIME",
              help="When the verdict was given: ISO 8601 with an offset, or 3h, yesterday ... (see factlog --help);"
                   " default: now.")
@quiet_option
@with_log(write=True)
def verdict(log: Any, fact_id: str, rating: str, basis: str, at: str | None, quiet: bool) -> None:
    """Give the analyst's verdict on a fact: RATING is true, mostly-true, mixed, mostly-false, false or unproven.

    The verdict is the desk's own finding, shown beside the status and label (which report what sources said)
    and never changing them; ClaimReview exports publish it (5 for true down to 1 for false; unproven has no
    number). The latest verdict by its time (--at) counts; void one given in error with 'factlog void'.

    \b
    Example:
      factlog verdict belgorod-tochka-u unproven --basis "No imagery of the strike; one anonymous source"
    """
    report(log.give_verdict(fact_id, rating, basis, at=at), quiet)


PARTY_KIND_HELP = "state, organization, alliance, group or other."


@click.group(cls=FactlogGroup)
def party() -> None:
    """Register, amend and list parties (the names labels use).

    \b
    Examples:
      factlog party add nato --name NATO --kind alliance
      factlog party list
    """


@party.command("add")
@click.argument("party_id")
@click.option("--name", required=True, help="Display name, e.g. 'NATO'.")
@click.option("--kind", default="other", show_default=True, help=PARTY_KIND_HELP)
@quiet_option
@with_log(write=True)
def party_add(log: Any, party_id: str, name: str, kind: str, quiet: bool) -> None:
    """Register a party: labels then name it so ("NATO" rather than "Nato").

    \b
    Example:
      factlog party add united-states --name "United States" --kind state
    """
    report(log.add_party(party_id, name, kind), quiet)


@party.command("amend")
@click.argument("party_id")
@click.option("--name", help="The corrected display name.")
@click.option("--kind", help=PARTY_KIND_HELP)
@quiet_option
@with_log(write=True)
def party_amend(log: Any, party_id: str, name: str | None, kind: str | None, quiet: bool) -> None:
    """Correct a registered party's name or kind.

    \b
    Example:
      factlog party amend nato --name "North Atlantic Treaty Organization"
    """
    report(log.amend_party(party_id, name, kind), quiet)


@party.command("list")
@json_option
@with_log(write=False)
def party_list(log: Any, as_json: bool) -> None:
    """List the registered parties.

    \b
    Example:
      factlog party list --json
    """
    from .output import echo_json, print_table

    rows = log.parties()
    if as_json:
        echo_json(rows)
        return
    print_table(["id", "name", "kind"], ([r["id"], r["name"], r["kind"]] for r in rows), empty="no parties yet")


def register(group: click.Group) -> None:
    for command in (init, source, fact, party, *STATEMENT_COMMANDS, retract, void, verdict):
        group.add_command(command)

"""From a fact's folded state to its belief: status, party stances, label."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .citations import citation_chains, independent_assertions

from .state import (
    VERB_OF_TYPE,
    Belief,
    FactState,
    PartyInfo,
    SourceInfo,
    StatementRecord,
    VerdictRecord,
    display_name,
    in_speaker_order,
    standing_verdict,
)

# The order in which a label reads out its groups, after the group that gives the status its name.
_LABEL_ORDER = ("confirmed", "claimed", "denied", "split", "unconfirmed", "declined", "withdrawn")
_LABEL_RANK = {verb: rank for rank, verb in enumerate(_LABEL_ORDER)}
# The label group that names each status: it is read first, as "claimed: by ...", "retracted: by ...".
_STATUS_GROUP = {"confirmed": "confirmed", "claimed": "claimed", "denied": "denied", "retracted": "withdrawn"}


def standing_statements(state: FactState) -> list[StatementRecord]:
    """Each source's latest statement that has not been retracted, in the order sources first spoke."""
    return list(state.standing)


def fact_status(standing: Iterable[StatementRecord], withdrawn_any: bool) -> str:
    """DESIGN.md's status table."""
    types = {record.type for record in standing}
    asserts = bool(types & {"claim", "confirm"})
    denies = "deny" in types
    if asserts and denies:
        return "disputed"
    if "confirm" in types:
        return "confirmed"
    if asserts:
        return "claimed"
    if denies:
        return "denied"
    return "retracted" if withdrawn_any else "open"


def stance_of_party(stances: Iterable[str]) -> str:
    """A party's stance from its official sources' standing stances."""
    held = set(stances)
    if "asserts" in held and "denies" in held:
        return "split"
    if "asserts" in held:
        return "confirmed"
    if "denies" in held:
        return "denied"
    if "declines" in held:
        return "declined"
    return "unconfirmed"


def party_stances(
    state: FactState, standing: Iterable[StatementRecord], sources: Mapping[str, SourceInfo]
) -> dict[str, str]:
    """The fact's parties, then every other party whose official source spoke about it, with their stances."""
    parties = list(state.parties)
    for speaker in state.speakers:
        party = sources[speaker].speaks_for
        if party and party not in parties:
            parties.append(party)
    spoken: dict[str, list[str]] = {party: [] for party in parties}
    for record in standing:
        party = sources[record.source].speaks_for
        if party:
            spoken[party].append(record.stance)
    return {party: stance_of_party(spoken[party]) for party in parties}


def label(
    status: str,
    standing: Iterable[StatementRecord],
    withdrawn: Iterable[StatementRecord],
    parties: Mapping[str, str],
    sources: Mapping[str, SourceInfo],
    party_names: Mapping[str, PartyInfo] | None = None,
) -> str:
    """One line: ``claimed: by Yuriy Butusov, TASS; unconfirmed by Ukraine; declined by Russia``.

    Sources that speak for a party appear as the party; every other source by its name. ``withdrawn`` are the
    withdrawn assertions and denials of sources that now have no standing statement.
    """
    standing, withdrawn = list(standing), list(withdrawn)
    groups: dict[str, list[str]] = {}
    said_by_party: dict[str, set[str]] = {}  # the statement types each party's officials have standing
    for record in standing:
        source = sources[record.source]
        if source.speaks_for is None:
            groups.setdefault(VERB_OF_TYPE[record.type], []).append(source.name)
        else:
            said_by_party.setdefault(source.speaks_for, set()).add(record.type)
    withdrawn_parties, withdrawn_sources = set(), []
    for record in withdrawn:
        party = sources[record.source].speaks_for
        if party is None:
            withdrawn_sources.append(record.source)
        else:
            withdrawn_parties.add(party)
    for party, stance in parties.items():
        verb = _party_verb(stance, said_by_party.get(party, set()), party in withdrawn_parties)
        groups.setdefault(verb, []).append(display_name(party, party_names))
    for source_id in dict.fromkeys(withdrawn_sources):
        groups.setdefault("withdrawn", []).append(sources[source_id].name)
    lead = _STATUS_GROUP.get(status)
    order = sorted(groups, key=lambda verb: (verb != lead, _LABEL_RANK[verb]))
    parts = [_label_group(verb, groups[verb]) for verb in order]
    if parts and order[0] == lead:
        parts[0] = "by " + ", ".join(groups[lead])
    return f"{status}: {'; '.join(parts)}" if parts else status


def _party_verb(stance: str, said: set[str], withdrew: bool) -> str:
    """How the label reads a party out: its stance, in the words its officials used (``said``: the types of
    their standing statements; ``withdrew``: whether they withdrew any).

    A party whose officials only *claim* reads "claimed by", so that a ``claimed`` fact does not also say
    "confirmed by"; a silent party that withdrew what it said reads "withdrawn by" rather than "unconfirmed by".
    """
    if stance == "confirmed" and "confirm" not in said:
        return "claimed"
    if stance == "unconfirmed" and withdrew:
        return "withdrawn"
    return stance


def _label_group(verb: str, names: list[str]) -> str:
    return f"{'split within' if verb == 'split' else verb + ' by'} {', '.join(names)}"


def derive(state: FactState, sources: Mapping[str, SourceInfo],
           parties: Mapping[str, PartyInfo] | None = None) -> Belief:
    """The belief about a fact, from its folded state, the sources that spoke about it (as the log describes them
    at that point: registrations and amendments folded) and the registered parties, whose names labels use."""
    standing = standing_statements(state)
    withdrawn = state.withdrawn
    standing_sources = {r.source for r in standing}
    # A withdrawn decline took no stance, so withdrawing it neither retracts the fact nor reads "withdrawn".
    unsaid_by_source = {r.source: r for r in withdrawn if r.type != "decline" and r.source not in standing_sources}
    unsaid = in_speaker_order(unsaid_by_source.values(), state.first_said)
    status = fact_status(standing, any(r.type != "decline" for r in withdrawn))
    stances = party_stances(state, standing, sources)
    chains = citation_chains(standing)
    return Belief(
        fact=state.fact,
        statement=state.statement,
        status=status,
        label=label(status, standing, unsaid, stances, sources, parties),
        parties=stances,
        sources={r.source: r.stance for r in standing},
        standing=tuple(standing),
        withdrawn=withdrawn,
        updated_seq=state.updated_seq,
        statement_count=len(state.statements),
        voided=state.voided,
        verdict=standing_verdict(state.verdicts),
        chains=chains,
        independent_assertions=independent_assertions(standing, chains),
    )


def belief_fields(belief: Belief) -> dict:
    """The summary that ``status --json`` prints and the projection table stores."""
    return {
        "fact": belief.fact,
        "statement": belief.statement,
        "status": belief.status,
        "label": belief.label,
        "parties": dict(belief.parties),
        "sources": dict(belief.sources),
        "updated_seq": belief.updated_seq,
        "verdict": verdict_fields(belief.verdict),
        **citation_fields(belief),
    }


def citation_fields(belief: Belief) -> dict:
    """What ``status --json`` says of where the standing statements come from (DESIGN "cites"): the number of
    independent assertions, and the origin chain of each standing statement that cites another source."""
    return {"independent_assertions": belief.independent_assertions,
            "chains": {source: list(chain) for source, chain in belief.chains.items() if len(chain) > 1}}


# ClaimReview's scale (DESIGN "Verdicts"): 5 for true down to 1 for false; ``unproven`` has no number.
RATING_VALUES = {"true": 5, "mostly-true": 4, "mixed": 3, "mostly-false": 2, "false": 1}


def verdict_fields(verdict: VerdictRecord | None) -> dict | None:
    """The standing verdict as ``status --json`` prints it and the beliefs table stores it (None: no verdict)."""
    if verdict is None:
        return None
    from ..times import format_time

    return {"rating": verdict.rating, "value": RATING_VALUES.get(verdict.rating), "basis": verdict.basis,
            "at": format_time(verdict.observed_at), "event": verdict.event_id, "seq": verdict.seq}

"""Explaining a belief: the standing statements and the rule behind its status and each party stance."""

from __future__ import annotations

from collections.abc import Mapping

from .citations import origin_of
from .derive import verdict_fields
from .state import VERB_OF_TYPE, Belief, SourceInfo, StatementRecord, VoidRecord

_STATUS_RULES = {
    "disputed": "standing assertions and standing denials",
    "confirmed": "a standing confirmation and no standing denial",
    "claimed": "standing claims, no confirmation and no denial",
    "denied": "standing denials and no standing assertion",
    "retracted": "no standing assertion or denial, and at least one was withdrawn",
    "open": "no standing assertion or denial, and none was withdrawn",
}
_PARTY_RULES = {
    "split": "its official sources both assert and deny",
    "confirmed": "its official sources assert",
    "denied": "its official sources deny",
    "declined": "its official sources only decline",
    "unconfirmed": "no official source of it has a standing statement",
}


def explain(belief: Belief, sources: Mapping[str, SourceInfo]) -> dict:
    """Why the belief is what it is: the standing statements and the rule behind each verdict."""
    def who(record: StatementRecord) -> str:
        return sources[record.source].name

    def voices(party: str) -> list[str]:
        said = [f"{who(r)} {r.stance}" for r in belief.standing if sources[r.source].speaks_for == party]
        # a silent party that once spoke: say what it withdrew, which is what the label reads out
        return said or [f"{who(r)} withdrew a {r.type}" for r in belief.withdrawn
                        if sources[r.source].speaks_for == party]

    party_reasons = {}
    for party, stance in belief.parties.items():
        officials = voices(party)
        reason = _PARTY_RULES[stance] + (f" ({', '.join(officials)})" if officials else "")
        party_reasons[party] = {"stance": stance, "rule": reason}
    by_stance: dict[str, list[str]] = {}
    for record in belief.standing:
        by_stance.setdefault(VERB_OF_TYPE[record.type], []).append(who(record))
    for record in belief.withdrawn if belief.status in ("retracted", "open") else ():  # their rules count these
        by_stance.setdefault(f"withdrawn {record.type}", []).append(who(record))
    evidence = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in by_stance.items())
    return {
        "fact": belief.fact,
        "statement": belief.statement,
        "status": belief.status,
        "rule": _STATUS_RULES[belief.status] + (f" ({evidence})" if evidence else ""),
        "label": belief.label,
        "parties": party_reasons,
        "standing": [_record_fields(r, sources) for r in belief.standing],
        "withdrawn": [_record_fields(r, sources) for r in belief.withdrawn],
        "voided": [_void_fields(v, sources) for v in belief.voided],
        "verdict": verdict_fields(belief.verdict),
        "independent_assertions": belief.independent_assertions,
        "chains": _chain_fields(belief),
    }


def _chain_fields(belief: Belief) -> list[dict]:
    """The origin chain of each standing statement that cites another source (DESIGN "cites")."""
    return [{"source": record.source, "stance": record.stance, "chain": list(chain), "origin": origin_of(chain),
             "cycle": chain.index(chain[-1]) < len(chain) - 1}
            for record in belief.standing if len(chain := belief.chains[record.source]) > 1]


def _record_fields(record: StatementRecord, sources: Mapping[str, SourceInfo]) -> dict:
    source = sources[record.source]
    return {
        "event_id": record.event_id, "seq": record.seq, "type": record.type, "stance": record.stance,
        "source": record.source, "source_name": source.name, "speaks_for": source.speaks_for,
        "observed_at": record.observed_at.isoformat(), "recorded_at": record.recorded_at.isoformat(),
        "quote": record.quote, "url": record.url, "credibility": record.credibility,
        "retracted_by": record.retracted_by, "retract_reason": record.retract_reason, "cites": record.cites,
    }


def _void_fields(void: VoidRecord, sources: Mapping[str, SourceInfo]) -> dict:
    """A statement, retraction or verdict voided as a recording error (``why`` lists them in their own section)."""
    return {
        "event_id": void.event_id, "type": void.type, "source": void.source or None,
        # a verdict is no source's: it has none (and no name)
        "source_name": sources[void.source].name if void.source else "", "voided_by": void.voided_by,
        "void_seq": void.void_seq,
        "reason": void.reason,
    }

"""Stored rows and what they mean: an events row as a wire record or an event, and the projection rows of a
folded fact. Shared by every back end (each stores the same columns)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .. import beliefs as bl
from .. import events as ev
from ..errors import IntegrityError
from ..times import format_time

EVENT_COLUMNS = ("seq", "id", "type", "version", "recorded_at", "observed_at", "recorded_by", "data", "prev_hash",
                 "hash")
_ENVELOPE_NAMES = frozenset(ev.ENVELOPE_FIELDS)


def row_to_wire(row: tuple) -> dict[str, Any]:
    """An events row (``EVENT_COLUMNS``) as the wire record an export writes: stored version and data."""
    seq, event_id, kind, version, recorded_at, observed_at, recorded_by, data, prev_hash, digest = row
    return {
        "seq": seq, "id": event_id, "type": kind, "version": version, "recorded_at": recorded_at,
        "observed_at": observed_at, "recorded_by": recorded_by, "data": json.loads(data),
        "prev_hash": prev_hash, "hash": digest,
    }


def row_to_event(row: tuple) -> ev.Event:
    """A stored event. The usual row (current version, payload free of envelope names) is structured straight
    from its columns; any other goes through ``from_wire``, which upcasts it or words what is wrong with it."""
    seq, event_id, kind, version, recorded_at, observed_at, recorded_by, data, prev_hash, digest = row
    cls = ev.EVENT_CLASSES.get(kind)
    try:
        values = json.loads(data)
    except (ValueError, TypeError):  # only a file changed outside factlog holds such a row
        raise IntegrityError(f"event at seq {seq} cannot be read: its payload is not JSON (the file was changed"
                             " outside factlog)", seq, code="unreadable-event") from None
    if cls is None or version != cls.VERSION or type(values) is not dict or not _ENVELOPE_NAMES.isdisjoint(values):
        return ev.from_wire(row_to_wire(row))
    values.update(id=event_id, recorded_at=recorded_at, observed_at=observed_at, recorded_by=recorded_by, seq=seq,
                  prev_hash=prev_hash, hash=digest)
    return ev.structure(values, cls)


def fact_row(state: bl.FactState) -> tuple:
    """The ``facts`` row of a folded fact: what its ``fact-opened`` event and each amendment after it wrote."""
    occurred_at = format_time(state.occurred_at) if state.occurred_at else None
    return (state.fact, state.statement, json.dumps(list(state.parties)), json.dumps(list(state.tags)), occurred_at,
            state.opened_seq)


def opened_fact_row(event: ev.FactOpened, seq: int) -> tuple:
    """The ``facts`` row a ``fact-opened`` event writes."""
    occurred_at = format_time(event.occurred_at) if event.occurred_at else None
    return (event.fact, event.statement, json.dumps(list(event.parties)), json.dumps(list(event.tags)), occurred_at,
            seq)


def source_row(event: ev.SourceRegistered, seq: int) -> tuple:
    """The ``sources`` row a ``source-registered`` event writes."""
    return (event.source, event.name, event.kind, event.party, event.reliability, event.url, seq)


def source_info_row(info: bl.SourceInfo, seq: int) -> tuple:
    """The ``sources`` row of a source as its registration and amendments leave it (``seq``: its registration)."""
    return (info.id, info.name, info.kind, info.party, info.reliability, info.url, seq)


def party_row(info: bl.PartyInfo, seq: int) -> tuple:
    """The ``parties`` row of a registered party (``seq``: its registration)."""
    return (info.id, info.name, info.kind, seq)


PARTY_KEYS = ("id", "name", "kind", "seq")


def belief_row(belief: bl.Belief) -> tuple:
    """The ``beliefs`` row of a belief (the standing verdict last: JSON text, or NULL)."""
    return (belief.fact, belief.statement, belief.status, belief.label, json.dumps(belief.parties),
            json.dumps(belief.sources), belief.updated_seq, belief.statement_count, len(belief.standing),
            len(belief.withdrawn), verdict_text(belief.verdict), *citation_columns(belief))


def citation_columns(belief: bl.Belief) -> tuple[int, str]:
    """The ``beliefs`` columns of DESIGN "cites" (migration m010): independent assertions, origin chains (JSON)."""
    fields = bl.citation_fields(belief)
    return fields["independent_assertions"], json.dumps(fields["chains"])


def verdict_text(verdict: bl.VerdictRecord | None) -> str | None:
    """The ``verdict`` column of a beliefs row: ``verdict_fields`` as JSON, NULL for a fact without one."""
    fields = bl.verdict_fields(verdict)
    return None if fields is None else json.dumps(fields, ensure_ascii=False)


def stance_rows(belief: bl.Belief) -> list[tuple]:
    """The ``stances`` rows of a belief: each source's standing statement."""
    return [(belief.fact, r.source, r.stance, r.type, r.event_id, format_time(r.observed_at), r.quote, r.url)
            for r in belief.standing]


BELIEF_KEYS = ("fact", "statement", "status", "label", "parties", "sources", "updated_seq", "verdict",
               "independent_assertions", "chains")


def belief_dict(row: tuple) -> dict[str, Any]:
    """A stored ``beliefs`` row (``BELIEF_KEYS``) as ``status --json`` prints it."""
    fact, statement, status, label, parties, sources, updated_seq, verdict, independent, chains = row
    return {"fact": fact, "statement": statement, "status": status, "label": label, "parties": json.loads(parties),
            "sources": json.loads(sources), "updated_seq": updated_seq,
            "verdict": None if verdict is None else json.loads(verdict), "independent_assertions": independent,
            "chains": json.loads(chains)}


SOURCE_KEYS = ("id", "name", "kind", "party", "reliability", "url", "seq")
FACT_KEYS = ("id", "statement", "parties", "tags", "occurred_at", "opened_seq", "status")


def fact_dict(row: tuple) -> dict[str, Any]:
    """A stored ``facts`` row with its status (``FACT_KEYS``)."""
    fact, statement, parties, tags, occurred_at, opened_seq, status = row
    return {"id": fact, "statement": statement, "parties": json.loads(parties), "tags": json.loads(tags),
            "occurred_at": occurred_at, "opened_seq": opened_seq, "status": status or "open"}


def check_columns(seq: int, fields: list, columns: tuple, locate: Callable[[Any], tuple | None]) -> None:
    """The lookup columns (fact, source, target) are not hashed, yet status and rebuild read them: they must agree
    with the hashed payload. A retraction (and a void) takes its fact and source from the statement it targets."""
    try:
        data = json.loads(fields[6])
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise IntegrityError(f"event at seq {seq} holds a payload that is not a JSON object", seq)
    if fields[1] in (b"retract", b"statement-voided"):
        expected = (*(locate(data.get("target")) or (None, None)), data.get("target"))
    elif fields[1] == b"evidence-attached":  # about a statement, not a fact's belief: only its target is looked up
        expected = (None, None, data.get("target"))
    else:
        expected = (data.get("fact"), data.get("source"), None)
    if tuple(columns) != expected:
        raise IntegrityError(f"event at seq {seq} has lookup columns that disagree with its payload", seq)

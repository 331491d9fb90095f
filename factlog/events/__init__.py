"""The events of the log: the event classes, the one cattrs converter, wire records and upcasters. No I/O.

A package by job: ``model`` (the attrs classes and their validators), ``converter`` (structuring, wire records,
error wording), ``upcasting`` (old versions brought to the current one), ``jsontext`` (canonical JSON and strict
parsing), ``ids`` (new event ids). Every public name is importable from here, as ``from factlog import events as
ev`` code expects.
"""

from __future__ import annotations

from typing import Any

from .converter import content_of, from_wire, get_converter, structure, to_wire
from .ids import new_event_id
from .jsontext import canonical_json, strict_json_loads
from .model import (
    CORRECTION_TYPES,
    ENVELOPE_FIELDS,
    EVENT_CLASSES,
    MAX_EVIDENCE_BYTES,
    MAX_ID,
    MAX_ITEMS,
    MAX_NAME,
    MAX_TEXT,
    MAX_URL,
    PARTY_KINDS,
    POSITION_FIELDS,
    RELIABILITY_RATINGS,
    SOURCE_KINDS,
    STATEMENT_TYPES,
    Claim,
    Confirm,
    Decline,
    Deny,
    Event,
    EvidenceAttached,
    FactAmended,
    FactOpened,
    FactReworded,
    PartyAmended,
    PartyRegistered,
    Retract,
    SettingChanged,
    SourceAmended,
    SourceRegistered,
    Statement,
    StatementVoided,
    data_fields,
    normalize_slug,
)
from .model import VERDICT_RATINGS, VerdictGiven
from .upcasting import UPCASTERS, upcast


def __getattr__(name: str) -> Any:
    if name == "converter":  # ``events.converter``: built on first use, so that importing events stays cheap
        return get_converter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CORRECTION_TYPES", "ENVELOPE_FIELDS", "EVENT_CLASSES", "MAX_ID", "MAX_ITEMS", "MAX_NAME", "MAX_TEXT", "MAX_URL",
    "PARTY_KINDS", "POSITION_FIELDS", "RELIABILITY_RATINGS", "SOURCE_KINDS", "STATEMENT_TYPES", "UPCASTERS",
    "Claim", "Confirm", "Decline", "Deny", "Event", "FactAmended", "FactOpened", "FactReworded", "PartyAmended",
    "PartyRegistered", "Retract", "SettingChanged", "SourceAmended", "SourceRegistered", "Statement", "StatementVoided",
    "canonical_json", "content_of", "data_fields", "from_wire", "get_converter", "new_event_id", "normalize_slug",
    "strict_json_loads", "structure", "to_wire", "upcast",
]
__all__ += ["EvidenceAttached", "MAX_EVIDENCE_BYTES"]
__all__ += ["VERDICT_RATINGS", "VerdictGiven"]

"""Belief projections: pure folds from events to what is believed about each fact, and by whom.

No I/O here: the store feeds events in and writes the results out. The rules are DESIGN.md's "Belief state";
where a choice had to be made it is written beside the code and in the README. A package by job: ``state``
(what the fold works on), ``fold`` (one fact: state + event -> state), ``derive`` (status, stances, label),
``log_fold`` (a whole log, who is who, valid time, changes), ``chronology`` (a fact's story in valid time),
``explain`` (why a belief is what it is). Every public name is
importable from here, as ``from factlog import beliefs as bl`` code expects.
"""

from __future__ import annotations

from .chronology import chronology
from .citations import citation_chains, independent_assertions, origin_chain, origin_of
from .derive import (
    belief_fields,
    citation_fields,
    derive,
    fact_status,
    label,
    party_stances,
    stance_of_party,
    standing_statements,
)
from .derive import RATING_VALUES, verdict_fields
from .explain import explain
from .fold import (
    apply,
    fold_amended,
    fold_fact,
    fold_opened,
    fold_retraction,
    fold_reworded,
    fold_statement,
    fold_statements,
    fold_verdict,
    fold_void,
)
from .log_fold import Change, LogState, changes, fold_log, fold_who, in_valid_time, unvoided, who_is_who
from .state import (
    PARTY_STANCES,
    STANCE_OF_TYPE,
    STATUSES,
    VERB_OF_TYPE,
    Belief,
    FactState,
    PartyInfo,
    SourceInfo,
    StatementRecord,
    VerdictRecord,
    VoidRecord,
    display_name,
    in_speaker_order,
    party_name,
    standing_verdict,
)

__all__ = [
    "PARTY_STANCES", "STANCE_OF_TYPE", "STATUSES", "VERB_OF_TYPE",
    "Belief", "Change", "FactState", "LogState", "PartyInfo", "SourceInfo", "StatementRecord", "VoidRecord",
    "apply", "belief_fields", "changes", "citation_chains", "citation_fields", "independent_assertions",
    "origin_chain", "origin_of", "chronology", "derive", "display_name", "explain", "fact_status",
    "fold_amended", "fold_fact", "fold_log", "fold_opened", "fold_retraction", "fold_reworded", "fold_statement",
    "fold_statements", "fold_void", "fold_who", "in_speaker_order", "in_valid_time", "label", "party_name",
    "party_stances", "stance_of_party", "standing_statements", "unvoided", "who_is_who",
]
from .track import track_records

__all__ += ["RATING_VALUES", "VerdictRecord", "fold_verdict", "standing_verdict", "track_records", "verdict_fields"]

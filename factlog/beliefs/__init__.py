"""Belief projections: pure folds from events to what is believed about each fact, and by whom.

No I/O here: the store feeds events in and writes the results out. The rules are DESIGN.md's "Belief state";
where a choice had to be made it is written beside the code and in the README. A package by job: ``state``
(what the fold works on), ``fold`` (one fact: state + event -> state), ``derive`` (status, stances, label),
``log_fold`` (a whole log, valid time, changes), ``explain`` (why a belief is what it is). Every public name is
importable from here, as ``from factlog import beliefs as bl`` code expects.
"""

from __future__ import annotations

from .derive import belief_fields, derive, fact_status, label, party_stances, stance_of_party, standing_statements
from .explain import explain
from .fold import (
    apply,
    fold_fact,
    fold_opened,
    fold_retraction,
    fold_reworded,
    fold_statement,
    fold_statements,
)
from .log_fold import Change, LogState, changes, fold_log, in_valid_time
from .state import (
    PARTY_STANCES,
    STANCE_OF_TYPE,
    STATUSES,
    VERB_OF_TYPE,
    Belief,
    FactState,
    SourceInfo,
    StatementRecord,
    in_speaker_order,
    party_name,
)

__all__ = [
    "PARTY_STANCES", "STANCE_OF_TYPE", "STATUSES", "VERB_OF_TYPE",
    "Belief", "Change", "FactState", "LogState", "SourceInfo", "StatementRecord",
    "apply", "belief_fields", "changes", "derive", "explain", "fact_status", "fold_fact", "fold_log", "fold_opened",
    "fold_retraction", "fold_reworded", "fold_statement", "fold_statements", "in_speaker_order", "in_valid_time",
    "label", "party_name", "party_stances", "stance_of_party", "standing_statements",
]

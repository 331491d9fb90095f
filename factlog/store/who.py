"""Who is who, from the events: sources and parties as their registrations and amendments leave them, and what
an amendment changes in the projections of an append (shared by every back end)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import beliefs as bl
from .. import events as ev
from .rows import party_row, row_to_event, source_info_row

if TYPE_CHECKING:
    from .base import LogStore
    from .projector import Projector

WHO_IS_WHO = (ev.SourceRegistered, ev.SourceAmended, ev.PartyRegistered, ev.PartyAmended)


def fold_sources(rows: Iterable[tuple]) -> dict[str, tuple[bl.SourceInfo, int]]:
    """Sources from their registration and amendment rows (in seq order), each with its registration's seq."""
    infos: dict[str, tuple[bl.SourceInfo, int]] = {}
    for row in rows:
        event = row_to_event(row)
        if isinstance(event, ev.SourceRegistered):
            infos[event.source] = (bl.SourceInfo.from_event(event), event.seq or 0)
        elif isinstance(event, ev.SourceAmended) and event.source in infos:
            info, seq = infos[event.source]
            infos[event.source] = (info.amended(event), seq)
    return infos


def fold_parties(rows: Iterable[tuple]) -> dict[str, tuple[bl.PartyInfo, int]]:
    """Parties from their registration and amendment rows (in seq order), each with its registration's seq."""
    parties: dict[str, tuple[bl.PartyInfo, int]] = {}
    for row in rows:
        event = row_to_event(row)
        if isinstance(event, ev.PartyRegistered):
            parties[event.party] = (bl.PartyInfo.from_event(event), event.seq or 0)
        elif isinstance(event, ev.PartyAmended) and event.party in parties:
            info, seq = parties[event.party]
            parties[event.party] = (info.amended(event), seq)
    return parties


def project_who(store: LogStore, event: ev.Event, seq: int, projector: Projector) -> None:
    """A source or party registered or amended: its projection row, and the beliefs of every fact whose
    party stances or label it may change are derived again in this transaction (live equals a rebuild)."""
    if isinstance(event, ev.SourceRegistered):
        store._source_infos[event.source] = bl.SourceInfo.from_event(event)
        return
    store._who_change = seq  # what ``last_who_change`` will say: the maps below hold this change
    if isinstance(event, ev.SourceAmended):
        info = store.source_now(event.source)
        if info is None:
            return
        info = info.amended(event)
        store._source_infos[event.source] = info
        registered = next(iter(store.registration_rows([event.source])))[0]
        store.replace_rows("sources", [source_info_row(info, registered)])
        touched = store.facts_spoken_by(event.source)
    else:
        parties = store.party_infos()
        if isinstance(event, ev.PartyRegistered):
            parties[event.party] = bl.PartyInfo.from_event(event)
            store.replace_rows("parties", [party_row(parties[event.party], seq)])
        else:
            assert isinstance(event, ev.PartyAmended)
            parties[event.party] = parties[event.party].amended(event)
            store.replace_rows("parties", [party_row(parties[event.party], store.party_rows_folded()[event.party][1])])
        # a label names a party it holds a stance of: the stored beliefs say which facts do (those folded
        # in this transaction and not written yet are derived with the new name anyway)
        touched = [row["fact"] for row in store.belief_rows() if event.party in row["parties"]]
    for fact in touched:
        projector.touch(fact, seq)

"""What ``verify`` checks beyond the hash chain, on every back end: every event decodes and is one factlog would
append at its place in the log (the append's own domain checks, replayed), and the projection tables equal a
fresh fold of the events."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .. import beliefs as bl
from .. import events as ev
from ..clock import NOW
from ..errors import FactlogError, IntegrityError
from . import checks
from .chain import ChainRow, MovedEvent, verify_chain
from .rows import (
    belief_row, check_columns, fact_row, party_row, row_to_event, source_info_row, stance_rows,
)

if TYPE_CHECKING:
    from .base import LogStore


class _LogSoFar:
    """The checks' questions, answered for the log up to the event being checked (``checks.Lookups``)."""

    def __init__(self, store: LogStore):
        self.store = store
        self.registered: set[tuple[str, str]] = set()
        self.targets: dict[str, list[tuple[str, str]]] = {}  # event id -> (id, type) of what targets it
        self.seq = 0

    def known(self, table: str, key: str) -> bool:
        return (table, key) in self.registered

    def statement_of(self, event_id: str) -> tuple[str, str | None, str | None, str] | None:
        stored = self.store.content_by_id(event_id)
        if stored is None or stored[0] >= self.seq:
            return None
        return self.store.statement_of(event_id)

    def targeting(self, event_id: str) -> list[tuple[str, str]]:
        return self.targets.get(event_id, [])

    def registration(self, event_type: str, slug: str) -> ev.Event | None:
        return self.store.registration(event_type, slug)

    def add(self, event: ev.Event) -> None:
        if isinstance(event, ev.SourceRegistered):
            self.registered.add(("sources", event.source))
        elif isinstance(event, ev.FactOpened):
            self.registered.add(("facts", event.fact))
        elif isinstance(event, ev.PartyRegistered):
            self.registered.add(("parties", event.party))
        elif isinstance(event, (ev.Retract, ev.StatementVoided)):
            self.targets.setdefault(event.target, []).append((event.id, event.TYPE))


def check_events(store: LogStore) -> None:
    """Every event decodes and passes the append's checks against the log before it; IntegrityError names the
    first that does not."""
    for _ in fitting_events(store, store.counted(store.event_rows())):
        pass


def fitting_events(store: LogStore, rows: Iterable[tuple]) -> Iterator[ev.Event]:
    """The events of ``rows`` (the log from its start, in seq order), each checked as ``check_events`` does."""
    so_far = _LogSoFar(store)
    for row in rows:
        seq = row[0]
        so_far.seq = seq
        try:
            event = row_to_event(row)
            # as a merge checks it: any event may have come from another analyst's log (a second retraction of
            # a shared statement is how two logs that both recorded the withdrawal merge)
            checks.locate(event, so_far, merge=True)
        except IntegrityError:
            raise
        except FactlogError as exc:
            raise IntegrityError(f"event at seq {seq} is not one factlog would append: {exc}", seq,
                                 code="unreadable-event") from None
        so_far.add(event)
        yield event


def check_projections(store: LogStore) -> None:
    """The projection tables equal a fresh fold of the events, else IntegrityError (code "stale-projections")."""
    expected = fresh_projection_rows(store)
    stored = store.projection_rows()
    for table, rows in expected.items():
        if _normalised(stored.get(table, [])) != _normalised(rows):
            raise IntegrityError(f"the {table} table differs from a fresh fold of the log (it was changed outside"
                                 " factlog, or by an older version)", code="stale-projections")


def fresh_projection_rows(store: LogStore) -> dict[str, list[tuple]]:
    """The rows a rebuild would write, by table, computed from the events alone."""
    folded = store.source_rows_folded()
    sources = {source: info for source, (info, _) in folded.items()}
    party_rows_folded = store.party_rows_folded()
    parties = {party: info for party, (info, _) in party_rows_folded.items()}
    facts, beliefs, stances = [], [], []
    for state in store.fact_states(NOW):
        require_sources(state, sources)
        belief = bl.derive(state, sources, parties)
        facts.append(fact_row(state))
        beliefs.append(belief_row(belief))
        stances.extend(stance_rows(belief))
    source_rows = [source_info_row(info, seq) for info, seq in folded.values()]
    last = store.last()[0]
    return {"sources": source_rows, "facts": facts, "beliefs": beliefs, "stances": stances,
            "projection_state": [("beliefs", last)] if last else [],
            "parties": [party_row(info, seq) for info, seq in party_rows_folded.values()]}


def registered_sources(store: LogStore) -> dict[str, bl.SourceInfo]:
    """Every source as its registration and amendment events say, not as the sources table says."""
    return store.source_map()


def require_sources(state: bl.FactState, sources: dict[str, bl.SourceInfo] | Any) -> None:
    """Every statement of the fact is by a registered source: a row another program appended may not be."""
    for record in state.statements:
        if record.source not in sources:
            raise IntegrityError(f"event at seq {record.seq} is by source {record.source!r}, which is not registered"
                                 " (the file was changed outside factlog)", record.seq, code="unreadable-event")


def require_speakers(events: Iterable[ev.Event], sources: dict[str, bl.SourceInfo]) -> None:
    """Every statement among ``events`` is by a registered source."""
    for event in events:
        if isinstance(event, ev.Statement) and event.source not in sources:
            raise IntegrityError(f"event at seq {event.seq} is by source {event.source!r}, which is not registered"
                                 " (the file was changed outside factlog)", event.seq, code="unreadable-event")


def _normalised(rows: Iterable[tuple]) -> list[tuple]:
    return sorted((tuple(row) for row in rows), key=repr)


def verify(store: LogStore, head: str | None = None) -> tuple[int, str]:
    """Recompute the hash chain; raise IntegrityError naming the first bad ``seq``. Returns the head."""
    columns: dict[int, tuple] = {}

    def rows() -> Iterator[ChainRow]:
        for chain_row, lookup in store.counted(store.chain_rows()):
            columns[chain_row[0]] = lookup
            yield chain_row

    def check_row(seq: int, fields: list) -> None:
        lookup = tuple(None if raw is None else raw.decode("utf-8", "surrogateescape")
                       for raw in columns.pop(seq))  # bytes changed on disk must not stop verify
        check_columns(seq, fields, lookup, lambda event_id: _fact_and_source(store, event_id))

    with store.snapshot():
        try:
            result = verify_chain(rows(), head, check_row)
        except MovedEvent as moved:
            home = store.position_after(moved.prev_hash)
            raise IntegrityError(f"the event that belongs at seq {home} was moved to seq {moved.seq}",
                                 home) from None
        store.check_guards()
        check_events(store)
        check_projections(store)
        from .evidence import verify_files

        verify_files(store)  # every stored evidence file re-hashed, every attached one present
    return result


def _fact_and_source(store: LogStore, event_id: Any) -> tuple | None:
    found = store.statement_of(event_id) if isinstance(event_id, str) else None
    return None if found is None else (found[1], found[2])

"""The Python API: ``factlog.open_log(path)`` gives a ``Log`` with the same verbs as the command line.

The CLI calls exactly these methods, so a notebook or a script can do everything the CLI does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Union

from . import beliefs as bl
from . import events as ev
from .errors import FactlogError, InvalidInput, LogWarning
from .clock import NOW, Clock
from .belief_views import BeliefViews
from .filters import EventFilter
from .store import LogStore, Pending, database_failure, local_warning, open_store  # noqa: F401 (the CLI's door)
from .times import now, parse_user_time
from .typed_ids import slug

DEFAULT_DB = "factlog.db"

TimeLike = Union[dt.datetime, str, None]  # a time given by a user: aware datetime, or text to parse


def default_path() -> str:
    """``$FACTLOG_DB``, else ``./factlog.db``."""
    return os.environ.get("FACTLOG_DB") or DEFAULT_DB


def current_user() -> str:
    """Who records: ``$FACTLOG_USER``, else the login name."""
    user = os.environ.get("FACTLOG_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers; the log still needs a recorder
        return "unknown"


def open_log(path: str | os.PathLike | None = None, *, create: bool = True, user: str | None = None,
             tz: str | None = None, read_only: bool = False) -> Log:
    """Open (and by default create) the log at ``path``.

    ``tz`` names the zone for times given without an offset; without it such times are refused. ``read_only``
    opens an existing log without migrating, locking or writing it (reads only).
    """
    path = os.fspath(path) if path is not None else default_path()
    log = Log(open_store(path, create=create, read_only=read_only), user, tz)
    warning = local_warning(path)
    if warning:
        warnings.warn(LogWarning(warning), stacklevel=2)
    return log


class Log(BeliefViews):
    """An open fact log: record sources, facts and statements; ask what is believed."""

    def __init__(self, store: LogStore, user: str | None = None, tz: str | None = None):
        self.store = store
        # a team log records as the role the server authenticated, which its triggers insist on
        self.user = store.recorder() or user or current_user()
        self.tz = tz

    def __enter__(self) -> Log:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    @property
    def location(self) -> str:
        """Where the log is: the file path or the server URL it was opened with."""
        return self.store.location

    def count(self) -> int:
        """How many events the log holds."""
        return self.store.count()

    # --- recording --------------------------------------------------------------------------------------

    def add_source(self, source: str, name: str, kind: str = "other", party: str | None = None,
                   reliability: str | None = None, url: str | None = None, at: TimeLike = None) -> ev.Event:
        """Register who speaks. ``kind`` official makes the source speak for its ``party``."""
        return self._record(ev.SourceRegistered, at, source=slug(source), name=name, kind=kind,
                            party=slug(party), reliability=reliability.upper() if reliability else None, url=url)

    def open_fact(self, fact: str, statement: str, parties: Sequence[str] = (), tags: Sequence[str] = (),
                  occurred_at: TimeLike = None, at: TimeLike = None) -> ev.Event:
        """Open a fact to track; ``parties`` are tracked even while they are silent."""
        return self._record(ev.FactOpened, at, fact=slug(fact), statement=statement,
                            parties=[slug(p) for p in parties], tags=[slug(t) for t in tags],
                            occurred_at=self.time(occurred_at))

    def reword_fact(self, fact: str, statement: str, reason: str | None = None, at: TimeLike = None) -> ev.Event:
        """Amend a fact's statement; its statements and history stay."""
        return self._record(ev.FactReworded, at, fact=slug(fact), statement=statement, reason=reason)

    def state(self, kind: str, fact: str, source: str, quote: str | None = None, url: str | None = None,
              at: TimeLike = None, credibility: int | None = None, note: str | None = None,
              cites: str | None = None) -> ev.Event:
        """Record a statement of ``kind`` (claim, confirm, deny, decline) by ``source`` about ``fact``;
        ``cites``: the registered source it attributes its words to."""
        if kind not in ev.STATEMENT_TYPES:
            raise InvalidInput(f"unknown statement kind {kind!r}; use one of {', '.join(ev.STATEMENT_TYPES)}")
        return self._record(ev.EVENT_CLASSES[kind], at, fact=slug(fact), source=slug(source), quote=quote,
                            url=url, credibility=credibility, note=note, cites=slug(cites))

    def claim(self, fact: str, source: str, **details: Any) -> ev.Event:
        return self.state("claim", fact, source, **details)

    def confirm(self, fact: str, source: str, **details: Any) -> ev.Event:
        return self.state("confirm", fact, source, **details)

    def deny(self, fact: str, source: str, **details: Any) -> ev.Event:
        return self.state("deny", fact, source, **details)

    def decline(self, fact: str, source: str, **details: Any) -> ev.Event:
        return self.state("decline", fact, source, **details)

    def retract(self, event: str | int, reason: str | None = None, at: TimeLike = None) -> ev.Event:
        """Withdraw one earlier statement, named as ``resolve_event`` reads it."""
        return self._record(ev.Retract, at, target=self.resolve_event(event), reason=reason)

    def resolve_event(self, event: str | int) -> str:
        """The id of the event ``event`` names: its seq in this log (an int, or a bare number as text), its full
        id, or a unique prefix of at least 8 characters of it. An exact id wins; an ambiguous reference is an
        error listing the candidates with their seq."""
        return self.store.resolve_event(event)

    # --- corrections, amendments and parties (DESIGN "Corrections, amendments and parties") ---------------

    def void(self, event_id: str, reason: str) -> ev.Event:
        """Void a statement or retraction recorded in error (wrong source, fact or time): from now on it counts
        nowhere. Not for a source that withdrew what it said: that is ``retract``."""
        return self._record(ev.StatementVoided, None, target=self.store.full_event_id(event_id.strip()),
                            reason=reason)

    def give_verdict(self, fact: str, rating: str, basis: str, at: TimeLike = None) -> ev.Event:
        """The analyst's verdict on a fact (``rating``: one of ``events.VERDICT_RATINGS``), given at ``at`` (valid
        time; default now). The latest verdict that is not voided counts; it never changes status or label."""
        rating = rating.strip().lower()
        if rating not in ev.VERDICT_RATINGS:
            raise InvalidInput(f"rating {rating!r} is not one of {', '.join(ev.VERDICT_RATINGS)}")
        return self._record(ev.VerdictGiven, at, fact=slug(fact), rating=rating, basis=basis)

    def amend_fact(self, fact: str, statement: str | None = None, add_parties: Sequence[str] = (),
                   remove_parties: Sequence[str] = (), add_tags: Sequence[str] = (), remove_tags: Sequence[str] = (),
                   occurred_at: TimeLike = None) -> ev.Event:
        """Change what the log says of a fact: its statement, parties, tags or the time it happened."""
        return self._record(ev.FactAmended, None, fact=slug(fact), statement=statement,
                            add_parties=[slug(p) for p in add_parties], remove_parties=[slug(p) for p in remove_parties],
                            add_tags=[slug(t) for t in add_tags], remove_tags=[slug(t) for t in remove_tags],
                            occurred_at=self.time(occurred_at))

    def amend_source(self, source: str, name: str | None = None, kind: str | None = None, party: str | None = None,
                     no_party: bool = False, reliability: str | None = None, url: str | None = None) -> ev.Event:
        """Correct what the log says of a source; every fact it spoke on is derived again."""
        return self._record(ev.SourceAmended, None, source=slug(source), name=name, kind=kind, party=slug(party),
                            no_party=no_party or None, reliability=reliability.upper() if reliability else None,
                            url=url)

    def add_party(self, party: str, name: str, kind: str = "other") -> ev.Event:
        """Register a party's display name ("NATO"), which labels use instead of the slug in title case."""
        return self._record(ev.PartyRegistered, None, party=slug(party), name=name, kind=kind)

    def amend_party(self, party: str, name: str | None = None, kind: str | None = None) -> ev.Event:
        """Correct a registered party's name or kind."""
        return self._record(ev.PartyAmended, None, party=slug(party), name=name, kind=kind)

    def parties(self, clock: Clock = NOW) -> list[dict]:
        """The registered parties, as ``party list --json`` prints them."""
        folded = self.store.party_rows_folded(clock)
        return [{"id": party, "name": info.name, "kind": info.kind, "seq": seq}
                for party, (info, seq) in sorted(folded.items())]

    def party_map(self, clock: Clock = NOW) -> dict[str, bl.PartyInfo]:
        """The registered parties by slug, in the view of transaction time ``clock`` names."""
        return self.store.party_map(clock)

    def party_name(self, party: str, parties: dict[str, bl.PartyInfo] | None = None) -> str:
        """How labels name ``party``: its registered name, else its slug in title case."""
        return bl.display_name(party, self.party_map() if parties is None else parties)

    def set_setting(self, key: str, value: str | None) -> ev.Event:
        """Set a setting of the log (``value`` None unsets it): an event, so it travels with the log."""
        from .events.settings import check, rating_fact

        try:
            check(key.strip(), value)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        fact = rating_fact(key.strip())
        if fact is not None and value is not None:
            raise InvalidInput(f"a rating is a verdict now, with its basis: 'factlog verdict {fact} {value} --basis"
                               " TEXT' (ClaimReview reads the verdict)")
        return self._record(ev.SettingChanged, None, key=key.strip(), value=value)

    # --- evidence files (DESIGN "Verdicts, provenance, track records and evidence") ------------------------

    def attach_evidence(self, event: str | int, path: str | os.PathLike, note: str | None = None) -> ev.Event:
        """Attach the file at ``path`` to the statement ``event`` names (as ``resolve_event`` reads it): its bytes
        go into the log by their SHA-256 (once, however often attached), hashed as they stream, in the transaction
        that appends the ``evidence-attached`` event. Files above ``MAX_EVIDENCE_BYTES`` are refused."""
        from .evidence_files import attach_pending

        target = self.resolve_event(event)
        flat = {"id": ev.new_event_id(), "recorded_at": now(), "recorded_by": self.user, "target": target,
                "note": note}
        with attach_pending(os.fspath(path), flat) as pending:
            return self.store.append_many([pending])[0][0]

    def evidence(self, event: str | int | None = None, clock: Clock = NOW) -> list[dict]:
        """The evidence attached (to the statement ``event`` names, or to any), as ``evidence list --json`` prints
        it, in log order."""
        from .evidence_files import evidence_dict

        if event is None:
            found: Iterable[ev.Event] = self.store.events(type=ev.EvidenceAttached.TYPE, clock=clock)
        else:
            target = self.resolve_event(event)
            ids = [other for other, kind in self.store.targeting(target) if kind == ev.EvidenceAttached.TYPE]
            found = (self.store.event(other) for other in ids)
            found = [e for e in found if clock.at_seq is None or (e.seq or 0) <= clock.at_seq]
        return [evidence_dict(e, self.store) for e in found if isinstance(e, ev.EvidenceAttached)]

    def resolve_file(self, given: str) -> str:
        """The SHA-256 of the stored evidence file ``given`` names: the full hash or a unique prefix (8+ digits)."""
        from .store.evidence import resolve

        return resolve(self.store, given)

    def file_size(self, sha256: str) -> int | None:
        """The size of stored evidence file ``sha256``, or None if the log lacks it."""
        return self.store.file_size(sha256)

    def file_chunks(self, sha256: str) -> Iterator[bytes]:
        """The stored bytes of evidence file ``sha256``, one chunk at a time (memory: one chunk)."""
        from .store.evidence import read_file

        return read_file(self.store, sha256)

    def append_records(self, records: Iterable[dict]) -> list[tuple[ev.Event, bool]]:
        """Append wire records (e.g. another log's export) in one transaction; known ids are skipped, and so are
        registrations of slugs the log has with the same data (see ``import_records``)."""
        return self.store.append_many((Pending.from_wire(record) for record in records), merge=True)

    def import_records(self, numbered: Iterable[tuple[int, dict]],
                       each: Callable[[ev.Event, bool], None] | None = None) -> tuple[int, int]:
        """Merge another log's wire records, numbered by line, all or nothing; returns (new, already known).

        Events keep their content (id, type, version, times, recorder, data) and get this log's seq and hashes.
        A record that carries its hash must match it (an export altered after it was written is refused).
        A registration of a source or fact id the log already has is known when its data are the same (the
        records that name it attach to this log's) and refused when they differ, naming each field.
        An error names the line and the event, and leaves the log as it was.
        """
        counts = [0, 0]
        where = {"line": 0, "id": None}

        from .evidence_files import FileRecords, is_file_record

        files = FileRecords()  # evidence files carried by the export, for the events that name them

        def pendings() -> Iterator[Pending]:
            for line, record in numbered:
                where.update(line=line, id=record.get("id"))
                if is_file_record(record):
                    files.take(line, record)
                    continue
                try:
                    yield files.attach(Pending.from_wire(record, check_hash=True))
                except InvalidInput as exc:
                    raise InvalidInput(f"line {line}: {exc}") from None

        def placed(event: ev.Event, new: bool) -> None:
            counts[0 if new else 1] += 1
            if each is not None:
                each(event, new)

        try:
            self.store.append_each(pendings(), placed, merge=True)
        except FactlogError as exc:
            if str(exc).startswith("line "):
                raise
            about = "" if str(where["id"]) in str(exc) else f"event {where['id']}: "
            raise type(exc)(f"line {where['line']}: {about}{exc}") from None
        finally:
            files.close()
        return counts[0], counts[1]

    def push(self, other: str | os.PathLike | Log, each: Callable[[ev.Event, bool], None] | None = None,
             seen: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """Copy the events ``other`` (a log, or where one is: a file or a server URL, created if missing) lacks
        from this log, in order, merging as ``import`` does, all or nothing; returns (new, already there).
        ``each(event, new)`` is called for each event that went through the append (each new one among them),
        ``seen(done, total)`` as this log's events are read (for a progress bar)."""
        from .sync import copy_missing, opened

        with opened(other, self, receiving=True) as target:
            return copy_missing(self, target, each, seen)

    def pull(self, other: str | os.PathLike | Log, each: Callable[[ev.Event, bool], None] | None = None,
             seen: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """Copy the events this log lacks from ``other`` (a log, or where one is: it must exist; nothing is
        appended to it), in order, merging as ``import`` does, all or nothing; returns (new, already in this log)."""
        from .sync import copy_missing, opened

        with opened(other, self, receiving=False) as origin:
            return copy_missing(origin, self, each, seen)

    def _record(self, cls: type[ev.Event], at: TimeLike, **data: Any) -> ev.Event:
        recorded_at = now()
        observed_at = self.time(at) or recorded_at
        flat = {"id": ev.new_event_id(), "recorded_at": recorded_at, "observed_at": observed_at,
                "recorded_by": self.user}
        flat.update({key: value for key, value in data.items() if value is not None})
        return self.store.append(ev.structure(flat, cls))

    def time(self, value: TimeLike) -> dt.datetime | None:
        """A user's time: aware datetimes pass, strings are parsed (naive ones only with ``tz``)."""
        if value is None or isinstance(value, dt.datetime):
            if isinstance(value, dt.datetime) and value.utcoffset() is None:
                if not self.tz:
                    raise InvalidInput("time has no UTC offset; give one or a time zone")
                from .times import zone

                value = value.replace(tzinfo=zone(self.tz))
            return value
        return parse_user_time(value, self.tz)

    # --- reading ---------------------------------------------------------------------------------------------

    def events(self, fact: str | None = None, source: str | None = None, type: str | None = None,
               limit: int | None = None, clock: Clock = NOW, where: EventFilter | None = None) -> Iterator[ev.Event]:
        """The events of the log in order, filtered (``where``: see ``Log.where``)."""
        _known_type(type)
        return self.store.events(fact=slug(fact), source=slug(source), type=type, limit=limit, clock=clock,
                                 where=where)

    def records(self, fact: str | None = None, source: str | None = None, type: str | None = None,
                limit: int | None = None, clock: Clock = NOW, newest_first: bool = False,
                where: EventFilter | None = None) -> Iterator[dict]:
        """The events as wire records (stored version and data, lossless), filtered: what ``log --json`` and the
        ``events`` view give."""
        _known_type(type)
        return self.store.wire_records(fact=slug(fact), source=slug(source), type=type, limit=limit, clock=clock,
                                       newest_first=newest_first, where=where)

    def event_rows(self, clock: Clock = NOW, where: EventFilter | None = None) -> Iterator[tuple]:
        """The events as their stored columns (``columns("events")`` order, ``data`` the stored JSON text), for
        an exporter that writes each line straight from them."""
        return self.store.event_rows(clock=clock, where=where)

    def where(self, tag: str | None = None, party: str | None = None, source: str | None = None,
              type: str | None = None, since: TimeLike = None, until: TimeLike = None) -> EventFilter:
        """A filter for ``events``, ``records``, ``status``, ``beliefs`` and exports (``factlog.filters`` says
        what each condition keeps): ``since``/``until`` bound the said-at time, ends included."""
        _known_type(type)
        start, end = self.time(since), self.time(until)
        if start is not None and end is not None and start > end:
            raise InvalidInput("--since is later than --until: no event can be said in between")
        return EventFilter(slug(tag), slug(party), slug(source), type, start, end)

    def recorded_at(self, seq: int) -> str | None:
        """When the event at ``seq`` was recorded (stored text)."""
        for record in self.store.wire_records(clock=Clock(at_seq=seq), newest_first=True, limit=1):
            return record["recorded_at"]
        return None

    def sources(self) -> Iterator[dict]:
        """The registered sources, as ``source list --json`` prints them."""
        return self.store.sources()

    def facts(self) -> Iterator[dict]:
        """The opened facts with their status, as ``fact list --json`` prints them."""
        return self.store.facts()

    def ids(self, kind: str) -> list[str]:
        """The ids of every source (``kind`` "sources") or fact ("facts")."""
        return self.store.ids(kind)

    def search(self, text: str, limit: int | None = 20, marks: tuple[str, str] = ("**", "**"),
               as_written: bool = True) -> Iterator[dict]:
        """The best matches of ``text`` over statements, quotes, notes and reasons, best first: the words as
        written (punctuation included), or without ``as_written`` a query in the back end's full-text syntax."""
        return self.store.search(text, limit, marks, as_written)

    def files(self) -> list[str]:
        """The files the log consists of on this machine (none for a log on a server)."""
        return self.store.files()

    def clock(self, as_of: TimeLike = None, at_seq: int | None = None, valid_at: TimeLike = None) -> Clock:
        if at_seq is not None and at_seq < 0:
            raise InvalidInput("--at-seq must be 0 or more")
        return Clock(self.time(as_of), at_seq, self.time(valid_at))

    def settings(self, clock: Clock = NOW) -> dict[str, str]:
        """The log's settings (key: latest value) in the view of transaction time ``clock`` names."""
        return {key: event.value for key, event in self.setting_events(clock).items() if event.value is not None}

    def setting_events(self, clock: Clock = NOW) -> dict[str, ev.SettingChanged]:
        """Each setting that has a value, with the event that gave it (for its time), by key."""
        from .events.settings import fold

        return fold(self.store.events(type="setting-changed", clock=Clock(clock.as_of, clock.at_seq)))

    def source_map(self, clock: Clock = NOW) -> dict[str, bl.SourceInfo]:
        """The sources as their registrations and amendments say, in the view of transaction time ``clock``."""
        return self.store.source_map(clock)

    def verify(self, head: str | None = None, progress: Callable[[int], None] | None = None) -> tuple[int, str]:
        """Recompute the hash chain (and check an anchored head); returns (events, head hash). ``progress`` is
        told of the events read: verify reads the log three times (chain, events, projections)."""
        with self._reporting(progress, passes=3):
            return self.store.verify(head)

    def head(self) -> tuple[int, str]:
        return self.store.head()

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop and replay the projections; returns the number of facts. ``progress`` is told of the events
        folded."""
        with self._reporting(progress):
            return self.store.rebuild()

    @contextlib.contextmanager
    def _reporting(self, progress: Callable[[int], None] | None, passes: int = 1) -> Iterator[None]:
        """Pass ``progress`` to the store for the work inside; at the end it is told of the events no pass
        counted (a fold reads only the events of facts), so it reaches ``passes`` times the log's length."""
        if progress is None:
            yield
            return
        expected, told = passes * self.count(), [0]

        def tell(amount: int) -> None:
            told[0] += amount
            progress(amount)

        self.store.progress = tell
        try:
            yield
        finally:
            self.store.progress = None
        if expected > told[0]:
            progress(expected - told[0])

    def analyst_grants(self, role: str, apply: bool = False) -> list[str]:
        """A team log's grants for an analyst's database role: read, append events, write projections; never
        change or remove an event. Returns the SQL; ``apply`` also grants them (the log's owner can)."""
        return self.store.analyst_grants(role, apply)


def _known_type(type: str | None) -> None:
    if type is not None and type not in ev.EVENT_CLASSES:
        raise InvalidInput(f"unknown event type {type!r}; known: {', '.join(ev.EVENT_CLASSES)}")

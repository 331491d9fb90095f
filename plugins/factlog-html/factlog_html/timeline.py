"""A fact's timeline along valid time (when sources said things): its statements, and its status over time.

Pure: events in, marks and status segments out. ``render`` draws them as inline SVG.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from attrs import frozen

from factlog import events as ev
from factlog.beliefs import STANCE_OF_TYPE, LogState, PartyInfo, SourceInfo, display_name

StatusKey = tuple[dt.datetime, int]


@frozen
class Mark:
    """One statement on the timeline, and when (in valid time) it was withdrawn, if it was."""

    event_id: str
    type: str
    source: str
    at: dt.datetime
    quote: str | None = None
    withdrawn_at: dt.datetime | None = None
    withdraw_reason: str | None = None
    standing: bool = False

    @property
    def stance(self) -> str:
        return STANCE_OF_TYPE[self.type]


@frozen
class Segment:
    """The fact's status from ``start`` until the next segment starts (or the end of the timeline)."""

    start: dt.datetime
    status: str
    event_id: str | None = None


@frozen
class Timeline:
    fact: str
    marks: tuple[Mark, ...]
    segments: tuple[Segment, ...]
    occurred_at: dt.datetime | None = None

    def lanes(self) -> list[str]:
        """The sources, in the order they first spoke."""
        return list(dict.fromkeys(mark.source for mark in sorted(self.marks, key=lambda m: m.at)))

    def moments(self) -> list[dt.datetime]:
        """Every moment drawn: statements, withdrawals, status changes and the event itself."""
        times = [m.at for m in self.marks] + [m.withdrawn_at for m in self.marks if m.withdrawn_at]
        return times + [s.start for s in self.segments[1:]] + ([self.occurred_at] if self.occurred_at else [])

    def span(self) -> tuple[dt.datetime, dt.datetime] | None:
        times = self.moments()
        return (min(times), max(times)) if times else None


def build(fact: str, events: Iterable[ev.Event], sources: Mapping[str, SourceInfo],
          standing: Iterable[str] = ()) -> Timeline:
    """The timeline of one fact from its events (as ``Log.events(fact=...)`` gives them, in log order).

    The status at a moment is what ``status --valid-at`` says for it: statements count from when they were
    said; a retraction counts from when it was made, and never before the statement it withdraws.
    """
    events = list(events)
    by_id = {e.id: e for e in events if isinstance(e, ev.Statement)}
    retracts = {e.target: e for e in events if isinstance(e, ev.Retract) and e.target in by_id}
    when = {e.id: _key(e) for e in by_id.values()}
    for target, retract in retracts.items():
        when[retract.id] = max(_key(retract), when[target])
    registrations = [e for e in events if not isinstance(e, (ev.Statement, ev.Retract))]
    said = sorted((e for e in events if e.id in when), key=lambda e: when[e.id])
    return Timeline(fact, _marks(by_id.values(), retracts, when, set(standing)),
                    tuple(_segments(fact, registrations + said, when, sources)), _occurred_at(events))


def _key(event: ev.Event) -> StatusKey:
    return (event.observed_at, event.seq or 0)


def _occurred_at(events: Sequence[ev.Event]) -> dt.datetime | None:
    for event in events:
        if isinstance(event, ev.FactOpened):
            return event.occurred_at
    return None


def _marks(statements: Iterable[ev.Statement], retracts: Mapping[str, ev.Retract],
           when: Mapping[str, StatusKey], standing: set[str]) -> tuple[Mark, ...]:
    marks = []
    for event in sorted(statements, key=lambda e: when[e.id]):
        retract = retracts.get(event.id)
        marks.append(Mark(
            event.id, event.TYPE, event.source, event.observed_at, event.quote,
            withdrawn_at=when[retract.id][0] if retract else None,
            withdraw_reason=retract.reason if retract else None,
            standing=event.id in standing,
        ))
    return tuple(marks)


def _segments(fact: str, events: Iterable[ev.Event], when: Mapping[str, StatusKey],
              sources: Mapping[str, SourceInfo]) -> Iterable[Segment]:
    state = LogState(sources=dict(sources))
    current: str | None = None
    start: dt.datetime | None = None
    for event in events:
        if state.apply(event) != fact:
            continue
        status = state.belief(fact).status
        if event.id in when:
            start = when[event.id][0]
        if status != current:
            current = status
            if start is not None:
                yield Segment(start, status, event.id)
            else:  # before anyone spoke: drawn from the left edge of the timeline
                yield Segment(dt.datetime.min.replace(tzinfo=dt.timezone.utc), status, None)


# --- drawing ----------------------------------------------------------------------------------------------

WIDTH = 760
GUTTER = 178  # room for the lane labels
RIGHT = 16
BAND_Y, BAND_H = 6, 20
LANE_Y, LANE_H = 38, 24
AXIS_H = 34


def render(timeline: Timeline, names: Mapping[str, SourceInfo],
           parties: Mapping[str, PartyInfo] | None = None) -> str:
    """The timeline as one inline ``<svg>`` element: no script, no external reference."""
    moments = timeline.moments()
    if not moments:
        return ""
    scale = _Scale(moments)
    lanes = timeline.lanes()
    height = LANE_Y + LANE_H * len(lanes) + AXIS_H
    parts = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(_summary(timeline), quote=True)}">',
        f"<title>{escape(_summary(timeline))}</title>",
        *_band(timeline, scale),
        *_lanes(lanes, names, parties),
        *_occurred(timeline, scale, height),
        *_axis(scale, height),
        *_breaks(scale, height),
        *_marks_svg(timeline, lanes, scale, names),
        "</svg>",
    ]
    return "\n".join(parts)


class _Scale:
    """Time to x. One linear piece per cluster of moments: a gap far longer than everything else on the
    timeline (a typo'd year, a correction recorded years later) is cut out and drawn as a break, so the
    statements on either side keep their room instead of collapsing into one point."""

    def __init__(self, moments: Sequence[dt.datetime]):
        self.pieces = _pieces(_clusters(sorted(set(moments))))
        self.lo, self.hi = self.pieces[0].lo, self.pieces[-1].hi

    def x(self, moment: dt.datetime) -> float:
        for index, piece in enumerate(self.pieces):
            if moment <= piece.hi or index + 1 == len(self.pieces):
                if moment < piece.lo:  # before the first piece, or inside the break before this one
                    return piece.x0 if index == 0 else self.breaks()[index - 1]
                return piece.x(moment)
        raise AssertionError("unreachable")

    def breaks(self) -> list[float]:
        """The x of each break, halfway between two pieces."""
        return [round((a.x1 + b.x0) / 2, 1) for a, b in zip(self.pieces, self.pieces[1:])]


@frozen
class _Piece:
    lo: dt.datetime
    hi: dt.datetime
    x0: float
    x1: float

    def x(self, moment: dt.datetime) -> float:
        moment = min(max(moment, self.lo), self.hi)
        if self.hi == self.lo:
            return round((self.x0 + self.x1) / 2, 1)
        return round(self.x0 + (moment - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0), 1)


BREAK_RATIO = 10  # a gap is cut out when it is ten times longer than the moments it separates span together
MOST_PIECES = 4
BREAK_W = 26
SOLO_W = 70  # the room of a lone moment between breaks


def _clusters(moments: list[dt.datetime]) -> list[list[dt.datetime]]:
    """The moments, split at each gap that dwarfs the spans it separates (at most MOST_PIECES groups).

    Bottom-up, shortest gap first: each gap joins the groups on its two sides unless it is BREAK_RATIO times
    longer than they span together; so 2002, then hours of 2022, then 2026 make three groups, and a night
    between two mornings of one story stays drawn to scale.
    """
    first = list(range(len(moments)))  # for a group [a, b]: first[b] == a and last[a] == b
    last = list(range(len(moments)))
    cuts: list[tuple[dt.timedelta, int]] = []
    for i in sorted(range(len(moments) - 1), key=lambda i: moments[i + 1] - moments[i]):
        gap = moments[i + 1] - moments[i]
        inner = (moments[i] - moments[first[i]]) + (moments[last[i + 1]] - moments[i + 1])
        if inner and gap > BREAK_RATIO * inner:
            cuts.append((gap, i + 1))
            continue
        first[last[i + 1]], last[first[i]] = first[i], last[i + 1]
    kept = sorted(index for _, index in sorted(cuts, reverse=True)[:MOST_PIECES - 1])
    bounds = [0, *kept, len(moments)]
    return [moments[a:b] for a, b in zip(bounds, bounds[1:])]


def _pieces(clusters: list[list[dt.datetime]]) -> list[_Piece]:
    """Each cluster's share of the width: a lone moment (one late correction, one typo) gets SOLO_W, the
    clusters with a span share the rest by how many moments they hold, so the story keeps its bulk."""
    room = WIDTH - GUTTER - RIGHT - BREAK_W * (len(clusters) - 1)
    solo = [len(set(cluster)) == 1 for cluster in clusters]
    if all(solo):
        widths = [room / len(clusters)] * len(clusters)
    else:
        spread = room - SOLO_W * sum(solo)
        total = sum(len(c) for c, alone in zip(clusters, solo) if not alone)
        widths = [SOLO_W if alone else spread * len(c) / total for c, alone in zip(clusters, solo)]
    pieces, x = [], float(GUTTER)
    for cluster, width, alone in zip(clusters, widths, solo):
        lo, hi = (cluster[0], cluster[0]) if alone and len(clusters) > 1 else _padded(cluster[0], cluster[-1])
        pieces.append(_Piece(lo, hi, round(x, 1), round(x + width, 1)))
        x += width + BREAK_W
    return pieces


def _padded(lo: dt.datetime, hi: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    pad = (hi - lo) * 0.05 if hi > lo else dt.timedelta(hours=1)
    return lo - pad, hi + pad


def _summary(timeline: Timeline) -> str:
    steps = ", then ".join(f"{s.status} from {when(s.start)}" if s.event_id else s.status
                           for s in timeline.segments)
    return f"Timeline of {timeline.fact}: {steps}"


def when(moment: dt.datetime) -> str:
    """A time for people, the same on every machine: UTC, to the minute."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


def _band(timeline: Timeline, scale: _Scale) -> Iterable[str]:
    yield (f'<text class="lane-label" x="{GUTTER - 8}" y="{BAND_Y + 14}" text-anchor="end">status</text>')
    segments = timeline.segments
    for index, segment in enumerate(segments):
        x0 = scale.x(segment.start)
        x1 = scale.x(segments[index + 1].start) if index + 1 < len(segments) else WIDTH - RIGHT
        width = round(x1 - x0, 1)
        since = f" from {when(segment.start)}" if segment.event_id else ""
        start = f' data-from="{_iso(segment.start)}"' if segment.event_id else ""
        yield (f'<rect class="band status-{escape(segment.status, quote=True)}" '
               f'data-status="{escape(segment.status, quote=True)}"{start} x="{x0}" y="{BAND_Y}" '
               f'width="{width}" height="{BAND_H}"><title>{escape(segment.status + since)}</title></rect>')
        at = _label_room(x0, x1, scale.breaks(), 8 * len(segment.status) + 8)
        if at is not None:
            yield (f'<text class="band-label" x="{round(at + 5, 1)}" y="{BAND_Y + 14}">'
                   f"{escape(segment.status)}</text>")


def _label_room(x0: float, x1: float, breaks: Sequence[float], need: float) -> float | None:
    """Where in the band from x0 to x1 a label of width ``need`` fits between the breaks, if anywhere."""
    cuts = [x for x in breaks if x0 < x < x1]
    for start, end in zip([x0, *(x + 8 for x in cuts)], [*(x - 8 for x in cuts), x1]):
        if end - start > need:
            return start
    return None


def _lanes(lanes: Sequence[str], names: Mapping[str, SourceInfo],
           parties: Mapping[str, PartyInfo] | None = None) -> Iterable[str]:
    for row, source in enumerate(lanes):
        y = LANE_Y + row * LANE_H + LANE_H / 2
        info = names.get(source)
        name = info.name if info else source
        short = name if len(name) <= 26 else name[:25] + "…"
        yield (f'<line class="lane" x1="{GUTTER}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>'
               f'<text class="lane-label" x="{GUTTER - 8}" y="{y + 4}" text-anchor="end">'
               f"<title>{escape(_describe(info, source, parties))}</title>{escape(short)}</text>")


def _describe(info: SourceInfo | None, source: str, parties: Mapping[str, PartyInfo] | None = None) -> str:
    if info is None:
        return source
    party = f", {display_name(info.party, parties)}" if info.party else ""
    return f"{info.name} ({info.kind}{party})"


def _occurred(timeline: Timeline, scale: _Scale, height: int) -> Iterable[str]:
    if timeline.occurred_at is None:
        return
    x = scale.x(timeline.occurred_at)
    yield (f'<line class="occurred" x1="{x}" x2="{x}" y1="{BAND_Y}" y2="{height - AXIS_H}">'
           f"<title>the event itself: {escape(when(timeline.occurred_at))}</title></line>")


def _marks_svg(timeline: Timeline, lanes: Sequence[str], scale: _Scale,
               names: Mapping[str, SourceInfo]) -> Iterable[str]:
    row_of = {source: row for row, source in enumerate(lanes)}
    for mark in timeline.marks:
        x = scale.x(mark.at)
        y = LANE_Y + row_of[mark.source] * LANE_H + LANE_H / 2
        state = "standing" if mark.standing else "withdrawn" if mark.withdrawn_at else "superseded"
        title = escape(_mark_title(mark, names))
        if mark.withdrawn_at is not None:
            x1 = scale.x(mark.withdrawn_at)
            yield (f'<path class="withdrawal" d="M{x} {y}H{x1}M{x1 - 4} {y - 4}l8 8M{x1 - 4} {y + 4}l8 -8">'
                   f"<title>{title}</title></path>")
        yield (f'<g class="mark {state} stance-{mark.stance}" data-event="{escape(mark.event_id, quote=True)}" '
               f'data-source="{escape(mark.source, quote=True)}" data-type="{mark.type}" '
               f'data-stance="{mark.stance}" data-at="{_iso(mark.at)}">'
               f"<title>{title}</title>{_shape(mark.type, x, y)}</g>")


def _mark_title(mark: Mark, names: Mapping[str, SourceInfo]) -> str:
    name = names[mark.source].name if mark.source in names else mark.source
    text = f"{name}: {mark.type}, {when(mark.at)}"
    if mark.quote:
        text += f" — “{mark.quote}”"
    if mark.withdrawn_at is not None:
        text += f" (withdrawn {when(mark.withdrawn_at)}" + (f": {mark.withdraw_reason})" if mark.withdraw_reason
                                                            else ")")
    return text


def _shape(kind: str, x: float, y: float) -> str:
    """claim ●, confirm ◆, deny ■, decline ○: the colour gives the stance, the shape the kind of statement."""
    if kind == "confirm":
        return f'<path d="M{x} {y - 8}L{x + 8} {y}L{x} {y + 8}L{x - 8} {y}Z"/>'
    if kind == "deny":
        return f'<rect x="{x - 6}" y="{y - 6}" width="12" height="12"/>'
    if kind == "decline":
        return f'<circle class="hollow" cx="{x}" cy="{y}" r="5.5"/>'
    return f'<circle cx="{x}" cy="{y}" r="6.5"/>'


def _axis(scale: _Scale, height: int) -> Iterable[str]:
    y = height - AXIS_H + 6
    yield f'<line class="axis" x1="{GUTTER}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>'
    for x, text, anchor in _tick_labels(scale):
        yield (f'<line class="tick" x1="{x}" x2="{x}" y1="{y}" y2="{y + 4}"/>'
               f'<text class="tick-label" x="{x}" y="{y + 17}" text-anchor="{anchor}">{escape(text)}</text>')


CHAR_W = 6.6  # a generous width of one character of the 11px tick labels, to keep labels apart


def _tick_labels(scale: _Scale) -> list[tuple[float, str, str]]:
    """Ticks of every piece, each label anchored so it stays inside the drawing, and any label that would
    touch the one before it dropped."""
    broken = len(scale.pieces) > 1
    kept: list[tuple[float, str, str]] = []
    right_edge = float("-inf")
    for piece in scale.pieces:
        if piece.lo == piece.hi:  # one moment between breaks: its date, with the year
            marks = [(piece.lo, _day(piece.lo, year=True))]
        else:
            marks = ticks(piece.lo, piece.hi, max(1, round((piece.x1 - piece.x0) / 95)), year=broken)
        for moment, text in marks:
            x = piece.x(moment)
            width = len(text) * CHAR_W
            anchor = "start" if x - width / 2 < GUTTER else "end" if x + width / 2 > WIDTH - RIGHT else "middle"
            left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
            if left < right_edge + 8:
                continue
            kept.append((x, text, anchor))
            right_edge = left + width
    return kept


def _breaks(scale: _Scale, height: int) -> Iterable[str]:
    """A slanted cut through the band, the lanes and the axis where a long gap of time is left out."""
    bottom = height - AXIS_H + 10
    for x, (before, after) in zip(scale.breaks(), zip(scale.pieces, scale.pieces[1:])):
        gap = escape(f"{when(before.hi)} to {when(after.lo)} not drawn to scale")
        yield (f'<path class="break" d="M{x - 7} {bottom}L{x - 1} {BAND_Y - 2}H{x + 7}L{x + 1} {bottom}Z">'
               f"<title>{gap}</title></path>")


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MINUTE, HOUR, DAY = 60, 3600, 86400
STEPS = (MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY,
         2 * DAY, 7 * DAY, 14 * DAY)


def _day(moment: dt.datetime, year: bool = False) -> str:
    moment = moment.astimezone(dt.timezone.utc)
    return f"{moment.day} {MONTHS[moment.month - 1]}" + (f" {moment.year}" if year else "")


def ticks(lo: dt.datetime, hi: dt.datetime, most: int = 6, year: bool = False) -> list[tuple[dt.datetime, str]]:
    """Round moments between ``lo`` and ``hi`` (UTC minutes, hours, days or months) and their labels; with
    ``year``, the first label names the year whatever the step."""
    span = (hi - lo).total_seconds()
    step = next((step for step in STEPS if span / step <= most), None)
    if step is None:
        return _month_ticks(lo, hi, most)
    first = -(-int(lo.timestamp()) // step) * step  # the first multiple of step at or after lo (UTC-aligned)
    moments = [dt.datetime.fromtimestamp(t, dt.timezone.utc) for t in range(first, int(hi.timestamp()) + 1, step)]
    labels, last_day = [], None
    for moment in moments:
        day = f"{moment.day} {MONTHS[moment.month - 1]}"
        if step >= DAY:
            labels.append(day if last_day else f"{day} {moment.year}")
        else:
            clock = moment.strftime("%H:%M")
            first = f"{day} {moment.year}" if year and last_day is None else day
            labels.append(clock if day == last_day else f"{first} {clock}")
        last_day = day
    return list(zip(moments, labels)) or [(lo, when(lo)), (hi, when(hi))]


def _month_ticks(lo: dt.datetime, hi: dt.datetime, most: int) -> list[tuple[dt.datetime, str]]:
    lo, hi = lo.astimezone(dt.timezone.utc), hi.astimezone(dt.timezone.utc)
    months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    every = next((n for n in (1, 2, 3, 6, 12, 24, 60, 120, 600) if months / n <= most), 1200)
    index = -(-(lo.year * 12 + lo.month) // every) * every  # months since year 0, on a multiple of every
    result = []
    while True:
        year, month = divmod(index, 12)
        moment = dt.datetime(year, month + 1, 1, tzinfo=dt.timezone.utc)
        if moment > hi:
            return result
        if moment >= lo:
            result.append((moment, f"{MONTHS[month]} {year}" if month == 0 or not result or every >= 12
                           else MONTHS[month]))
        index += every

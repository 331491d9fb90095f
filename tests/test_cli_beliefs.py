"""status, history, why, replay and rebuild through the real command line, on a real log file."""

from __future__ import annotations

import datetime as dt
import time

import pytest

import factlog
from factlog.store import base as store_module
from factlog.store import folding, who
from factlog.store import Pending

pytestmark = pytest.mark.both_backends

W = "2022-03-30T{}:00+00:00"  # said-at times of the stories below, all on 30 March 2022 (UTC)


@pytest.fixture
def cast(run, monkeypatch):
    """Sources of every kind that matters: journalists and agencies with a party, officials of two parties."""
    monkeypatch.setenv("COLUMNS", "250")  # tables print on one line per row
    run("source", "add", "butusov", "--name", "Yuriy Butusov", "--kind", "journalist", "--party", "ukraine")
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency", "--party", "russia")
    run("source", "add", "gladkov", "--name", "Vyacheslav Gladkov", "--kind", "official", "--party", "russia")
    run("source", "add", "mod", "--name", "Russian MoD", "--kind", "official", "--party", "russia")
    run("source", "add", "kyiv", "--name", "Kyiv official", "--kind", "official", "--party", "ukraine")
    run("fact", "add", "missile", "The blast was caused by a Ukrainian missile", "--party", "ukraine",
        "--party", "russia")
    return run


def say(run, kind: str, source: str, hour: str, fact: str = "missile", quote: str | None = None) -> str:
    extra = ["--quote", quote] if quote else []
    return run.id(kind, fact, "--source", source, "--at", W.format(hour), *extra)


def status_of(run, fact: str = "missile", *clock: str) -> dict:
    [row] = run.json("status", fact, *clock)
    return row


def seq_of(run) -> int:
    return run.json("log")[-1]["seq"]


def error_of(run, *args) -> str:
    result = run(*args, ok=False)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --- every status, every party stance, the label -------------------------------------------------------


@pytest.mark.parametrize("said, status", [
    ([], "open"),
    ([("decline", "gladkov")], "open"),
    ([("claim", "butusov"), ("claim", "tass")], "claimed"),
    ([("claim", "butusov"), ("confirm", "gladkov")], "confirmed"),
    ([("deny", "kyiv")], "denied"),
    ([("claim", "tass"), ("deny", "kyiv")], "disputed"),
])
def test_every_status(cast, said, status):
    for hour, (kind, source) in zip(("08", "09", "10"), said):
        say(cast, kind, source, hour)
    assert status_of(cast)["status"] == status


def test_retracted_status(cast):
    claim = say(cast, "claim", "tass", "08")
    cast("retract", claim, "--reason", "TASS withdrew the report", "--at", W.format("09"))
    row = status_of(cast)
    assert (row["status"], row["sources"]) == ("retracted", {})
    assert row["label"] == "retracted: by TASS; unconfirmed by Ukraine, Russia"


@pytest.mark.parametrize("said, stance", [
    ([], "unconfirmed"),
    ([("confirm", "gladkov")], "confirmed"),
    ([("deny", "mod")], "denied"),
    ([("confirm", "gladkov"), ("deny", "mod")], "split"),
    ([("decline", "gladkov")], "declined"),
    ([("claim", "tass"), ("deny", "tass")], "unconfirmed"),  # an agency of Russia is not Russia
])
def test_every_party_stance(cast, said, stance):
    for hour, (kind, source) in zip(("08", "09"), said):
        say(cast, kind, source, hour)
    assert status_of(cast)["parties"]["russia"] == stance


def test_only_official_sources_speak_for_their_party(cast):
    say(cast, "confirm", "butusov", "08")  # a journalist of Ukraine
    row = status_of(cast)
    assert row["parties"] == {"ukraine": "unconfirmed", "russia": "unconfirmed"}
    assert row["sources"] == {"butusov": "asserts"}
    say(cast, "deny", "kyiv", "09")  # an official of Ukraine
    assert status_of(cast)["parties"] == {"ukraine": "denied", "russia": "unconfirmed"}


def test_a_party_that_is_not_tracked_appears_once_its_official_speaks(cast):
    cast("fact", "add", "tochka", "A Tochka-U hit the depot", "--party", "ukraine")
    say(cast, "deny", "gladkov", "08", fact="tochka")
    assert status_of(cast, "tochka")["parties"] == {"ukraine": "unconfirmed", "russia": "denied"}


def test_the_label_and_status_json(cast):
    say(cast, "claim", "butusov", "00", quote="An OTR-21 Tochka-U was fired")
    say(cast, "decline", "gladkov", "08")
    say(cast, "claim", "tass", "09")
    row = status_of(cast)
    assert row == {
        "fact": "missile", "statement": "The blast was caused by a Ukrainian missile", "status": "claimed",
        "label": "claimed: by Yuriy Butusov, TASS; unconfirmed by Ukraine; declined by Russia",
        "parties": {"ukraine": "unconfirmed", "russia": "declined"},
        "sources": {"butusov": "asserts", "gladkov": "declines", "tass": "asserts"},
        "updated_seq": seq_of(cast), "verdict": None, "independent_assertions": 2, "chains": {},
    }
    table = cast("status").stdout
    assert "missile" in table and "claimed: by Yuriy Butusov, TASS; unconfirmed by Ukraine; declined by Russia" in table


def test_status_lists_every_fact_by_id(cast):
    cast("fact", "add", "a-blast", "There was a blast")
    say(cast, "confirm", "gladkov", "08", fact="a-blast")
    rows = cast.json("status")
    assert [(r["fact"], r["status"]) for r in rows] == [("a-blast", "confirmed"), ("missile", "open")]


# --- late-recorded statements and retractions ----------------------------------------------------------


def test_late_recorded_statement_said_earlier_does_not_override(cast):
    deny = say(cast, "deny", "gladkov", "10")
    late = say(cast, "confirm", "gladkov", "08")  # recorded now, said two hours before the denial
    row = status_of(cast)
    assert (row["status"], row["parties"]["russia"], row["sources"]) == ("denied", "denied", {"gladkov": "denies"})
    history = cast.json("history", "missile")
    assert late not in [r["event_id"] for r in history]  # it changed nothing
    assert history[-1]["event_id"] == deny
    assert status_of(cast, "missile", "--valid-at", W.format("09"))["status"] == "confirmed"


def test_retraction_falls_back_to_the_sources_previous_standing_statement(cast):
    say(cast, "decline", "gladkov", "08")
    confirm = say(cast, "confirm", "gladkov", "09")
    assert status_of(cast)["parties"]["russia"] == "confirmed"
    cast("retract", confirm, "--reason", "spoke too soon", "--at", W.format("10"))
    row = status_of(cast)
    assert (row["status"], row["parties"]["russia"], row["sources"]) == (
        "retracted", "declined", {"gladkov": "declines"}
    )
    assert row["label"] == "retracted: unconfirmed by Ukraine; declined by Russia"


def test_retracting_a_decline_does_not_retract_the_fact(cast):
    decline = say(cast, "decline", "gladkov", "08")
    cast("retract", decline, "--at", W.format("09"))
    row = status_of(cast)
    assert (row["status"], row["label"]) == ("open", "open: unconfirmed by Ukraine, Russia")


# --- two clocks ---------------------------------------------------------------------------------------


@pytest.fixture
def timeline(cast):
    """A story recorded in three sittings, with the transaction time between them noted."""
    def moment() -> str:
        time.sleep(0.02)  # recorded_at has microseconds; keep the sittings apart
        stamp = dt.datetime.now(dt.timezone.utc).isoformat()
        time.sleep(0.02)
        return stamp

    marks = {"opened": moment()}
    marks["claim"] = say(cast, "claim", "butusov", "00", quote="A Tochka-U was fired")
    marks["after_claim"], marks["seq_claim"] = moment(), seq_of(cast)
    marks["deny"] = say(cast, "deny", "kyiv", "12", quote="Not our missile")
    marks["after_deny"], marks["seq_deny"] = moment(), seq_of(cast)
    marks["late"] = say(cast, "confirm", "mod", "06", quote="A Ukrainian missile")  # said early, recorded last
    return marks


def test_status_as_of_and_at_seq(cast, timeline):
    assert status_of(cast)["status"] == "disputed"
    assert cast.json("status", "--as-of", timeline["opened"]) == cast.json("status", "--at-seq", 6)
    assert status_of(cast, "missile", "--as-of", timeline["opened"])["status"] == "open"
    assert status_of(cast, "missile", "--as-of", timeline["after_claim"])["status"] == "claimed"
    assert status_of(cast, "missile", "--at-seq", timeline["seq_claim"])["status"] == "claimed"
    row = status_of(cast, "missile", "--as-of", timeline["after_deny"])
    assert (row["status"], row["updated_seq"]) == ("disputed", timeline["seq_deny"])
    assert row["parties"] == {"ukraine": "denied", "russia": "unconfirmed"}
    assert status_of(cast, "missile", "--at-seq", 99) == status_of(cast)


def test_status_valid_at_and_combined_with_transaction_time(cast, timeline):
    assert status_of(cast, "missile", "--valid-at", W.format("01"))["status"] == "claimed"
    row = status_of(cast, "missile", "--valid-at", W.format("07"))
    assert (row["status"], row["parties"]["russia"]) == ("confirmed", "confirmed")  # the late confirm counts
    assert status_of(cast, "missile", "--valid-at", "2022-03-29T00:00:00+00:00")["status"] == "open"
    # what the log held after the denial, counting only what was said by 07:00: the late confirm is not yet in
    both = ("--at-seq", timeline["seq_deny"], "--valid-at", W.format("07"))
    assert status_of(cast, "missile", *both)["status"] == "claimed"
    both = ("--as-of", timeline["after_deny"], "--valid-at", W.format("13"))
    assert status_of(cast, "missile", *both)["status"] == "disputed"


def test_history_on_both_clocks(cast, timeline):
    def kinds(*clock):
        return [(r["type"], r["status"]) for r in cast.json("history", "missile", *clock)]

    assert kinds() == [("fact-opened", "open"), ("claim", "claimed"), ("deny", "disputed"), ("confirm", "disputed")]
    assert kinds("--at-seq", timeline["seq_claim"]) == [("fact-opened", "open"), ("claim", "claimed")]
    assert kinds("--as-of", timeline["after_deny"]) == kinds("--at-seq", timeline["seq_deny"])
    assert kinds("--valid-at", W.format("07")) == [
        ("fact-opened", "open"), ("claim", "claimed"), ("confirm", "confirmed"),
    ]
    assert kinds("--at-seq", timeline["seq_deny"], "--valid-at", W.format("07")) == [
        ("fact-opened", "open"), ("claim", "claimed"),
    ]


def test_replay_on_both_clocks(cast, timeline):
    def steps(*clock):
        return [(r["seq"], r["fact"], r["status"]) for r in cast.json("replay", *clock)]

    everything = steps()
    assert [s[2] for s in everything] == ["open", "claimed", "disputed", "disputed"]
    assert steps("--at-seq", timeline["seq_claim"]) == everything[:2]
    assert steps("--as-of", timeline["after_deny"]) == everything[:3]
    assert [s[2] for s in steps("--valid-at", W.format("07"))] == ["open", "claimed", "confirmed"]
    assert steps("--at-seq", 0) == []
    assert cast("replay", "--at-seq", 0).stdout.strip() == "(no changes in this view)"


def test_why_on_a_clock(cast, timeline):
    [why] = cast.json("why", "missile", "--at-seq", timeline["seq_claim"])
    assert why["status"] == "claimed"
    assert [r["event_id"] for r in why["standing"]] == [timeline["claim"]]


# --- history, replay and why: what they print ---------------------------------------------------------


def test_history_shows_event_source_quote_and_both_times(cast):
    claim = say(cast, "claim", "butusov", "00", quote="A Tochka-U was fired")
    cast("retract", claim, "--reason", "the post was deleted", "--at", W.format("05"))
    rows = cast.json("history", "missile")
    assert [(r["type"], r["status_before"], r["status"]) for r in rows] == [
        ("fact-opened", None, "open"), ("claim", "open", "claimed"), ("retract", "claimed", "retracted"),
    ]
    opened, said, withdrawn = rows
    assert (said["event_id"], said["source"], said["source_name"], said["quote"]) == (
        claim, "butusov", "Yuriy Butusov", "A Tochka-U was fired"
    )
    assert said["observed_at"] == "2022-03-30T00:00:00+00:00"
    assert dt.datetime.fromisoformat(said["recorded_at"]).year >= 2024  # recorded now, said in 2022
    assert (withdrawn["source"], withdrawn["quote"]) == ("butusov", "the post was deleted")
    assert withdrawn["label"] == "retracted: by Yuriy Butusov; unconfirmed by Ukraine, Russia"
    text = cast("--utc", "history", "missile").stdout
    for expected in ("claim", "Yuriy Butusov", "A Tochka-U was fired", "2022-03-30 00:00", "retract",
                     "the post was deleted", said["recorded_at"][:16].replace("T", " ")):
        assert expected in text


def test_replay_steps_through_every_fact(cast):
    cast("fact", "add", "blast", "There was a blast", "--party", "russia")
    say(cast, "confirm", "gladkov", "08", fact="blast")
    say(cast, "claim", "tass", "09")
    rows = cast.json("replay")
    assert [(r["fact"], r["type"], r["status"]) for r in rows] == [
        ("missile", "fact-opened", "open"), ("blast", "fact-opened", "open"),
        ("blast", "confirm", "confirmed"), ("missile", "claim", "claimed"),
    ]
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
    text = cast("--utc", "replay").stdout
    assert "blast" in text and "confirmed: by Russia" in text and "Vyacheslav Gladkov" in text


def test_why_text_and_json(cast):
    say(cast, "claim", "butusov", "00", quote="A Tochka-U was fired")
    say(cast, "decline", "gladkov", "08")
    say(cast, "claim", "tass", "09")
    [why] = cast.json("why", "missile")
    assert why["status"] == "claimed"
    assert why["rule"].startswith("standing claims, no confirmation and no denial")
    assert why["label"] == status_of(cast)["label"]
    assert why["parties"]["russia"] == {
        "stance": "declined", "rule": "its official sources only decline (Vyacheslav Gladkov declines)",
    }
    assert why["parties"]["ukraine"]["stance"] == "unconfirmed"
    assert [(r["source"], r["type"]) for r in why["standing"]] == [
        ("butusov", "claim"), ("gladkov", "decline"), ("tass", "claim"),
    ]
    text = cast("--utc", "why", "missile").stdout
    assert "status: claimed, because standing claims, no confirmation and no denial" in text
    assert "russia: declined, because its official sources only decline" in text
    assert "ukraine: unconfirmed, because no official source of it has a standing statement" in text
    assert "Yuriy Butusov (for itself) claim at 2022-03-30 00:00" in text
    assert '"A Tochka-U was fired"' in text
    assert "Vyacheslav Gladkov (for russia) decline" in text


def test_why_shows_withdrawn_statements(cast):
    confirm = say(cast, "confirm", "gladkov", "08")
    cast("retract", confirm, "--reason", "spoke too soon", "--at", W.format("09"))
    [why] = cast.json("why", "missile")
    assert why["standing"] == []
    assert [(r["event_id"], r["retract_reason"]) for r in why["withdrawn"]] == [(confirm, "spoke too soon")]
    text = cast("why", "missile").stdout
    assert "standing statements: none" in text
    assert "(retracted: spoke too soon)" in text


# --- errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["status", "history", "why"])
def test_unknown_fact(cast, command):
    assert error_of(cast, command, "no-such-fact") == "Error: no fact 'no-such-fact' in the log"


@pytest.mark.parametrize("command", ["status", "history", "why"])
def test_fact_not_yet_in_the_log_at_that_point(cast, command):
    cast("fact", "add", "later", "A fact opened later")
    message = error_of(cast, command, "later", "--at-seq", 3)
    assert message == "Error: fact 'later' was not yet in the log at that point"
    assert error_of(cast, command, "later", "--as-of", "2001-01-01T00:00:00+00:00") == message


@pytest.mark.parametrize("args, message", [
    (("status", "--as-of", "someday"), "cannot read 'someday' as a time"),
    (("status", "--valid-at", "2022-03-30T10:00:00"), "has no UTC offset"),
    (("history", "missile", "--valid-at", "soon"), "cannot read 'soon' as a time"),
    (("replay", "--as-of", "noon"), "cannot read 'noon' as a time"),
])
def test_bad_times_are_one_line_errors(cast, args, message):
    assert message in error_of(cast, *args)


def test_negative_at_seq_is_a_usage_error(cast):
    result = cast("status", "--at-seq", "-1", ok=False)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_read_commands_on_a_missing_log(db_path, run):
    for command in (["status"], ["history", "x"], ["why", "x"], ["replay"], ["rebuild"]):
        assert error_of(run, *command).startswith("Error: no log at ")
    assert not db_path.exists()


def test_empty_views(cast):
    assert cast.json("status", "--at-seq", 0) == []
    assert cast("status", "--at-seq", 0).stdout.strip() == "(no facts in this view)"


# --- the projection tables: rebuild, and what an append costs ---------------------------------------------


def test_rebuild_equals_the_live_tables(cast, db_path):
    claim = say(cast, "claim", "butusov", "00")
    say(cast, "decline", "gladkov", "08")
    say(cast, "deny", "kyiv", "09")
    cast("retract", claim, "--at", W.format("10"))
    cast("fact", "reword", "missile", "A missile fired from Ukraine caused the blast")
    live = cast.json("status")
    with factlog.open_log(db_path) as log:
        tables = log.store.projection_rows()
    assert cast("rebuild").stdout.strip() == f"rebuilt projections: 1 facts from {seq_of(cast)} events"
    assert cast.json("status") == live
    with factlog.open_log(db_path) as log:
        assert log.store.projection_rows() == tables
    assert live[0]["statement"] == "A missile fired from Ukraine caused the blast"


def counting_decodes(monkeypatch) -> list[int]:
    """Counts the rows the store decodes, by either path (``read_row`` or the validated ``row_to_event``): the
    work a read does, whatever the clock says."""
    decoded = [0]

    def counting(real):
        def counted(*args):
            decoded[0] += 1
            return real(*args)
        return counted

    monkeypatch.setattr(store_module, "row_to_event", counting(store_module.row_to_event))
    monkeypatch.setattr(who, "row_to_event", counting(who.row_to_event))
    monkeypatch.setattr(folding, "read_row", counting(folding.read_row))
    return decoded


def bulk_log(path, busy_statements: int) -> factlog.Log:
    """A log with one busy fact of ``busy_statements`` statements, and a quiet fact with two."""
    log = factlog.open_log(path, user="tester")
    log.add_source("a", "Agency A", "agency")
    log.open_fact("quiet", "A quiet fact")
    log.claim("quiet", "a", at=W.format("01"))
    log.open_fact("busy", "A busy fact")
    base = log.claim("busy", "a", at=W.format("02"))

    def copy(n: int):
        flat = {**factlog.events.to_wire(base), "id": factlog.events.new_event_id(), "seq": None}
        return Pending.from_wire(flat)

    log.store.append_many(copy(n) for n in range(busy_statements))
    return log


def vm_steps(log: factlog.Log, action) -> int:
    """How many steps SQLite's virtual machine takes (as its progress handler counts them) for ``action``."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    log.store.conn.set_progress_handler(tick, 1)
    try:
        action()
    finally:
        log.store.conn.set_progress_handler(None, 0)
    return steps[0]


def append_cost(path, busy_statements: int, monkeypatch, cold: bool = False) -> tuple[int, int]:
    """(events decoded, SQLite VM steps) for one claim about the quiet fact; ``cold``: in a freshly opened log,
    whose appends have not yet folded the fact."""
    log = bulk_log(path, busy_statements)
    if cold:
        log.close()
        log = factlog.open_log(path, user="tester")
    with log:
        decoded = counting_decodes(monkeypatch)
        steps = vm_steps(log, lambda: log.claim("quiet", "a", at=W.format("03")))
        monkeypatch.undo()
        return decoded[0], steps


@pytest.mark.parametrize("cold", [False, True], ids=["state-cached", "cold"])
def test_an_append_recomputes_only_the_touched_fact(tmp_path, monkeypatch, cold):
    small = append_cost(tmp_path / "small.db", 5, monkeypatch, cold)
    large = append_cost(tmp_path / "large.db", 3000, monkeypatch, cold)
    # cold: the quiet fact's own events before the new one (opened, the first claim) are read and folded;
    # warm: the state this process folded last time is still current, so nothing is read back
    assert small[0] == large[0] == (3 if cold else 0)  # cold: and the registration of the source that spoke
    # index lookups only: the same work within a little B-tree depth, where a scan would be ~600x more
    assert large[1] <= small[1] * 1.5 + 5, (small, large)


def test_a_cached_fact_state_is_not_trusted_after_another_writer_appended(tmp_path):
    path = tmp_path / "two.db"
    with factlog.open_log(path, user="one") as first, factlog.open_log(path, user="two") as second:
        first.add_source("a", "Agency A", "agency")
        first.add_source("ua", "Ukraine MoD", "official", party="ukraine")
        first.open_fact("blast", "A blast at the depot", parties=["ukraine"])
        first.claim("blast", "a", at=W.format("01"))  # ``first`` now holds the fact's state
        second.deny("blast", "ua", at=W.format("02"))  # appended behind its back
        first.confirm("blast", "a", at=W.format("03"))
        live = first.store.projection_rows()
        first.rebuild()
        assert first.store.projection_rows() == live
        assert first.status("blast")[0]["status"] == "disputed"


def test_a_past_query_reads_only_the_events_in_its_view(tmp_path, monkeypatch):
    with bulk_log(tmp_path / "past.db", 200) as log:
        assert log.store.count() == 205
        decoded = counting_decodes(monkeypatch)
        assert log.status("quiet", log.clock(at_seq=3))[0]["status"] == "claimed"
        # the quiet fact's events up to seq 3, and the one source's registration (the sources come from events)
        assert decoded[0] == 3
        decoded[0] = 0
        log.status(clock=log.clock(at_seq=5))
        assert decoded[0] == 5  # every fact event up to seq 5, none after, and the registration
        decoded[0] = 0
        [row] = log.status("quiet", log.clock(valid_at=W.format("01")))
        assert (row["status"], decoded[0]) == ("claimed", 0)  # nothing said later: the fact as it is now
        [row] = log.status("busy", log.clock(valid_at=W.format("01")))
        # said later: the fact's events in view (its opening; no statement) and the source's registration
        assert (row["status"], decoded[0]) == ("open", 2)


def past_costs(path, busy_statements: int) -> list[int]:
    """SQLite VM steps of past views that hold only the first events of the log."""
    with bulk_log(path, busy_statements) as log:
        early = log.clock(as_of=next(log.events(type="claim")).recorded_at)
        views = [
            lambda: log.status(clock=log.clock(at_seq=5)),
            lambda: log.status(clock=early),
            lambda: log.status("quiet", log.clock(at_seq=5)),
            lambda: list(log.replay(log.clock(at_seq=5))),
            lambda: log.history("quiet", log.clock(at_seq=5)),
        ]
        return [vm_steps(log, view) for view in views]


def test_a_past_view_costs_what_it_holds_not_the_log(tmp_path):
    # every fact at --at-seq 5 must not walk the (fact, seq) index of the whole log (it once took 70x)
    small, large = past_costs(tmp_path / "small.db", 5), past_costs(tmp_path / "large.db", 3000)
    assert all(big <= 1.5 * little + 5 for little, big in zip(small, large)), (small, large)


def best_of_three(action) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.slow
def test_queries_in_the_past_are_not_slower_than_a_rebuild(tmp_path):
    # replay and history derive a belief after every event: that must cost the fact's sources, not its
    # statements, or a fact with thousands of statements makes them quadratic (it once took 20x a rebuild).
    # They read each event as its validated class; a rebuild no longer does (it folds the stored rows), so the
    # yardstick for them is one pass that reads and folds every event that way.
    with bulk_log(tmp_path / "busy.db", 3000) as log:
        rebuild = best_of_three(log.rebuild)
        one_pass = best_of_three(lambda: factlog.beliefs.fold_log(log.store.events()))
        assert best_of_three(lambda: list(log.replay())) < 4 * one_pass
        assert best_of_three(lambda: log.history("busy", log.clock(at_seq=2500))) < 4 * one_pass
        assert best_of_three(lambda: log.status(clock=log.clock(at_seq=3000))) < 4 * rebuild

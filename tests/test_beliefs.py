"""The pure fold (factlog.beliefs): events in, beliefs out — no database, no command line."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from factlog import beliefs as bl
from factlog import events as ev

UTC = dt.timezone.utc
T0 = dt.datetime(2022, 3, 30, 8, tzinfo=UTC)


class Story:
    """Builds events as the store would hand them back: numbered, recorded one second apart."""

    def __init__(self) -> None:
        self.events: list[ev.Event] = []
        self._seq = itertools.count(1)

    def _event(self, event_type: str, minute: int | None = None, **data) -> ev.Event:
        seq = next(self._seq)
        recorded = T0 + dt.timedelta(days=1, seconds=seq)
        observed = recorded if minute is None else T0 + dt.timedelta(minutes=minute)
        flat = {"id": f"e{seq}", "seq": seq, "recorded_at": recorded, "observed_at": observed,
                "recorded_by": "tester", **data}
        event = ev.structure(flat, ev.EVENT_CLASSES[event_type])
        self.events.append(event)
        return event

    def source(self, source: str, name: str, kind: str = "journalist", party: str | None = None) -> ev.Event:
        return self._event("source-registered", source=source, name=name, kind=kind, party=party)

    def fact(self, fact: str = "f", *parties: str) -> ev.Event:
        return self._event("fact-opened", fact=fact, statement=f"statement of {fact}", parties=list(parties))

    def say(self, kind: str, source: str, minute: int, fact: str = "f") -> ev.Event:
        return self._event(kind, minute, fact=fact, source=source, quote=f"{source} {kind}s")

    def retract(self, target: ev.Event, minute: int, reason: str = "withdrawn") -> ev.Event:
        return self._event("retract", minute, target=target.id, reason=reason)

    def reword(self, statement: str, fact: str = "f") -> ev.Event:
        return self._event("fact-reworded", fact=fact, statement=statement)

    def belief(self, fact: str = "f", valid_at: dt.datetime | None = None) -> bl.Belief:
        return bl.fold_log(self.events, valid_at).belief(fact)


@pytest.fixture
def story() -> Story:
    """Belgorod's cast: a Ukrainian journalist, a Russian agency, two Russian officials, one Ukrainian official."""
    s = Story()
    s.source("butusov", "Yuriy Butusov", "journalist", "ukraine")
    s.source("tass", "TASS", "agency", "russia")
    s.source("gladkov", "Vyacheslav Gladkov", "official", "russia")
    s.source("mod", "Russian MoD", "official", "russia")
    s.source("kyiv", "Kyiv official", "official", "ukraine")
    s.fact("f", "ukraine", "russia")
    return s


def test_party_names_are_title_cased_slugs():
    assert bl.party_name("united-kingdom") == "United Kingdom"
    assert bl.party_name("russia") == "Russia"


# --- the status table -------------------------------------------------------------------------------------


@pytest.mark.parametrize("said, expected", [
    ([], "open"),
    ([("decline", "tass")], "open"),
    ([("claim", "butusov")], "claimed"),
    ([("claim", "butusov"), ("claim", "tass")], "claimed"),
    ([("confirm", "gladkov")], "confirmed"),
    ([("claim", "butusov"), ("confirm", "tass")], "confirmed"),
    ([("deny", "gladkov")], "denied"),
    ([("deny", "gladkov"), ("decline", "tass")], "denied"),
    ([("claim", "butusov"), ("deny", "gladkov")], "disputed"),
    ([("confirm", "mod"), ("deny", "gladkov")], "disputed"),
])
def test_status_follows_the_table(story, said, expected):
    for minute, (kind, source) in enumerate(said):
        story.say(kind, source, minute)
    assert story.belief().status == expected


def test_withdrawn_assertion_with_nothing_standing_is_retracted(story):
    claim = story.say("claim", "butusov", 0)
    story.retract(claim, 5)
    assert story.belief().status == "retracted"


def test_withdrawn_denial_is_retracted_even_with_a_standing_decline(story):
    denial = story.say("deny", "gladkov", 0)
    story.say("decline", "tass", 1)
    story.retract(denial, 5)
    belief = story.belief()
    assert belief.status == "retracted"
    assert belief.sources == {"tass": "declines"}


def test_withdrawn_decline_leaves_the_fact_open(story):
    # a decline took no stance, so withdrawing it withdraws no assertion or denial
    decline = story.say("decline", "gladkov", 0)
    story.retract(decline, 5)
    belief = story.belief()
    assert belief.status == "open"
    assert belief.parties == {"ukraine": "unconfirmed", "russia": "unconfirmed"}
    assert belief.label == "open: unconfirmed by Ukraine, Russia"


def test_a_new_assertion_after_a_retraction_stands(story):
    claim = story.say("claim", "butusov", 0)
    story.retract(claim, 5)
    story.say("claim", "tass", 10)
    assert story.belief().status == "claimed"


# --- standing statements: latest said, not latest recorded -----------------------------------------------


def test_late_recorded_statement_said_earlier_does_not_override(story):
    story.say("deny", "gladkov", 60)
    story.say("confirm", "gladkov", 30)  # recorded after, but said half an hour before the denial
    belief = story.belief()
    assert [r.type for r in belief.standing] == ["deny"]
    assert belief.status == "denied"
    assert belief.parties["russia"] == "denied"


def test_a_later_statement_of_the_same_source_replaces_the_earlier(story):
    story.say("confirm", "gladkov", 30)
    story.say("deny", "gladkov", 60)
    assert story.belief().sources == {"gladkov": "denies"}


def test_ties_in_time_said_are_broken_by_log_order(story):
    story.say("deny", "gladkov", 30)
    story.say("confirm", "gladkov", 30)
    assert story.belief().sources == {"gladkov": "asserts"}


def test_retraction_falls_back_to_the_previous_standing_statement(story):
    story.say("decline", "gladkov", 10)
    confirm = story.say("confirm", "gladkov", 20)
    story.retract(confirm, 30)
    belief = story.belief()
    assert belief.sources == {"gladkov": "declines"}
    assert belief.parties["russia"] == "declined"
    assert belief.status == "retracted"  # an assertion was withdrawn and nothing asserts or denies now
    assert [r.event_id for r in belief.withdrawn] == [confirm.id]
    assert belief.withdrawn[0].retracted_by == "e" + str(len(story.events))


def test_retracting_an_older_statement_leaves_the_standing_one(story):
    old = story.say("claim", "butusov", 10)
    story.say("deny", "butusov", 20)
    story.retract(old, 30)
    assert story.belief().sources == {"butusov": "denies"}


def test_retracting_a_late_recorded_older_statement_changes_nothing_standing(story):
    story.say("deny", "gladkov", 60)
    late = story.say("confirm", "gladkov", 30)
    before = story.belief()
    story.retract(late, 90)
    after = story.belief()
    assert (after.sources, after.parties) == (before.sources, before.parties)
    assert after.status == "denied"


def test_sources_are_read_out_in_the_order_they_first_spoke(story):
    story.say("claim", "tass", 50)
    story.say("claim", "butusov", 30)  # recorded after TASS, said before
    story.say("claim", "tass", 60)
    belief = story.belief()
    assert [r.source for r in belief.standing] == ["butusov", "tass"]
    assert belief.label == "claimed: by Yuriy Butusov, TASS; unconfirmed by Ukraine, Russia"
    story.say("decline", "tass", 10)  # recorded last, said first: TASS first spoke at 10 after all
    assert story.belief().label == "claimed: by TASS, Yuriy Butusov; unconfirmed by Ukraine, Russia"


def test_the_label_does_not_depend_on_the_order_statements_were_recorded():
    # two analysts record the same statements in different orders (or two logs are merged): same label
    def told(order: list[int]) -> str:
        s = Story()
        for source in ("a", "b", "c"):
            s.source(source, source.upper(), "official" if source == "c" else "agency", "russia")
        s.fact("f")
        said = [("claim", "a", 10), ("claim", "b", 10), ("deny", "c", 5)]
        for index in order:
            s.say(*said[index])
        return s.belief().label

    assert told([0, 1, 2]) == told([2, 1, 0]) == told([1, 2, 0]) == "disputed: claimed by A, B; denied by Russia"


# --- party stances: only a party's official sources speak for it ------------------------------------------


@pytest.mark.parametrize("said, expected", [
    ([], "unconfirmed"),
    ([("confirm", "gladkov")], "confirmed"),
    ([("claim", "gladkov")], "confirmed"),
    ([("deny", "gladkov")], "denied"),
    ([("confirm", "gladkov"), ("deny", "mod")], "split"),
    ([("decline", "gladkov")], "declined"),
    ([("decline", "gladkov"), ("deny", "mod")], "denied"),
    ([("claim", "tass"), ("deny", "butusov")], "unconfirmed"),  # an agency and a journalist are not Russia
])
def test_party_stance(story, said, expected):
    for minute, (kind, source) in enumerate(said):
        story.say(kind, source, minute)
    assert story.belief().parties["russia"] == expected


def test_journalist_with_a_party_does_not_speak_for_it(story):
    story.say("confirm", "butusov", 0)
    belief = story.belief()
    assert belief.parties == {"ukraine": "unconfirmed", "russia": "unconfirmed"}
    assert belief.sources == {"butusov": "asserts"}


def test_a_party_whose_official_spoke_is_tracked_after_the_facts_own_parties():
    s = Story()
    s.source("uk", "Boris Johnson", "official", "united-kingdom")
    s.source("anon", "Western official", "anonymous")
    s.fact("f", "russia")
    s.say("claim", "uk", 0)
    s.say("deny", "anon", 1)
    belief = s.belief()
    assert list(belief.parties) == ["russia", "united-kingdom"]
    assert belief.parties == {"russia": "unconfirmed", "united-kingdom": "confirmed"}


def test_an_official_without_a_party_speaks_for_itself():
    s = Story()
    s.source("un", "UN spokesperson", "official")
    s.fact("f")
    s.say("deny", "un", 0)
    belief = s.belief()
    assert belief.parties == {}
    assert belief.label == "denied: by UN spokesperson"


# --- the label -------------------------------------------------------------------------------------------


def test_label_of_the_issue(story):
    story.say("claim", "butusov", 0)
    story.say("decline", "gladkov", 10)
    story.say("claim", "tass", 20)
    assert story.belief().label == "claimed: by Yuriy Butusov, TASS; unconfirmed by Ukraine; declined by Russia"


def test_label_confirmed_by_a_party_then_the_others(story):
    story.say("confirm", "gladkov", 0)
    story.say("claim", "butusov", 5)
    assert story.belief().label == "confirmed: by Russia; claimed by Yuriy Butusov; unconfirmed by Ukraine"


def test_label_disputed_names_every_side(story):
    story.say("confirm", "mod", 0)
    story.say("deny", "kyiv", 1)
    story.say("claim", "tass", 2)
    assert story.belief().label == "disputed: confirmed by Russia; claimed by TASS; denied by Ukraine"


def test_label_split_party(story):
    story.say("confirm", "mod", 0)
    story.say("deny", "gladkov", 1)
    assert story.belief().label == "disputed: split within Russia; unconfirmed by Ukraine"


def test_label_denied(story):
    story.say("deny", "gladkov", 0)
    story.say("deny", "butusov", 1)
    assert story.belief().label == "denied: by Yuriy Butusov, Russia; unconfirmed by Ukraine"


def test_label_reads_a_party_that_only_claims_as_claimed(story):
    # parties says "confirmed" (the party asserts); the label keeps the official's own word so that a
    # claimed fact is not read out as "confirmed by"
    story.say("claim", "gladkov", 0)
    belief = story.belief()
    assert belief.status == "claimed"
    assert belief.parties["russia"] == "confirmed"
    assert belief.label == "claimed: by Russia; unconfirmed by Ukraine"


def test_label_retracted_names_who_withdrew(story):
    claim = story.say("claim", "tass", 0)
    story.retract(claim, 5)
    assert story.belief().label == "retracted: by TASS; unconfirmed by Ukraine, Russia"


def test_label_retracted_by_a_party(story):
    confirm = story.say("confirm", "gladkov", 0)
    story.retract(confirm, 5)
    belief = story.belief()
    assert belief.parties["russia"] == "unconfirmed"
    assert belief.label == "retracted: by Russia; unconfirmed by Ukraine"


def test_label_withdrawn_source_that_still_has_a_standing_statement_reads_by_that(story):
    story.say("decline", "tass", 0)
    claim = story.say("claim", "tass", 5)
    story.retract(claim, 10)
    assert story.belief().label == "retracted: unconfirmed by Ukraine, Russia; declined by TASS"


def test_label_without_parties_or_statements_is_the_status():
    s = Story()
    s.fact("f")
    assert s.belief().label == "open"


# --- the fold itself ---------------------------------------------------------------------------------------


def test_events_before_the_fact_is_opened_are_ignored():
    s = Story()
    s.source("a", "A")
    claim = s.say("claim", "a", 0, fact="later")
    assert bl.apply(None, claim) is None
    assert bl.fold_log(s.events).facts == {}


def test_apply_is_pure(story):
    state = bl.fold_fact(e for e in story.events if getattr(e, "fact", None) == "f")
    claim = story.say("claim", "butusov", 0)
    after = bl.apply(state, claim)
    assert state.statements == ()
    assert [r.event_id for r in after.statements] == [claim.id]
    assert after.updated_seq == claim.seq


def test_reword_changes_the_statement_not_the_belief(story):
    story.say("claim", "butusov", 0)
    before = story.belief()
    reword = story.reword("A clearer statement")
    after = story.belief()
    assert after.statement == "A clearer statement"
    assert (after.status, after.label, after.updated_seq) == (before.status, before.label, reword.seq)


def test_updated_seq_is_the_last_event_that_touched_the_fact(story):
    claim = story.say("claim", "butusov", 0)
    story.fact("other")
    story.say("claim", "tass", 0, fact="other")
    assert story.belief().updated_seq == claim.seq
    retraction = story.retract(claim, 1)
    assert story.belief().updated_seq == retraction.seq


def test_valid_time_counts_registrations_and_what_was_said_by_then(story):
    claim = story.say("claim", "butusov", 10)
    story.say("deny", "gladkov", 20)
    story.retract(claim, 30)
    at = lambda minute: story.belief(valid_at=T0 + dt.timedelta(minutes=minute))  # noqa: E731
    assert at(5).status == "open"
    assert at(10).status == "claimed"  # said exactly then counts
    assert at(25).status == "disputed"
    assert at(35).status == "denied"
    assert at(35).withdrawn[0].event_id == claim.id


def test_fold_log_lists_beliefs_by_fact_id(story):
    story.fact("a-first")
    assert [b.fact for b in bl.fold_log(story.events).beliefs()] == ["a-first", "f"]


def test_belief_fields_are_what_status_json_prints(story):
    story.say("claim", "butusov", 0)
    fields = bl.belief_fields(story.belief())
    assert fields == {
        "fact": "f", "statement": "statement of f", "status": "claimed",
        "label": "claimed: by Yuriy Butusov; unconfirmed by Ukraine, Russia",
        "parties": {"ukraine": "unconfirmed", "russia": "unconfirmed"}, "sources": {"butusov": "asserts"},
        "updated_seq": len(story.events), "verdict": None, "independent_assertions": 1, "chains": {},
    }


# --- changes: what history and replay print --------------------------------------------------------------


def test_changes_yield_only_changes_of_status_or_label(story):
    story.say("claim", "butusov", 0)
    story.say("claim", "butusov", 5)  # the same stance again: nothing changes
    story.say("deny", "gladkov", 10)
    changes = list(bl.changes(story.events))
    assert [(c.event.TYPE, c.before.status if c.before else None, c.after.status) for c in changes] == [
        ("fact-opened", None, "open"), ("claim", "open", "claimed"), ("deny", "claimed", "disputed"),
    ]


def test_changes_name_the_source_even_of_a_retraction(story):
    claim = story.say("claim", "butusov", 0)
    retraction = story.retract(claim, 5, reason="misread the post")
    last = list(bl.changes(story.events))[-1]
    assert (last.event.id, last.source, last.after.status) == (retraction.id, "butusov", "retracted")


def test_changes_of_one_fact_seeded_with_the_sources(story):
    story.say("claim", "butusov", 0)
    own = [e for e in story.events if getattr(e, "fact", None) == "f"]
    sources = bl.fold_log(story.events).sources
    assert [c.after.label for c in bl.changes(own, sources=sources)] == [
        c.after.label for c in bl.changes(story.events)
    ]


def test_changes_include_a_reword(story):
    story.reword("New words")
    assert [c.event.TYPE for c in bl.changes(story.events)] == ["fact-opened", "fact-reworded"]


# --- explain: the rule behind each verdict ----------------------------------------------------------------


def test_explain_gives_the_rules_and_the_standing_statements(story):
    story.say("claim", "butusov", 0)
    story.say("decline", "gladkov", 10)
    story.say("claim", "tass", 20)
    belief = story.belief()
    why = bl.explain(belief, bl.fold_log(story.events).sources)
    assert why["status"] == "claimed"
    assert why["rule"] == ("standing claims, no confirmation and no denial"
                           " (claimed: Yuriy Butusov, TASS; declined: Vyacheslav Gladkov)")
    assert why["parties"] == {
        "ukraine": {"stance": "unconfirmed", "rule": "no official source of it has a standing statement"},
        "russia": {"stance": "declined", "rule": "its official sources only decline (Vyacheslav Gladkov declines)"},
    }
    assert why["label"] == belief.label
    assert [(r["source"], r["type"], r["speaks_for"]) for r in why["standing"]] == [
        ("butusov", "claim", None), ("gladkov", "decline", "russia"), ("tass", "claim", None),
    ]
    assert why["withdrawn"] == []


def test_explain_a_retraction(story):
    confirm = story.say("confirm", "gladkov", 0)
    story.retract(confirm, 5, reason="spoke too soon")
    why = bl.explain(story.belief(), bl.fold_log(story.events).sources)
    assert why["rule"] == ("no standing assertion or denial, and at least one was withdrawn"
                           " (withdrawn confirm: Vyacheslav Gladkov)")
    assert why["parties"]["russia"]["rule"] == (
        "no official source of it has a standing statement (Vyacheslav Gladkov withdrew a confirm)"
    )
    assert [(r["event_id"], r["retract_reason"]) for r in why["withdrawn"]] == [(confirm.id, "spoke too soon")]

"""Corrections, amendments and parties (DESIGN "Corrections, amendments and parties") in the two pure layers:
the new events through the converter and upcasting path, and their fold. The store and CLI come later."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from factlog import beliefs as bl
from factlog import events as ev
from factlog.errors import InvalidInput

UTC = dt.timezone.utc
T0 = dt.datetime(2022, 11, 15, 15, tzinfo=UTC)
ENVELOPE = {"id": "0190a1b2-0000-7000-8000-000000000009", "version": 1, "recorded_at": "2022-11-16T10:00:00+00:00",
            "observed_at": "2022-11-16T10:00:00+00:00", "recorded_by": "tester"}
RECORDS = {
    "statement-voided": {"target": "0190a1b2-0000-7000-8000-000000000001", "reason": "wrong source"},
    "fact-amended": {"fact": "przewodow", "add_parties": ["nato"], "remove_tags": ["rumour"],
                     "occurred_at": "2022-11-15T15:40:00+01:00"},
    "source-amended": {"source": "pap", "kind": "agency", "no_party": True, "reliability": "B"},
    "party-registered": {"party": "nato", "name": "NATO", "kind": "alliance"},
    "party-amended": {"party": "nato", "name": "North Atlantic Treaty Organization"},
}


def record(event_type: str, **data) -> dict:
    return {**ENVELOPE, "type": event_type, "data": {**RECORDS[event_type], **data}}


def refused(wire: dict) -> str:
    with pytest.raises(InvalidInput) as info:
        ev.from_wire(wire)
    assert "\n" not in str(info.value)
    return str(info.value)


# --- the events ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", RECORDS)
def test_each_new_event_has_a_type_and_version_1_and_round_trips(event_type):
    event = ev.from_wire(record(event_type))
    assert type(event).TYPE == event_type and type(event).VERSION == 1 and event_type in ev.CORRECTION_TYPES
    assert ev.from_wire(ev.to_wire(event)) == event
    assert ev.to_wire(event)["data"].keys() == set(ev.data_fields(type(event)))


def test_fact_amended_reads_its_fields_as_the_fold_needs_them():
    event = ev.from_wire(record("fact-amended"))
    assert event.add_parties == ("nato",) and event.remove_tags == ("rumour",) and event.statement is None
    assert event.occurred_at == dt.datetime(2022, 11, 15, 14, 40, tzinfo=UTC)


@pytest.mark.parametrize("event_type, data", [
    ("fact-amended", {"fact": "przewodow"}),
    ("source-amended", {"source": "pap"}),
    ("party-amended", {"party": "nato"}),
])
def test_an_amendment_that_gives_no_change_is_refused(event_type, data):
    wire = {**ENVELOPE, "type": event_type, "data": data}
    assert "must change something" in refused(wire)


def test_an_amendment_refuses_what_contradicts_itself():
    assert "both in add_parties and in remove_parties" in refused(
        record("fact-amended", add_parties=["nato"], remove_parties=["nato"]))
    assert "both set a party and say no party" in refused(record("source-amended", party="poland"))


@pytest.mark.parametrize("event_type, data, words", [
    ("party-registered", {"party": "NATO"}, "party 'NATO' is not a slug"),
    ("party-registered", {"kind": "empire"}, "kind 'empire' is not one of state, organization"),
    ("party-registered", {"name": " "}, "name must not be empty"),
    ("source-amended", {"no_party": 1}, "no_party: expected true or false, got int"),
    ("source-amended", {"kind": "spy"}, "kind 'spy' is not one of"),
    ("statement-voided", {"reason": ""}, "reason must not be empty"),
    ("statement-voided", {"target": 5}, "target: expected a string, got int"),
    ("fact-amended", {"add_tags": "war"}, "add_tags: expected a list, got str"),
    ("party-amended", {"colour": "blue"}, "colour"),
])
def test_bad_fields_of_the_new_events_are_refused_in_words(event_type, data, words):
    assert words in refused(record(event_type, **data))


def test_a_newer_version_of_a_new_type_is_refused_not_misread():
    assert "newer than this factlog knows" in refused({**record("statement-voided"), "version": 2})


def test_the_python_api_builds_the_same_checks():
    with pytest.raises(ValueError, match="must change something"):
        ev.PartyAmended(id="x", recorded_at=T0, observed_at=T0, recorded_by="t", party="nato")
    with pytest.raises(ValueError, match="no_party must be true or false"):
        ev.SourceAmended(id="x", recorded_at=T0, observed_at=T0, recorded_by="t", source="pap", no_party="yes")


# --- the fold -------------------------------------------------------------------------------------------------


class Story:
    """Events as the store would hand them back: numbered, recorded a second apart, a day after they were said."""

    def __init__(self) -> None:
        self.events: list[ev.Event] = []
        self._seq = itertools.count(1)

    def add(self, cls: type[ev.Event], minute: int | None = None, **data) -> ev.Event:
        seq = next(self._seq)
        recorded = T0 + dt.timedelta(days=1, seconds=seq)
        observed = recorded if minute is None else T0 + dt.timedelta(minutes=minute)
        event = cls(id=f"e{seq}", seq=seq, recorded_at=recorded, observed_at=observed, recorded_by="t", **data)
        self.events.append(event)
        return event

    def say(self, cls: type[ev.Event], source: str, minute: int, fact: str = "przewodow") -> ev.Event:
        return self.add(cls, minute, fact=fact, source=source, quote=f"{source} says")

    def belief(self, fact: str = "przewodow", upto: int | None = None,
               valid_at: dt.datetime | None = None) -> bl.Belief:
        return bl.fold_log(self.events[:upto], valid_at).belief(fact)


@pytest.fixture
def story() -> Story:
    s = Story()
    s.add(ev.SourceRegistered, source="pap", name="PAP", kind="agency", party="poland")
    s.add(ev.SourceRegistered, source="kprm", name="Polish government", kind="official", party="poland")
    s.add(ev.SourceRegistered, source="mod-ua", name="Ukrainian MoD", kind="official", party="ukraine")
    s.add(ev.FactOpened, fact="przewodow", statement="A Russian missile hit Przewodów", parties=("poland",))
    return s


def test_a_voided_statement_counts_nowhere_from_its_seq_on(story):
    wrong = story.say(ev.Claim, "mod-ua", 10)  # it was PAP that said it, not Ukraine
    story.say(ev.Claim, "pap", 10)
    before = story.belief()
    assert before.parties == {"poland": "unconfirmed", "ukraine": "confirmed"}
    story.add(ev.StatementVoided, target=wrong.id, reason="wrong source")
    after = story.belief()
    assert after.status == "claimed" and after.label == "claimed: by PAP; unconfirmed by Poland"
    assert after.parties == {"poland": "unconfirmed"} and after.statement_count == 1
    assert [v.event_id for v in after.voided] == [wrong.id]
    assert story.belief(upto=6) == before  # the view before the void still shows what the log said then
    # a void has no valid time: a --valid-at view before anything was said, or before the void, leaves it out
    assert "ukraine" not in story.belief(valid_at=T0 + dt.timedelta(minutes=11)).parties


def test_voiding_a_retraction_makes_the_statement_stand_again(story):
    said = story.say(ev.Deny, "kprm", 5)
    withdrawal = story.add(ev.Retract, 20, target=said.id, reason="withdrawn")
    assert story.belief().status == "retracted" and story.belief().label == "retracted: by Poland"
    story.add(ev.StatementVoided, target=withdrawal.id, reason="it was never withdrawn")
    belief = story.belief()
    assert belief.status == "denied" and belief.parties == {"poland": "denied"} and belief.withdrawn == ()
    assert belief.label == "denied: by Poland"
    assert bl.explain(belief, bl.fold_log(story.events).sources)["voided"][0]["type"] == "retract"


def test_a_voided_retraction_said_after_valid_at_changes_nothing(story):
    said = story.say(ev.Claim, "pap", 5)
    withdrawal = story.add(ev.Retract, 60, target=said.id, reason="r")
    story.add(ev.StatementVoided, target=withdrawal.id, reason="error")
    assert story.belief(valid_at=T0 + dt.timedelta(minutes=30)).status == "claimed"
    assert story.belief().status == "claimed"


def test_a_fact_amendment_counts_in_every_valid_time_view(story):
    story.say(ev.Confirm, "mod-ua", 30)
    story.add(ev.FactAmended, fact="przewodow", add_parties=("nato",), remove_parties=("poland",),
              add_tags=("missile",), statement="A missile hit Przewodów")
    early = story.belief(valid_at=T0)
    assert early.statement == "A missile hit Przewodów" and early.parties == {"nato": "unconfirmed"}
    state = bl.fold_log(story.events).facts["przewodow"]
    assert state.parties == ("nato",) and state.tags == ("missile",) and state.updated_seq == 6


def test_a_source_amendment_changes_the_stances_of_every_fact_it_spoke_on(story):
    story.add(ev.FactOpened, fact="second", statement="s", parties=())
    story.say(ev.Claim, "pap", 5)
    story.say(ev.Deny, "pap", 5, fact="second")
    amended = story.add(ev.SourceAmended, source="pap", kind="official")
    assert story.belief().parties == {"poland": "confirmed"}
    assert story.belief("second").label == "denied: by Poland"
    changed = [c for c in bl.changes(story.events) if c.event is amended]
    assert [(c.fact, c.source, c.after.status) for c in changed] == [("przewodow", "pap", "claimed"),
                                                                        ("second", "pap", "denied")]
    story.add(ev.SourceAmended, source="pap", no_party=True, name="Polish Press Agency")
    assert story.belief().label == "claimed: by Polish Press Agency; unconfirmed by Poland"


def test_labels_use_a_registered_party_name_and_title_case_otherwise(story):
    story.add(ev.FactAmended, fact="przewodow", add_parties=("nato", "un"))
    assert story.belief().label == "open: unconfirmed by Poland, Nato, Un"
    story.add(ev.PartyRegistered, party="nato", name="NATO", kind="alliance")
    story.add(ev.PartyRegistered, party="un", name="UN", kind="organization")
    story.add(ev.PartyAmended, party="un", name="United Nations")
    assert story.belief().label == "open: unconfirmed by Poland, NATO, United Nations"
    assert bl.fold_log(story.events).parties["un"] == bl.PartyInfo("un", "United Nations", "organization")
    assert [c.after.label for c in bl.changes(story.events)][-3:] == [
        "open: unconfirmed by Poland, NATO, Un", "open: unconfirmed by Poland, NATO, UN",
        "open: unconfirmed by Poland, NATO, United Nations"]


def test_who_is_who_folds_registrations_and_amendments(story):
    story.add(ev.SourceAmended, source="kprm", reliability="A", url="https://gov.pl")
    story.add(ev.PartyRegistered, party="poland", name="Poland", kind="state")
    sources, parties = bl.who_is_who(story.events)
    assert sources["kprm"] == bl.SourceInfo("kprm", "Polish government", "official", "poland", "A", "https://gov.pl")
    assert parties == {"poland": bl.PartyInfo("poland", "Poland", "state")}


def test_chronology_tells_the_story_in_valid_time_with_all_the_log_holds(story):
    late = story.say(ev.Deny, "kprm", 50)  # recorded first, said last
    story.say(ev.Claim, "pap", 10)
    wrong = story.say(ev.Confirm, "mod-ua", 20)
    story.add(ev.StatementVoided, target=wrong.id, reason="never said")
    story.add(ev.SourceAmended, source="pap", name="Polish Press Agency")
    moments = bl.chronology(story.events, "przewodow")
    assert [m.event.TYPE for m in moments] == ["claim", "deny", "fact-opened"]
    assert [m.after.label for m in moments] == [
        "claimed: by Polish Press Agency; unconfirmed by Poland",
        "disputed: claimed by Polish Press Agency; denied by Poland",
        "disputed: claimed by Polish Press Agency; denied by Poland",
    ]
    assert moments[1].event is late and moments[1].before == moments[0].after
    assert bl.chronology(story.events, "unknown") == []

"""The converter at the library level: strict structuring of wire records, readable errors, upcasting."""

import copy
import datetime as dt
import json
import sqlite3

import pytest

import factlog
from factlog import events as ev
from factlog.errors import InvalidInput

UTC = dt.timezone.utc

CLAIM = {
    "id": "0190a1b2-0000-7000-8000-000000000001",
    "type": "claim",
    "version": 1,
    "recorded_at": "2022-03-30T10:00:00+03:00",
    "observed_at": "2022-03-30T00:30:00+03:00",
    "recorded_by": "tester",
    "data": {"fact": "belgorod-tochka-u", "source": "butusov", "quote": "A Tochka-U hit the depot",
             "credibility": 3},
}


def claim(envelope=None, **data):
    """A copy of CLAIM with envelope keys and data keys replaced."""
    record = copy.deepcopy(CLAIM)
    record.update(envelope or {})
    record["data"].update(data)
    return record


def refused(record):
    with pytest.raises(InvalidInput) as info:
        ev.from_wire(record)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_valid_record_structures_into_its_class():
    event = ev.from_wire(claim())
    assert isinstance(event, ev.Claim)
    assert event.fact == "belgorod-tochka-u" and event.credibility == 3
    assert ev.to_wire(event)["data"] == {**CLAIM["data"], "url": None, "note": None}


@pytest.mark.parametrize("field", ["fact", "source", "quote", "note"])
def test_a_number_where_a_string_belongs_is_refused(field):
    message = refused(claim(**{field: 5}))
    assert "expected a string, got int" in message
    assert f"{field}: " in message


def test_a_number_as_recorded_by_is_refused():
    assert "recorded_by: " in refused(claim({"recorded_by": 5}))


@pytest.mark.parametrize("value, kind", [("3", "str"), (True, "bool"), (False, "bool"), (3.0, "float")])
def test_credibility_must_be_a_real_int(value, kind):
    message = refused(claim(credibility=value))
    assert f"expected an integer, got {kind}" in message
    assert "credibility: " in message


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_as_values_are_refused(value):
    refused(claim(credibility=value))
    refused(claim(quote=value))


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e999}'])
def test_strict_json_loads_refuses_nan_and_infinity(text):
    assert json.loads(text)  # the standard library would have read it
    with pytest.raises(ValueError):
        ev.strict_json_loads(text)


@pytest.mark.parametrize("text", ['{"a": 1, "a": 2}', '[{"x": {"b": 1, "b": 1}}]'])
def test_strict_json_loads_refuses_a_key_given_twice_and_names_it(text):
    assert json.loads(text)  # the standard library would keep the last value
    with pytest.raises(ValueError, match="key '[ab]' appears twice"):
        ev.strict_json_loads(text)


def test_strict_json_loads_reads_ordinary_json():
    assert ev.strict_json_loads('{"a": 1.5, "b": [1, "x"]}') == {"a": 1.5, "b": [1, "x"]}


def test_a_record_read_with_strict_json_loads_round_trips():
    text = ev.canonical_json(claim())
    assert ev.to_wire(ev.from_wire(ev.strict_json_loads(text)))["id"] == CLAIM["id"]


def test_canonical_json_refuses_nan():
    with pytest.raises(ValueError):
        ev.canonical_json({"x": float("nan")})


def test_unknown_key_in_data_is_refused():
    message = refused(claim(bogus=1))
    assert "bogus" in message


def test_unknown_key_in_envelope_is_refused():
    message = refused(claim({"bogus_envelope": 1}))
    assert "bogus_envelope" in message


def test_envelope_field_inside_data_is_refused():
    assert "recorded_by" in refused(claim(recorded_by="someone"))


@pytest.mark.parametrize("field", ["recorded_at", "observed_at"])
def test_naive_times_are_refused(field):
    message = refused(claim({field: "2022-03-30T10:00:00"}))
    assert "no UTC offset" in message
    assert f"{field}: " in message


def test_unparsable_time_is_refused():
    assert "cannot read 'yesterday' as a time" in refused(claim({"observed_at": "yesterday"}))


def test_naive_datetime_object_is_refused():
    refused(claim({"observed_at": dt.datetime(2022, 3, 30, 10, 0)}))


def test_times_with_offsets_are_stored_in_utc():
    event = ev.from_wire(claim())
    assert event.recorded_at == dt.datetime(2022, 3, 30, 7, 0, tzinfo=UTC)
    assert event.recorded_at.utcoffset() == dt.timedelta(0)
    wire = ev.to_wire(event)
    assert wire["recorded_at"] == "2022-03-30T07:00:00.000000+00:00"
    assert wire["observed_at"] == "2022-03-29T21:30:00.000000+00:00"


def test_z_suffix_is_utc():
    event = ev.from_wire(claim({"observed_at": "2022-03-30T07:00:00Z"}))
    assert event.observed_at == dt.datetime(2022, 3, 30, 7, 0, tzinfo=UTC)


def test_messages_are_readable_and_name_each_bad_field():
    message = refused(claim({"observed_at": "2022-03-30T10:00:00"}, fact=5, credibility="x"))
    assert message.startswith("invalid claim event: ")
    # cattrs.transform_error gives one "<reason> @ <path>" per failure, reworded as "<field>: <reason>"
    for field in ("fact", "credibility", "observed_at"):
        assert f"{field}: " in message
    assert " @ " not in message
    assert "Traceback" not in message and "ClassValidationError" not in message


@pytest.mark.parametrize("value, words", [
    ("Bad Id", "is not a slug"), ("a--b", "is not a slug"), ("-a", "is not a slug"), ("a" * 65, "at most 64"),
])
def test_malformed_slugs_are_refused(value, words):
    assert words in refused(claim(fact=value))


@pytest.mark.parametrize("quote", ["", "   ", "\n\t"])
def test_empty_quote_is_refused(quote):
    assert "quote must not be empty" in refused(claim(quote=quote))


def test_nul_character_is_refused():
    assert "NUL" in refused(claim(quote="a\x00b"))


@pytest.mark.parametrize("record, words", [
    ({"type": "source-registered", "data": {"source": "s", "name": "S", "kind": "bogus"}}, "kind 'bogus'"),
    ({"type": "source-registered", "data": {"source": "s", "name": "S", "reliability": "G"}}, "reliability 'G'"),
    ({"type": "claim", "data": {"fact": "f", "source": "s", "credibility": 7}}, "outside 1-6"),
    ({"type": "claim", "data": {"fact": "f", "source": "s", "credibility": 0}}, "outside 1-6"),
    ({"type": "fact-opened", "data": {"fact": "f", "statement": "S", "parties": ["a", "a"]}}, "same item twice"),
    ({"type": "fact-opened", "data": {"fact": "f", "statement": "S", "parties": "ukraine"}}, "expected a list"),
    ({"type": "fact-opened", "data": {"fact": "f", "statement": " "}}, "statement must not be empty"),
])
def test_validators_refuse_bad_values(record, words):
    full = {key: CLAIM[key] for key in ("id", "version", "recorded_at", "observed_at", "recorded_by")}
    full["version"] = ev.EVENT_CLASSES[record["type"]].VERSION
    assert words in refused({**full, **record})


def test_unknown_type_is_refused():
    message = refused(claim({"type": "rumour"}))
    assert "unknown event type 'rumour'" in message
    assert "claim" in message  # lists the known types


def test_missing_type_is_refused():
    record = claim()
    del record["type"]
    assert "unknown event type None" in refused(record)


def test_version_newer_than_known_is_refused():
    message = refused(claim({"version": 2}))
    assert "version 2 is newer" in message


@pytest.mark.parametrize("version", ["1", True, 1.0])
def test_version_must_be_an_int(version):
    assert "version must be an integer" in refused(claim({"version": version}))


def test_data_must_be_an_object():
    record = claim()
    record["data"] = ["fact"]
    assert "data must be an object" in refused(record)


def test_a_record_must_be_an_object():
    with pytest.raises(InvalidInput, match="must be a JSON object"):
        ev.from_wire(["claim"])


V1_FACT = {
    "id": "0190a1b2-0000-7000-8000-0000000000f1",
    "type": "fact-opened",
    "version": 1,
    "recorded_at": "2022-03-30T10:00:00+00:00",
    "observed_at": "2022-03-30T10:00:00+00:00",
    "recorded_by": "old-analyst",
    "data": {"fact": "belgorod-explosion", "statement": "Explosions at an arms depot", "party": "ukraine"},
}


def test_version_1_fact_opened_is_upcast_to_version_2():
    event = ev.from_wire(copy.deepcopy(V1_FACT))
    assert isinstance(event, ev.FactOpened) and ev.FactOpened.VERSION == 2
    assert event.parties == ("ukraine",)
    wire = ev.to_wire(event)
    assert wire["version"] == 2
    assert "party" not in wire["data"] and wire["data"]["parties"] == ["ukraine"]


def test_version_1_fact_opened_without_party_has_no_parties():
    record = copy.deepcopy(V1_FACT)
    del record["data"]["party"]
    assert ev.from_wire(record).parties == ()


def test_version_1_payload_with_version_2_key_is_refused():
    record = copy.deepcopy(V1_FACT)
    record["data"]["parties"] = ["russia"]
    # v1 never had "parties": the upcast must not silently overwrite (and so hide) an unknown key
    assert "parties" in refused(record)


def test_stored_version_1_event_is_never_rewritten(tmp_path):
    path = tmp_path / "old.db"
    with factlog.open_log(path, user="tester") as log:
        [(event, new)] = log.append_records([copy.deepcopy(V1_FACT)])
        assert new and event.parties == ("ukraine",)
        assert log.verify()[0] == 1
        [read_back] = list(log.events())
        assert read_back.parties == ("ukraine",)
        [status] = log.status()
        assert status["parties"] == {"ukraine": "unconfirmed"}
    raw = sqlite3.connect(path)
    version, data = raw.execute("SELECT version, data FROM events WHERE id = ?", (V1_FACT["id"],)).fetchone()
    raw.close()
    assert version == 1
    assert json.loads(data) == V1_FACT["data"]
    with factlog.open_log(path, create=False) as log:
        assert log.verify()[0] == 1
        [(again, new)] = log.append_records([copy.deepcopy(V1_FACT)])  # same content: a no-op
        assert not new and again.seq == 1


def test_new_event_ids_are_unique_uuid7():
    ids = [ev.new_event_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 36 and i[14] == "7" and i[19] in "89ab" for i in ids)

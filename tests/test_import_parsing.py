"""The per-record front half of `factlog import`: the fast paths give exactly what the plain code gave.

Each fast path here is checked against a plain reference written the way the code read before it was made fast:
same results for what it accepts, the same exception (type and words) for what it refuses. ``from_wire`` has one
path (the converter): it is checked to build what round-trips or to refuse in one line.
"""

import hashlib
import json

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factlog import events as ev
from factlog.errors import InvalidInput
from factlog.events import canonical_json
from factlog.events import jsontext
from factlog.store import chain_hash

examples = settings(max_examples=300, deadline=None, database=None)

# Text of any code point, lone surrogates included (JSON's \ud800 escapes give them).
any_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF))
ascii_text = st.text(alphabet=st.characters(max_codepoint=0x7F))
hash_values = st.one_of(
    any_text, ascii_text, st.binary(), st.integers(), st.none(), st.booleans(),
    st.floats(allow_nan=False), st.sampled_from(["sha256:" + "0" * 64, "é", "\ud800", "\U0001f600"]),
)


def reference_chain_hash(prev_hash, seq, *fields):
    parts = []
    for value in (prev_hash, seq, *fields):
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
        parts.append(b"%d:%s" % (len(raw), raw))
    return "sha256:" + hashlib.sha256(b"".join(parts)).hexdigest()


def outcome(function, *args):
    try:
        return "ok", function(*args)
    except Exception as exc:  # noqa: BLE001  (the exception is the result being compared)
        return type(exc), str(exc)


@examples
@given(st.lists(hash_values, min_size=2, max_size=12))
def test_chain_hash_gives_the_reference_digest_or_the_same_error(values):
    assert outcome(chain_hash, *values) == outcome(reference_chain_hash, *values)


@pytest.mark.slow
@examples
@given(st.lists(st.one_of(any_text, ascii_text), min_size=9, max_size=9))
def test_chain_hash_of_text_fields_gives_the_reference_digest(values):
    assert outcome(chain_hash, *values) == outcome(reference_chain_hash, *values)


def test_chain_hash_counts_bytes_not_characters():
    # "é" is one character and two bytes: a length in characters would collide with other splits
    assert chain_hash("é", 1) == reference_chain_hash("é", 1)
    assert chain_hash("é", 1) != chain_hash("e", 1)


def test_chain_hash_refuses_a_lone_surrogate_as_before():
    with pytest.raises(UnicodeEncodeError) as info:
        chain_hash("sha256:x", 1, "ok", "a\ud800b")
    with pytest.raises(UnicodeEncodeError) as reference:
        reference_chain_hash("sha256:x", 1, "ok", "a\ud800b")
    assert str(info.value) == str(reference.value)


# --- a lone surrogate in a record that carries its hash ------------------------------------------------------

def _surrogate_in(record, where):
    if where in ("id", "recorded_by", "prev_hash"):
        record[where] = record[where][:3] + "\ud800" + record[where][3:]
    elif where == "data key":
        record["data"]["\udc00"] = "x"
    elif where == "data value":
        record["data"]["source"] = "tass\ud800"
    elif where == "version":
        record["version"] = "\ud800"
    return record


@pytest.mark.parametrize("where", ["id", "recorded_by", "prev_hash", "data key", "data value", "version"])
def test_a_lone_surrogate_in_a_hashed_record_is_refused_in_one_line(tmp_path, run, db_path, where):
    from factlog.testing import build_sample_log, invoke

    lines = invoke(build_sample_log(tmp_path / "sample.db"), "export", "jsonl").splitlines()
    record = _surrogate_in(json.loads(lines[14]), where)
    assert record["hash"]
    bad = json.dumps(record).encode()  # ensure_ascii: the surrogate travels as the escape \ud800
    (tmp_path / "bad.jsonl").write_bytes(b"\n".join([*lines[:14], bad, *lines[15:]]) + b"\n")
    result = run("import", tmp_path / "bad.jsonl", ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: line 15: invalid claim event: "), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert json.loads(invoke(db_path, "log", "--json")) == []


# --- canonical_json -------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(any_text, children, max_size=4)),
    max_leaves=20,
)


def reference_canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@pytest.mark.slow
@examples
@given(json_values)
def test_canonical_json_spells_what_json_dumps_spells(value):
    assert outcome(canonical_json, value) == outcome(reference_canonical_json, value)


def test_canonical_json_refuses_a_cycle_and_forgets_it():
    loop = []
    loop.append(loop)
    assert outcome(canonical_json, loop) == outcome(reference_canonical_json, loop)
    assert canonical_json([[1.5], {"b": 1, "a": None}]) == '[[1.5],{"a":null,"b":1}]'


def test_canonical_json_refuses_what_json_cannot_hold():
    for value in ({"a": float("nan")}, {"a": object()}, {1: 2, "a": 3}):
        assert outcome(canonical_json, value) == outcome(reference_canonical_json, value)


# --- from_wire: every record is built and round-trips, or is refused in one line ---------------------------------

TIME = "2022-03-30T10:00:00.000000+00:00"
ENVELOPE = {"seq": 7, "id": "0190a1b2-0000-7000-8000-000000000001", "version": 1, "recorded_at": TIME,
            "observed_at": "2022-03-30T12:00:00+03:00", "recorded_by": "tester", "prev_hash": "sha256:" + "0" * 64,
            "hash": "sha256:" + "1" * 64}
VALID = [
    {**ENVELOPE, "type": "source-registered", "data": {"source": "tass", "name": "TASS", "kind": "agency",
                                                       "party": "russia", "reliability": "B", "url": "https://x"}},
    {**ENVELOPE, "type": "fact-opened", "version": 2, "data": {"fact": "f-1", "statement": "It burns",
                                                               "parties": ["russia"], "tags": ["a", "b"],
                                                               "occurred_at": TIME}},
    {**ENVELOPE, "type": "fact-opened", "data": {"fact": "f-1", "statement": "It burns", "party": "russia"}},
    {**ENVELOPE, "type": "fact-reworded", "data": {"fact": "f-1", "statement": "It burnt", "reason": "typo"}},
    {**ENVELOPE, "type": "claim", "data": {"fact": "f-1", "source": "tass", "quote": "Café \u0436", "url": "u",
                                           "credibility": 2, "note": None}},
    {**ENVELOPE, "type": "deny", "data": {"fact": "f-1", "source": "tass"}},
    {**ENVELOPE, "type": "retract", "data": {"target": "0190a1b2-0000-7000-8000-000000000002", "reason": "r"}},
]
ODD_VALUES = [
    None, True, False, 0, -1, 2, 3, 6, 7, 9, 2**63 - 1, 2**63, -2**63, 1.0, 2.5, "", " ", "\t", "tass", "TASS",
    "a\x00b", "\x00", "a\ud800", "\udc00", "caf\u00e9", "\u0436", "x" * 64, "x" * 65, "x" * 501, "x" * 2_001,
    "x" * 20_001, "F", "G", "AB", "agency", "spy", "a--b", "-a", "2022-03-30T10:00:00", "2022-03-30T10:00:00Z",
    "2022-03-30T10:00:00.000000+00:00", "2022-13-30T10:00:00.000000+00:00", " 2022-03-30T10:00:00+00:00",
    "claim", "fact-opened", "sha256:", "1", [], ["a"], ["a", "a"], ["A"], [1], [None], ["a\x00"], ["x"] * 101, (),
    {}, {"a": 1},
]
KEYS = [*ENVELOPE, "type", "data", "fact", "source", "statement", "parties", "party", "tags", "name", "kind", "quote",
        "url", "note", "reliability", "credibility", "target", "reason", "occurred_at", "colour"]
odd_values = st.one_of(st.sampled_from(ODD_VALUES), st.integers(), st.floats(allow_nan=False), any_text,
                       st.lists(st.sampled_from(["a", "b", "a", 1, None, "B"]), max_size=4))
keys = st.sampled_from(KEYS)


@st.composite
def mutated_records(draw):
    record = json.loads(json.dumps(draw(st.sampled_from(VALID))))
    for _ in range(draw(st.integers(0, 3))):
        where = record["data"] if isinstance(record.get("data"), dict) and draw(st.booleans()) else record
        key = draw(keys)
        if draw(st.integers(0, 3)) == 0:
            where.pop(key, None)
        else:
            where[key] = draw(odd_values)
    return record


def wire_outcome(record):
    """What from_wire makes of a copy of ``record``: the event, or the error's type and words."""
    kind, value = outcome(ev.from_wire, json.loads(json.dumps(record)))
    return (kind, value, type(value)) if kind == "ok" else (kind, value)


def single_changes():
    """Every valid record with one key (of the record, or of its data) set to each odd value, or removed."""
    for record in VALID:
        for key in KEYS:
            for in_data in (False, True):
                for value in [*ODD_VALUES, "<removed>"]:
                    changed = json.loads(json.dumps(record))
                    where = changed["data"] if in_data else changed
                    if value == "<removed>":
                        where.pop(key, None)
                    else:
                        where[key] = value
                    yield changed


def builds_or_refuses_in_one_line(record):
    """from_wire builds an event that round-trips through its wire record, or refuses with one InvalidInput
    line; never another exception."""
    result = wire_outcome(record)
    if result[0] == "ok":
        event = result[1]
        assert ev.from_wire(ev.to_wire(event)) == event
        return True
    assert result[0] is InvalidInput and "\n" not in result[1] and result[1], result
    return False


@pytest.mark.slow
def test_from_wire_builds_or_refuses_every_single_change():
    # exhaustive for one change at a time (about 10,000 records); the hypothesis test below combines changes
    built = [builds_or_refuses_in_one_line(record) for record in single_changes()]
    assert any(built) and not all(built)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, database=None)
@given(mutated_records())
def test_from_wire_builds_or_refuses_combined_changes(record):
    builds_or_refuses_in_one_line(record)


@pytest.mark.parametrize("record", VALID, ids=[r["type"] for r in VALID])
def test_valid_records_structure_and_round_trip(record):
    event = ev.from_wire(json.loads(json.dumps(record)))
    assert isinstance(event, ev.EVENT_CLASSES[record["type"]])
    assert event.seq == 7 and event.recorded_at.isoformat() == "2022-03-30T10:00:00+00:00"
    assert ev.from_wire(ev.to_wire(event)) == event


# --- placed ----------------------------------------------------------------------------------------------------


def test_placed_where_the_record_was_keeps_the_event_and_elsewhere_gives_a_copy():
    from factlog.store import placed

    event = ev.from_wire(json.loads(json.dumps(VALID[4])))
    assert placed(event, event.seq, event.prev_hash, event.hash) is event
    moved = placed(event, 8, event.hash, "sha256:" + "2" * 64)
    assert (moved.seq, moved.prev_hash, moved.hash) == (8, event.hash, "sha256:" + "2" * 64)
    assert moved == attrs.evolve(event, seq=8, prev_hash=event.hash, hash="sha256:" + "2" * 64)
    assert (event.seq, event.hash) == (7, "sha256:" + "1" * 64)  # the original is untouched


# --- reading a line: repeated keys at any depth are refused -----------------------------------------------------
# The decoder keeps its Python hook: a cheaper test for "no key repeats" was tried and cost more than the hook (a
# scan of the line for each pattern), and dict(pairs) in the hook saved 0.05 us. These tests guard a later try.


def reference_unique_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice")
        result[key] = value
    return result


REFERENCE_DECODER = json.JSONDecoder(parse_constant=jsontext._refuse_constant,
                                     parse_float=jsontext._finite_float, object_pairs_hook=reference_unique_keys)
few_keys = st.sampled_from(["a", "b", "id", "data", "é", "\ud800", ""])


def json_text(node):
    """JSON text of a tree whose objects are lists of pairs, so that a key can appear twice."""
    kind, value = node
    if kind == "object":
        return "{" + ", ".join(f"{json.dumps(key)}: {json_text(child)}" for key, child in value) + "}"
    if kind == "array":
        return "[" + ",".join(json_text(child) for child in value) + "]"
    return value


json_trees = st.recursive(
    st.tuples(st.just("leaf"), st.sampled_from(["1", "-2.5", "1e999", "NaN", "null", "true", '"x"', '"\\ud800"'])),
    lambda children: st.one_of(
        st.tuples(st.just("object"), st.lists(st.tuples(few_keys, children), max_size=4)),
        st.tuples(st.just("array"), st.lists(children, max_size=3)),
    ),
    max_leaves=12,
)


@examples
@given(json_trees)
def test_a_line_decodes_as_before_repeated_keys_included(tree):
    text = json_text(tree)
    assert outcome(jsontext.STRICT_DECODER.decode, text) == outcome(REFERENCE_DECODER.decode, text)


@pytest.mark.parametrize("text, key", [('{"a": 1, "a": 2}', "a"), ('{"d": {"b": 1, "c": 2, "b": 3}}', "b"),
                                       ('[{"x": [{"y": 1, "y": 1}]}]', "y"), ('{"a": 1, "b": 2, "b": 2, "a": 1}', "b")])
def test_the_first_repeated_key_is_named(text, key):
    with pytest.raises(ValueError, match=f"key '{key}' appears twice"):
        jsontext.STRICT_DECODER.decode(text)


def test_a_line_nested_deeper_than_orjson_writes_is_worded_by_the_strict_decoder():
    """orjson reads 1,000 levels but writes only 255: the line then takes the standard library's path, which
    refuses it in words (no orjson exception escapes)."""
    from factlog.events.jsonlines import parse_line

    deep = "[" * 1000 + "]" * 1000
    with pytest.raises(InvalidInput, match="line 2 is not valid JSON"):
        parse_line(f'{{"data":{deep}}}\n'.encode(), 2)
    assert parse_line(f'{{"data":{deep[744:-744]}}}\n'.encode(), 2) == {"data": json.loads(deep[744:-744])}

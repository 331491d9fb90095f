"""The per-record front half of `factlog import`: the fast paths give exactly what the plain code gave.

Each fast path here is checked against a plain reference written the way the code read before it was made fast:
same results for what it accepts, the same exception (type and words) for what it refuses.
"""

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factlog.events import canonical_json
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

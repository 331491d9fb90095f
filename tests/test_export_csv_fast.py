"""``export csv --view events`` builds its lines from the stored columns; its bytes must stay those of the path
it replaced: every wire record's values through ``cell``, one ``csv.writer.writerow`` per record.

``old_csv`` below is that path as it stood before the fast path (csv_exporter and text of commit def93b6), kept
here as the specification; each test compares the real CLI's output, or ``event_line``, with it.
"""

import csv
import io
import json
import re
import shutil
import sqlite3
from collections.abc import Mapping

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factlog import open_log
from factlog.cli import cli
from factlog.exporters.csv_exporter import event_line
from factlog.store import NOW, Clock
from factlog.store.rows import row_to_wire
from factlog.testing import build_sample_log, export, parse_csv, unneutralise
from factlog.views import columns

# --- the specification: the CSV writer as it was --------------------------------------------------------------

OLD_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
OLD_SURROGATE = re.compile("[\ud800-\udfff]")


def old_valid_text(text):
    return text if text.isascii() else OLD_SURROGATE.sub("\ufffd", text)


def old_neutralise(text):
    # issue 13: blanks and invisible characters before the sign do not hide a formula; a leading ' gets its own
    # guard, so the guard can always be undone
    shown = text.lstrip("".join(c for c in set(text) if c.isspace() or not c.isprintable()))
    starts = (*OLD_FORMULA_STARTS, "'")
    return "'" + text if text.startswith(starts) or shown.startswith(OLD_FORMULA_STARTS) else text


def old_flatten(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "; ".join(f"{key}={old_flatten(item)}" for key, item in value.items() if item is not None)
    if isinstance(value, (list, tuple)):
        return ", ".join(old_flatten(item) for item in value)
    return str(value)


def old_cell(value):
    if type(value) is str:
        return old_neutralise(old_valid_text(value))
    if type(value) is int and value >= 0:
        return value
    return old_neutralise(old_valid_text(old_flatten(value)))


def old_csv(records, names=columns("events")):
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([old_neutralise(name) for name in names])
    for record in records:
        writer.writerow([old_cell(record.get(name)) for name in names])
    return stream.getvalue().encode("utf-8")


def old_line(row):
    """The old bytes of one stored row (as text), or the exception the old path raised for it."""
    try:
        return old_csv([row_to_wire(row)]).decode("utf-8").split("\r\n", 1)[1]
    except Exception as exc:  # noqa: BLE001 - the kind and words of the failure are part of the behaviour
        return (type(exc), str(exc))


def new_line(row):
    try:
        return event_line(row)
    except Exception as exc:  # noqa: BLE001
        return (type(exc), str(exc))


def stored_records(path, clock=NOW):
    with open_log(path, create=False) as log:
        return list(log.store.wire_records(clock=clock))


# --- stored rows of every shape, straight through event_line ----------------------------------------------------

PIECES = ["=", "+", "-", "@", "\t", "\r", "\n", "\r\n", ",", '"', "'", "\x00", " ", ";", "a", "Z", "0", "é", "北",
          "\ufeff", "\uff1d", "\uff0d", "\ud800", "\udfff", "🙂", "\\", "[", "{", "null"]
texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=6).map("".join),
    st.text(max_size=12),
    st.just("017f29e3-7ace-75cf-859a-91e1c527e279"),
    st.just("2022-02-24T04:00:48.334900+00:00"),
)
# mostly the plain text a log holds (an odd column is then the one thing the fast path must notice)
plain = st.from_regex(r"[a-z0-9:. ;=-]{0,10}", fullmatch=True)
odd_types = st.one_of(st.none(), st.integers(-3, 3), st.floats(allow_nan=False), st.binary(max_size=4))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False), plain, texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=5)),
    max_leaves=12,
)


@st.composite
def payloads(draw):
    value = draw(json_values)
    text = json.dumps(value, sort_keys=draw(st.booleans()), separators=(",", ":"), ensure_ascii=draw(st.booleans()))
    return draw(st.one_of(
        *[st.just(text)] * 6,
        st.sampled_from([" ", "\n", "x", "}", ""]).map(lambda extra: extra + text),
        st.sampled_from([" ", "\n", "x", "}", ",1"]).map(lambda extra: text + extra),
        st.sampled_from(['{"a":1,"a":"=2","b":null}', '{"b":1,"a":[null,true,1.5]}', "NaN", "[Infinity]",
                         '{"x":"\\ud800"}', '{"k":"a\nb"}', "1" * 5000, '"=cmd"', "-1", "not json"]),
    ))


@st.composite
def rows(draw):
    """A stored row: each column usually what factlog writes there, one time in six something else."""
    def column(usual):
        return draw(usual) if draw(st.integers(0, 5)) else draw(st.one_of(texts, st.sampled_from(PIECES), odd_types))

    seq, version = column(st.integers(0, 10**12)), column(st.integers(0, 3))
    return (seq, column(plain), column(plain), version, column(plain), column(plain), column(plain),
            column(payloads()), column(plain), column(plain))


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_every_stored_row_gives_the_old_line_or_the_old_error(row):
    assert new_line(row) == old_line(row)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["fact", "source", "quote", "url", "note", "credibility", "parties"]),
                       st.one_of(plain, texts, st.integers(-7, 7), st.booleans(), st.floats(allow_nan=False),
                                 st.lists(st.one_of(plain, texts), max_size=3), st.none())))
def test_usual_rows_with_any_payload_text_give_the_old_line(payload):
    row = (7, "017f29e3-7ace-75cf-859a-91e1c527e279", "claim", 1, "2022-02-24T04:00:48.334900+00:00",
           "2022-02-24T04:00:48.334900+00:00", "ivan", json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                                               ensure_ascii=False),
           "sha256:" + "0" * 64, "sha256:" + "1" * 64)
    assert new_line(row) == old_line(row)


USUAL_ROW = (7, "017f29e3-7ace-75cf-859a-91e1c527e279", "claim", 1, "2022-02-24T04:00:48.334900+00:00",
             "2022-02-24T04:00:48.334900+00:00", "ivan", '{"fact":"f","quote":"q"}', "sha256:" + "0" * 64,
             "sha256:" + "1" * 64)
ONE_THING = [*PIECES, 'a"b', "a,b", "=x", "x=", "-1", "a\rb", "a\nb", "a\x00b", "\ud800x", "\uff1dx", "x\uff1d", "\tx",
             "x\t", "", " ", "'", "None"]


@pytest.mark.parametrize("index", [1, 2, 4, 5, 6, 7, 8, 9])
def test_a_usual_row_with_one_odd_text_gives_the_old_line(index):
    for text in ONE_THING:
        value = json.dumps({"fact": "f", "quote": text}, ensure_ascii=False) if index == 7 else text
        row = (*USUAL_ROW[:index], value, *USUAL_ROW[index + 1:])
        assert new_line(row) == old_line(row), row


# --- through the CLI, on real log files ---------------------------------------------------------------------------

def test_the_sample_logs_export_the_old_bytes(tmp_path):
    for hostile in (False, True):
        path = build_sample_log(tmp_path / f"sample-{hostile}.db", hostile=hostile)
        exported = export(path, "csv", "--view", "events")
        assert exported == old_csv(stored_records(path))
        records = parse_csv(exported)
        assert [int(row["seq"]) for row in records] == [record["seq"] for record in stored_records(path)]
        assert [unneutralise(row["id"]) for row in records] == [record["id"] for record in stored_records(path)]


def test_a_past_view_exports_the_old_bytes_of_that_view(tmp_path):
    path = build_sample_log(tmp_path / "sample.db", hostile=True)
    exported = export(path, "csv", "--view", "events", "--at-seq", "9")
    assert exported == old_csv(stored_records(path, Clock(at_seq=9)))
    assert len(parse_csv(exported)) == 9


hostile_text = st.lists(st.sampled_from(PIECES[:-6] + ["x", "b"]), min_size=1, max_size=8).map("".join).filter(
    lambda text: text.strip() and "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(name=hostile_text, quote=hostile_text, note=hostile_text)
def test_hostile_text_in_a_real_log_exports_the_old_bytes(tmp_path_factory, name, quote, note):
    path = tmp_path_factory.mktemp("hostile") / "log.db"
    with open_log(path, user="ivan") as log:
        log.add_source("hostile", name, "journalist")
        log.open_fact("hostile-fact", quote, ["russia"])
        log.claim("hostile-fact", "hostile", quote=quote, note=note, at="2022-03-30T10:00:00+00:00")
    exported = export(path, "csv", "--view", "events")
    assert exported == old_csv(stored_records(path))
    claim = parse_csv(exported)[-1]
    assert claim["type"] == "claim" and f"quote={quote}" in claim["data"]


def tampered_copy(path, target, statements):
    """A copy of the log changed by another program: triggers dropped, columns given odd types and texts."""
    shutil.copy(path, target)
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    for sql in statements:
        conn.execute(sql)
    conn.close()
    return target


ODD_COLUMNS = [
    "UPDATE events SET version = -1 WHERE seq = 1",
    "UPDATE events SET version = 'v2' WHERE seq = 2",
    "UPDATE events SET recorded_by = X'00ff' WHERE seq = 3",
    "UPDATE events SET recorded_by = 4.5 WHERE seq = 4",
    "UPDATE events SET id = '-' || id WHERE seq = 5",
    "UPDATE events SET type = '=cmd()' WHERE seq = 6",
    "UPDATE events SET observed_at = 'a,b' WHERE seq = 7",
    "UPDATE events SET data = ' ' || data || char(10) WHERE seq = 8",
    "UPDATE events SET data = '\"=cmd\"' WHERE seq = 9",
    "UPDATE events SET data = '[1,-2,true,null,1.5e3]' WHERE seq = 10",
    """UPDATE events SET data = '{"a":"x,y","a":"=z","b":null,"c":{"d":[]}}' WHERE seq = 11""",
    "UPDATE events SET data = '-5' WHERE seq = 12",
    "UPDATE events SET data = 'null' WHERE seq = 13",
    "UPDATE events SET prev_hash = 'tab' || char(9) || 'in' WHERE seq = 14",
    "UPDATE events SET hash = char(9) || 'lead' WHERE seq = 15",
    "UPDATE events SET recorded_by = 'ｓｏｍｅｏｎｅ' || char(65309) WHERE seq = 16",
    "UPDATE events SET seq = -20 WHERE seq = 17",
]


def test_a_log_changed_by_another_program_exports_the_old_bytes(tmp_path):
    sample = build_sample_log(tmp_path / "sample.db")
    path = tampered_copy(sample, tmp_path / "odd.db", ODD_COLUMNS)
    assert export(path, "csv", "--view", "events") == old_csv(stored_records(path))


def test_a_payload_that_is_not_json_fails_as_before(tmp_path):
    sample = build_sample_log(tmp_path / "sample.db")
    path = tampered_copy(sample, tmp_path / "bad.db", ["UPDATE events SET data = '{\"a\":1} x' WHERE seq = 3"])
    with pytest.raises(json.JSONDecodeError) as old_error:
        old_csv(stored_records(path))
    result = CliRunner().invoke(cli, ["--db", str(path), "export", "csv", "--view", "events"])
    assert result.exit_code == 1
    assert f"JSONDecodeError: {old_error.value}" in result.output

"""Hostile input: hypothesis-generated bad command lines and bad import lines (1,200 cases in all), and ids that
differ only in Unicode form.

Every bad input must give one ``Error:`` line, exit 1 (usage errors: 2), no traceback, nothing appended, and an
answer within seconds. The slowest answer is printed by tests/reliability/run.py.
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import unicodedata

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import factlog
from factlog.cli import cli
from factlog.errors import FactlogError
from factlog.store import GENESIS
from factlog.times import parse_user_time

EXAMPLES = int(os.environ.get("FACTLOG_FUZZ_EXAMPLES", "300"))  # per test; four tests: 1,200 cases in CI
TIME_LIMIT = 5.0  # seconds; answers take milliseconds, this only catches a hang
SLOWEST = {"seconds": 0.0, "case": None, "cases": 0}
MIB = 1024 * 1024
HUGE = "x" * (10 * MIB)

fuzz = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


# --- a log to attack ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """A small log: two sources, two facts, statements, one retraction. Returns (path, a statement id, ...)."""
    path = str(tmp_path_factory.mktemp("input") / "story.db")
    with factlog.open_log(path, user="analyst") as log:
        log.add_source("tass", "TASS", kind="agency")
        log.add_source("gladkov", "Vyacheslav Gladkov", kind="official", party="russia")
        log.open_fact("belgorod-explosion", "Explosions at an arms depot", parties=["ukraine", "russia"])
        log.open_fact("belgorod-tochka-u", "A Tochka-U hit the depot")
        claim = log.claim("belgorod-explosion", "tass", quote="It burns", at="2022-03-30T00:30:00+03:00")
        denial = log.deny("belgorod-tochka-u", "gladkov", at="2022-03-30T08:00:00+03:00")
        retracted = log.claim("belgorod-tochka-u", "tass", at="2022-03-30T01:00:00+03:00")
        log.retract(retracted.id, reason="misread", at="2022-03-30T02:00:00+03:00")
        opened = next(log.events(type="fact-opened"))
    return {"path": path, "claim": claim.id, "denial": denial.id, "retracted": retracted.id, "opened": opened.id}


def log_state(path: str) -> tuple:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*), max(seq), (SELECT hash FROM events ORDER BY seq DESC LIMIT 1)"
                            " FROM events").fetchone()
    finally:
        conn.close()


def refused(path: str, args: list[str]) -> None:
    """The contract for bad input, checked on one run of the real CLI in this process."""
    before = log_state(path)
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["--db", path, *args], env={"FACTLOG_TZ": None, "FACTLOG_USER": "fuzz"})
    elapsed = time.perf_counter() - started
    SLOWEST["cases"] += 1
    if elapsed > SLOWEST["seconds"]:
        SLOWEST.update(seconds=elapsed, case=[a[:80] for a in args])
    shown = [a[:80] for a in args]
    assert result.exception is None or isinstance(result.exception, SystemExit), (shown, repr(result.exception))
    tampered = (3,) if args[:1] == ["verify"] else ()  # verify: a head not in the log is its own status
    assert result.exit_code in (1, 2, *tampered), (shown, result.exit_code, result.output[:500])
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, (shown, result.stderr[:500])
    if result.exit_code == 1:
        assert result.stderr.count("\n") == 1, (shown, result.stderr[:500])
    assert result.stdout == "", (shown, result.stdout[:500])
    assert "Traceback" not in result.output
    assert log_state(path) == before, (shown, "something was appended")
    assert elapsed < TIME_LIMIT, (shown, elapsed)


# --- bad values ---------------------------------------------------------------------------------------------------

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_slug(text: str) -> bool:
    folded = unicodedata.normalize("NFKC", text).strip()
    return len(folded) <= 64 and SLUG.fullmatch(folded) is not None


def is_time(text: str) -> bool:
    """Whether the command line reads ``text`` as a time (ISO 8601, or 7d, now, yesterday ...)."""
    try:
        parse_user_time(text)
        return True
    except (FactlogError, OverflowError, ValueError):
        return False


nul = st.text(max_size=10).map(lambda s: s + "\x00" + s)
surrogate = st.sampled_from(["\udcff", "bad\udc80bytes", "\ud800", "ok\udfff"])
huge_text = st.sampled_from([HUGE, "y" * 20_001, "z" * 100_000])
bad_slug = st.one_of(
    # (-h and --help are not values: they ask any command for its help)
    st.text(max_size=80).filter(lambda s: not is_slug(s) and s not in ("-h", "--help")),
    st.sampled_from(["", " ", "Tass", "TASS", "tass--x", "-tass", "tass-", "tass_x", "t ass", "a" * 65, "ｔａｓｓ＿",
                     "ＴＡＳＳ", "ta\u0301ss", "tass\nx", "../../etc/passwd", "tass;drop table events", "ℌ", "é"]),
    nul, surrogate, huge_text,
)
unknown_slug = st.from_regex(r"\Azz[a-z0-9]{1,10}(-[a-z0-9]{1,5})?\Z")  # a valid id that is not in the log
bad_text = st.one_of(nul, surrogate, huge_text)  # for names, statements, quotes, notes, reasons, urls
bad_required_text = st.one_of(bad_text, st.sampled_from(["", "   ", "\t\n"]))
bad_time = st.one_of(
    st.sampled_from([
        "2022-02-30T00:00:00+00:00", "2022-13-01T00:00:00+00:00", "2022-03-30T24:00:01+00:00",
        "2022-03-30T10:00:00", "2022-03-30", "2022-03-30 10:00", "2022-03-30T10:00:00+24:00",
        "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "10000-01-01T00:00:00+00:00",
        "NaN", "inf", "-inf", "", "   ", "soon", "tomorrow", "1648598400", "7 parsecs ago", "-7d", "2022-03-30T10:00:00+03:00[Europe/Moscow]",
        "9" * 5000, "2022-03-30T10:00:00Z\x00",
    ]),
    st.text(max_size=40).filter(lambda s: not is_time(s)),
    nul, surrogate,
)
bad_credibility = st.one_of(
    st.sampled_from(["0", "7", "-1", "1.5", "NaN", "inf", "1e3", "9" * 50, "-" + "9" * 50, "", "one", "３.0", "0x3"]),
    st.integers().filter(lambda n: not 1 <= n <= 6).map(str),
    st.text(max_size=10).filter(lambda s: s.strip() not in {"1", "2", "3", "4", "5", "6"}
                                and not s.strip().lstrip("+").lstrip("0").isdigit()),
)
bad_reliability = st.text(min_size=1, max_size=5).filter(lambda s: s.upper() not in set("ABCDEF"))  # "" is "no rating"
bad_kind = st.text(max_size=20).filter(
    lambda s: s not in {"official", "journalist", "agency", "media", "witness", "anonymous", "document", "other"})
bad_count = st.one_of(st.sampled_from(["-1", "-" + "9" * 30, "1.5", "NaN", "", "x", "1e9", "9" * 5000 + "x"]),
                      st.integers(max_value=-1).map(str))  # a huge positive count is fine: it means "all"


# --- bad command lines --------------------------------------------------------------------------------------------


@st.composite
def bad_write(draw, story):
    """A write command with exactly one bad value in it."""
    command = draw(st.sampled_from(["source", "fact", "statement", "retract"]))
    if command == "source":
        args = {"id": "new-source", "--name": "New source", "--kind": "media", "--party": "ukraine",
                "--reliability": "C", "--url": "https://example.org", "--at": "2022-03-30T10:00:00+03:00"}
        field = draw(st.sampled_from(sorted(args)))
        args[field] = draw({"id": st.one_of(bad_slug, st.just("tass"), st.just("ｔａｓｓ")), "--name": bad_required_text,
                            "--kind": bad_kind, "--party": bad_slug, "--reliability": bad_reliability,
                            "--url": bad_text, "--at": bad_time}[field])
        line = ["source", "add", args.pop("id")]
    elif command == "fact":
        args = {"id": "new-fact", "statement": "A new proposition", "--party": "ukraine", "--tag": "belgorod",
                "--occurred-at": "2022-03-30T00:00:00+03:00", "--at": "2022-03-30T10:00:00+03:00"}
        field = draw(st.sampled_from([*sorted(args), "too many parties", "same party twice"]))
        if field == "too many parties":
            line = ["fact", "add", "new-fact", "A proposition"] + [a for k in range(101) for a in ("--party", f"p{k}")]
            return line
        if field == "same party twice":
            return ["fact", "add", "new-fact", "A proposition", "--party", "russia", "--party", "ｒｕｓｓｉａ"]
        args[field] = draw({"id": st.one_of(bad_slug, st.just("belgorod-explosion")), "statement": bad_required_text,
                            "--party": bad_slug, "--tag": bad_slug, "--occurred-at": bad_time,
                            "--at": bad_time}[field])
        line = ["fact", "add", args.pop("id"), args.pop("statement")]
    elif command == "statement":
        kind = draw(st.sampled_from(["claim", "confirm", "deny", "decline"]))
        args = {"fact": "belgorod-explosion", "--source": "tass", "--quote": "A quote", "--url": "https://x.org",
                "--at": "2022-03-30T10:00:00+03:00", "--credibility": "2", "--note": "a note"}
        field = draw(st.sampled_from(sorted(args)))
        args[field] = draw({"fact": st.one_of(bad_slug, unknown_slug), "--source": st.one_of(bad_slug, unknown_slug),
                            "--quote": bad_required_text, "--url": bad_text, "--at": bad_time,
                            "--credibility": bad_credibility, "--note": bad_text}[field])
        line = [kind, args.pop("fact")]
    else:
        args = {"id": story["claim"], "--reason": "withdrawn", "--at": "2022-03-31T00:00:00+03:00"}
        field = draw(st.sampled_from(sorted(args)))
        # a bare number is a seq: 5 and 6 are statements still standing (retracting them is no error)
        standing = re.compile(r"\s*\+?0*[56]\s*")
        bad_target = st.one_of(st.sampled_from([story["retracted"], story["opened"], "", "no-such-event",
                                                "2022-03-30T00:30:00+03:00", "0", "-1", "7", "8", "1", "9" * 30,
                                                story["claim"][:7]]),
                               st.text(max_size=70).filter(lambda s: not standing.fullmatch(s)), nul, surrogate,
                               huge_text)
        args[field] = draw({"id": bad_target, "--reason": bad_text,
                            "--at": st.one_of(bad_time, st.just("2022-03-29T00:00:00+03:00"))}[field])
        line = ["retract", args.pop("id")]
    if draw(st.booleans()):
        line.append("--quiet")
    return line + [part for key, value in args.items() for part in (key, value)]


@st.composite
def bad_read(draw, story):
    """A read command with one bad value: clocks, counts, ids, types, heads, formats."""
    command = draw(st.sampled_from(["status", "history", "why", "replay", "log", "verify", "export", "import"]))
    if command in ("status", "history", "why", "replay"):
        line = [command] + ([draw(st.one_of(bad_slug, unknown_slug))] if command in ("history", "why") else [])
        option = draw(st.sampled_from(["--as-of", "--valid-at", "--at-seq", *(["id"] if command != "replay" else [])]))
        if option == "id" and command == "status":
            return line + [draw(st.one_of(bad_slug, unknown_slug))]
        if option == "id":
            return line
        line[1:] = ["belgorod-explosion"] if command in ("history", "why") else []
        return line + [option, draw(bad_count if option == "--at-seq" else bad_time)]
    if command == "log":
        option = draw(st.sampled_from(["--limit", "--type", "--fact", "--source", "--tag", "--party", "--since",
                                       "--until"]))
        if option == "--limit":
            return ["log", "--limit", draw(st.one_of(bad_count, st.just("0")))]
        if option == "--type":
            return ["log", "--type", draw(st.text(max_size=20).filter(lambda s: s not in factlog.events.EVENT_CLASSES))]
        if option in ("--since", "--until"):
            return ["log", option, draw(bad_time)]
        return ["log", option, draw(surrogate)]  # any other text is a filter that matches nothing: no error
    if command == "verify":
        return ["verify", "--head", draw(st.one_of(st.text(max_size=80), nul, surrogate,
                                                    st.from_regex(r"\Asha256:[0-9a-f]{64}\Z").filter(
                                                        lambda h: h != GENESIS)))]  # the empty log's head
    if command == "export":
        return ["export", draw(st.one_of(st.sampled_from(["", "xml", "CSV", "json\x00", "../jsonl"]),
                                         st.text(max_size=12).filter(lambda s: s not in ("csv", "json", "markdown",
                                                                                        "jsonl"))))]
    return ["import", draw(st.one_of(st.sampled_from(["/no/such/file.jsonl", "", "/", "/dev/null/x"]),
                                     st.text(min_size=1, max_size=30).filter(
                                         lambda s: s != "-" and not os.path.exists(s))))]


def ran_all(check) -> None:
    """Run a hypothesis check and make sure it tried (nearly) all its examples, not a few."""
    before = SLOWEST["cases"]
    check()
    assert SLOWEST["cases"] - before >= EXAMPLES * 0.9, SLOWEST["cases"] - before


@pytest.mark.slow
def test_bad_write_commands_are_refused_cleanly(story):
    @fuzz
    @given(st.data())
    def check(data):
        refused(story["path"], data.draw(bad_write(story)))

    ran_all(check)


@pytest.mark.slow
def test_bad_read_commands_are_refused_cleanly(story):
    @fuzz
    @given(st.data())
    def check(data):
        refused(story["path"], data.draw(bad_read(story)))

    ran_all(check)


# --- bad import lines -------------------------------------------------------------------------------------------


def good_record(n: int) -> dict:
    return {"id": f"00000000-0000-7000-8000-{n:012x}", "type": "claim", "version": 1, "recorded_at": "2022-03-30T10:00:00+00:00",
            "observed_at": "2022-03-30T10:00:00+00:00", "recorded_by": "importer",
            "data": {"fact": "belgorod-explosion", "source": "tass", "quote": f"imported {n}"}}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                        st.text(max_size=10), st.lists(st.integers(), max_size=3),
                        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
ENVELOPE = ("id", "type", "version", "recorded_at", "observed_at", "recorded_by", "data")
DATA_FIELDS = ("fact", "source", "quote", "url", "credibility", "note")


@st.composite
def bad_record_line(draw, story) -> bytes:
    """One line of a jsonl file that must be refused: a good claim with one thing wrong, or not JSON at all."""
    record = good_record(draw(st.integers(0, 10**6)))
    how = draw(st.sampled_from([
        "wrong type", "unknown key", "unknown data key", "missing key", "bad time", "bad slug", "bad text",
        "bad credibility", "constant", "nested", "huge integer", "invalid utf-8", "nul byte", "not an object",
        "duplicate key", "unknown event type", "future version", "id reused", "unknown fact", "bad retraction",
        "wrong hash", "garbage",
    ]))
    if how == "wrong type":
        key = draw(st.sampled_from(ENVELOPE))
        record[key] = draw(JSON_VALUES.filter(lambda v: not isinstance(v, type(record[key])) or v == {}
                                              or isinstance(v, bool)))
    elif how == "unknown key":
        record[draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in (*ENVELOPE, "seq", "prev_hash",
                                                                                   "hash")))] = draw(JSON_VALUES)
    elif how == "unknown data key":
        record["data"][draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in DATA_FIELDS))] = 1
    elif how == "missing key":
        key = draw(st.sampled_from(["id", "type", "recorded_at", "observed_at", "recorded_by", "data"]))
        if key == "data":
            record["data"] = {}
        else:
            del record[key]
    elif how == "bad time":
        record[draw(st.sampled_from(["recorded_at", "observed_at"]))] = draw(bad_time)
    elif how == "bad slug":
        record["data"][draw(st.sampled_from(["fact", "source"]))] = draw(bad_slug)
    elif how == "bad text":
        record["data"][draw(st.sampled_from(["quote", "note", "url"]))] = draw(
            st.one_of(nul, surrogate, st.just("q" * 20_001), st.just(HUGE)))
    elif how == "bad credibility":
        record["data"]["credibility"] = draw(st.one_of(
            st.integers().filter(lambda n: not 1 <= n <= 6), st.just(True), st.just(3.0), st.just("3"),
            st.just(10**30), st.just(-(2**70))))
    elif how == "constant":
        key = draw(st.sampled_from(["version", "credibility", "quote"]))
        constant = draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]))
        text = json.dumps({**record, "data": {**record["data"], key: "@@"}} if key != "version" else
                          {**record, key: "@@"})
        return text.replace('"@@"', constant).encode()
    elif how == "nested":
        depth = draw(st.sampled_from([1000, 10_000, 100_000, 1_000_000]))
        text = json.dumps(record).replace('"imported', f'{nested(depth)}, "imported', 1) if draw(st.booleans()) \
            else json.dumps({**record, "data": "@@"}).replace('"@@"', nested(depth))
        return text.encode()
    elif how == "huge integer":
        digits = draw(st.sampled_from([20, 400, 4_301, 100_000]))
        key = draw(st.sampled_from(["version", "credibility"]))
        text = json.dumps({**record, "data": {**record["data"], "credibility": "@@"}} if key == "credibility"
                          else {**record, "version": "@@"})
        return text.replace('"@@"', "9" * digits).encode()
    elif how == "invalid utf-8":
        raw = json.dumps(record, ensure_ascii=False).encode()
        at = draw(st.integers(1, len(raw) - 1))
        return raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                                                b"\xc0\xaf"])) + raw[at:]
    elif how == "nul byte":
        raw = json.dumps(record).encode()
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + b"\x00" + raw[at:]
    elif how == "not an object":
        return json.dumps(draw(st.one_of(st.lists(JSON_VALUES, max_size=3), st.integers(), st.text(max_size=10),
                                         st.none(), st.booleans()))).encode()
    elif how == "duplicate key":
        return json.dumps(record).replace('"type": "claim"', '"type": "claim", "type": "deny"').encode()
    elif how == "unknown event type":
        record["type"] = draw(st.text(max_size=20).filter(lambda t: t not in factlog.events.EVENT_CLASSES))
    elif how == "future version":
        record["version"] = draw(st.integers(min_value=2, max_value=2**62))
    elif how == "id reused":
        record["id"] = draw(st.sampled_from([story["claim"], story["denial"], story["opened"]]))
    elif how == "unknown fact":
        record["data"][draw(st.sampled_from(["fact", "source"]))] = draw(unknown_slug)
    elif how == "bad retraction":
        # (a second retraction of a withdrawn statement is a merge, not bad input: two analysts recorded the same
        # withdrawal; test_push.py::test_a_statement_both_analysts_retracted_merges)
        record.update(type="retract", data={"target": draw(st.sampled_from(
            [story["opened"], "no-such-event", ""]))})
    elif how == "wrong hash":
        record.update(seq=1, prev_hash="sha256:" + "0" * 64, hash="sha256:" + "1" * 64)
    else:
        return draw(st.binary(min_size=1, max_size=200).filter(lambda b: b"\n" not in b and b.strip()
                                                               and not _is_object(b)))
    return json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _is_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


def check_import(story, tmp_path, data) -> None:
    good = [json.dumps(good_record(-k)).encode() for k in range(1, data.draw(st.integers(0, 3)) + 1)]
    bad = data.draw(bad_record_line(story))
    after = [json.dumps(good_record(-10 - k)).encode() for k in range(data.draw(st.integers(0, 2)))]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join([*good, bad, *after]) + b"\n")
    refused(story["path"], ["import", str(path)])


@pytest.mark.slow
def test_bad_import_lines_are_refused_whole(story, tmp_path):
    @fuzz
    @given(st.data())
    def check(data):
        check_import(story, tmp_path, data)

    ran_all(check)


@pytest.mark.slow
def test_bad_import_lines_are_refused_whole_more(story, tmp_path):
    """The same again with other random draws (hypothesis stops at one test's max_examples)."""
    @fuzz
    @given(st.data())
    def check(data):
        check_import(story, tmp_path, data)

    ran_all(check)


def test_a_count_beyond_sqlite_integers_means_everything(run, db_path):
    run("source", "add", "tass", "--name", "TASS")
    huge = "9" * 30
    assert len(run.json("log", "--limit", huge)) == 1
    assert run.json("status", "--at-seq", huge) == run.json("status")
    assert run("search", "TASS", "--limit", huge).exit_code == 0


def test_the_slowest_answer_was_quick():
    assert SLOWEST["seconds"] < TIME_LIMIT, SLOWEST


# --- one identity, original text kept ------------------------------------------------------------------------------


def test_fullwidth_ids_name_the_same_source_and_fact(run, db_path):
    run("source", "add", "ｔａｓｓ", "--name", "TASS")
    run("fact", "add", "ｂｅｌｇｏｒｏｄ－ｅｘｐｌｏｓｉｏｎ", "Explosions", "--party", "ｒｕｓｓｉａ")
    assert [s["id"] for s in run.json("source", "list")] == ["tass"]
    assert run("source", "add", "tass", "--name", "TASS again", ok=False).exit_code == 1
    run("claim", "belgorod-explosion", "--source", "ｔａｓｓ")
    run("deny", "ｂｅｌｇｏｒｏｄ－ｅｘｐｌｏｓｉｏｎ", "--source", "tass")
    [status] = run.json("status", "ｂｅｌｇｏｒｏｄ－ｅｘｐｌｏｓｉｏｎ")
    assert status["fact"] == "belgorod-explosion" and status["sources"] == {"tass": "denies"}
    assert status["parties"] == {"russia": "unconfirmed"}
    assert len(run.json("log", "--source", "ｔａｓｓ")) == 3


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_names_in_nfc_or_nfd_are_kept_as_written(run, db_path, form):
    name = unicodedata.normalize(form, "José Martí, Юрий Бутусов, Ŝ̌")
    quote = unicodedata.normalize(form, "«Ça brûle», dit-il")
    run("source", "add", "jose", "--name", name)
    run("fact", "add", "f", unicodedata.normalize(form, "Déjà vu"))
    run("claim", "f", "--source", "jose", "--quote", quote)
    [source] = run.json("source", "list")
    assert source["name"] == name  # byte for byte: the analyst's text is evidence, never normalised
    events = run.json("log")
    assert events[0]["data"]["name"] == name and events[2]["data"]["quote"] == quote
    assert run("verify").exit_code == 0


def test_the_same_words_in_nfc_and_nfd_are_found_by_either(run, db_path):
    """Two spellings of one text are one text to search, while each event keeps its own bytes."""
    text = "Взрыв на складе: «Café brûlé» à Belgorod"
    nfc, nfd = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    assert nfc != nfd
    run("fact", "add", "written-nfc", nfc)
    run("fact", "add", "written-nfd", nfd)
    statements = {f["id"]: f["statement"] for f in run.json("fact", "list")}
    assert statements == {"written-nfc": nfc, "written-nfd": nfd}
    for form in ("NFC", "NFD"):
        found = run.json("search", unicodedata.normalize(form, "brûlé"))
        assert {row["fact"] for row in found} == {"written-nfc", "written-nfd"}, form


@pytest.mark.parametrize("args", [
    [b"status", b"\xff"], [b"claim", b"belgorod-explosion", b"--source", b"tass", b"--quote", b"caf\xe9"],
    [b"source", b"add", b"t\xc3", b"--name", b"X"], [b"log", b"--fact", b"\xed\xa0\x80"],
    [b"fact", b"add", b"f", b"\xff\xfe"], [b"status", b"--as-of", b"2022\xff"],
])
def test_invalid_utf8_on_a_real_command_line(story, args):
    """Bytes that are not UTF-8 reach Python as lone surrogates (PEP 383): one error line, nothing appended."""
    before = log_state(story["path"])
    factlog_script = os.path.join(os.path.dirname(sys.executable), "factlog")
    done = subprocess.run([factlog_script.encode(), b"--db", story["path"].encode(), *args], capture_output=True,
                          env=dict(os.environ, LC_ALL="C.UTF-8", FACTLOG_USER="fuzz"), timeout=60)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(b"Error: ") and done.stdout == b"", done.stderr
    assert log_state(story["path"]) == before


# --- the limits the README states -------------------------------------------------------------------------------

LIMITS = [  # (what the README calls it, the command at the limit, the command one past it, words of the error)
    ("quote", lambda n: ["claim", "belgorod-explosion", "--source", "tass", "--quote", "q" * n], 20_000,
     "the limit is 20,000"),
    ("source name", lambda n: ["source", "add", f"s{n}", "--name", "n" * n], 500, "the limit is 500"),
    ("id", lambda n: ["source", "add", "a" * n, "--name", "A"], 64, "at most 64 characters"),
    ("url", lambda n: ["claim", "belgorod-explosion", "--source", "tass", "--url", "u" * n], 2_000,
     "the limit is 2,000"),
    ("parties", lambda n: ["fact", "add", f"f{n}", "A fact", *[a for k in range(n) for a in ("--party", f"p{k}")]],
     100, "the limit is 100"),
]


@pytest.mark.parametrize("what, command, limit, words", LIMITS, ids=[case[0] for case in LIMITS])
def test_each_limit_is_enforced_with_a_clear_error(tmp_path, what, command, limit, words):
    path = str(tmp_path / "limits.db")
    with factlog.open_log(path) as log:
        log.add_source("tass", "TASS")
        log.open_fact("belgorod-explosion", "Explosions")
    ok = CliRunner().invoke(cli, ["--db", path, *command(limit)])
    assert ok.exit_code == 0, ok.output
    result = CliRunner().invoke(cli, ["--db", path, *command(limit + 1)])
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and words in result.stderr, result.stderr


def test_an_import_line_over_4_mib_is_refused_with_its_number(story, tmp_path):
    from factlog.events.jsonlines import MAX_LINE_BYTES

    record = good_record(1)
    record["data"]["quote"] = "q" * MAX_LINE_BYTES
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(good_record(2)) + "\n" + json.dumps(record) + "\n")
    before = log_state(story["path"])
    result = CliRunner().invoke(cli, ["--db", story["path"], "import", str(path)])
    assert result.exit_code == 1 and "line 2 is longer than 4 MiB" in result.stderr, result.stderr
    assert log_state(story["path"]) == before


def test_the_readme_states_the_limits_the_code_enforces():
    from factlog import events
    from factlog.events.jsonlines import MAX_LINE_BYTES

    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    limits = readme[readme.index("## Limits"):]
    for number in (events.MAX_ID, events.MAX_NAME, f"{events.MAX_TEXT:,}", f"{events.MAX_URL:,}", events.MAX_ITEMS,
                   f"{MAX_LINE_BYTES // MIB} MiB"):
        assert f"| {number}" in limits, number


@pytest.mark.parametrize("line", ["\x1c", "\x0b", "\x0c", "\x85", "\u2028", "\u3000"])
def test_a_line_of_other_whitespace_is_not_a_blank_line(story, tmp_path, line):
    """Found by the fuzzer: str.strip() took a line of U+001C for blank, and the import skipped it silently."""
    path = tmp_path / "odd.jsonl"
    path.write_bytes(json.dumps(good_record(1)).encode() + b"\n" + line.encode() + b"\n")
    refused(story["path"], ["import", str(path)])

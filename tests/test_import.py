"""`factlog import`: round trip, merge of two analysts' logs, re-import, conflicts and bad lines refused whole."""

import json

import pytest

from factlog.events import content_of
from factlog.testing import build_sample_log, invoke
from factlog.testing import status as status_of

pytestmark = pytest.mark.both_backends


@pytest.fixture
def sample(tmp_path):
    return build_sample_log(tmp_path / "sample.db")


def export_jsonl(path, *args):
    return invoke(path, "export", "jsonl", *args)


def write_lines(path, lines):
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def events(path):
    return json.loads(invoke(path, "log", "--json"))


def head(path):
    return invoke(path, "head").decode()


def test_round_trip_into_an_empty_log_gives_the_same_log(sample, db_path, run, tmp_path):
    exported = export_jsonl(sample)
    result = run("import", write_lines(tmp_path / "log.jsonl", exported.splitlines()))
    count = len(exported.splitlines())
    assert result.stdout == f"imported {count} new events (seq 1-{count}); 0 already in the log\n"
    assert run.json("status") == status_of(sample)
    assert [content_of(e) for e in run.json("log")] == [content_of(e) for e in events(sample)]
    # the same order into an empty log gives the same chain, so the export is byte-identical
    assert run("export", "jsonl").stdout_bytes == exported
    run("verify")


def test_import_from_stdin(sample, db_path, run):
    result = run.runner.invoke(run_cli(), ["import", "-"], input=export_jsonl(sample), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert run.json("status") == status_of(sample)


def run_cli():
    from factlog.cli import cli

    return cli


def test_importing_twice_changes_nothing(sample, db_path, run, tmp_path):
    file = write_lines(tmp_path / "log.jsonl", export_jsonl(sample).splitlines())
    run("import", file)
    before = (head(db_path), run("export", "jsonl").stdout_bytes)
    result = run("import", file)
    assert result.stdout == f"imported 0 new events; {len(events(sample))} already in the log\n"
    assert (head(db_path), run("export", "jsonl").stdout_bytes) == before


def test_two_analysts_logs_merge_into_one(sample, tmp_path, run, db_path):
    # Bob starts from Alice's log as it was at seq 20; both then record on their own.
    run("import", write_lines(tmp_path / "start.jsonl", export_jsonl(sample, "--at-seq", "20").splitlines()))
    run("source", "add", "bbc", "--name", "BBC", "--kind", "media", "--at", "2022-03-30T13:00:00+00:00")
    run("claim", "belgorod-explosion", "--source", "bbc", "--quote", "Footage shows a fire at the depot",
        "--at", "2022-03-30T13:00:00+00:00")
    invoke(sample, "deny", "belgorod-soldiers-hurt", "--source", "gladkov", "--quote", "Nobody was hurt",
           "--at", "2022-03-30T14:00:00+00:00")
    alice, bob = tmp_path / "alice.jsonl", tmp_path / "bob.jsonl"
    write_lines(alice, export_jsonl(sample).splitlines())
    write_lines(bob, export_jsonl(db_path).splitlines())
    alice_count, bob_count = len(events(sample)), len(events(db_path))

    result = invoke(sample, "import", str(bob)).decode()
    assert result.startswith(f"imported 2 new events (seq {alice_count + 1}-{alice_count + 2}); 20 already")
    result = run("import", alice).stdout
    assert result.startswith(f"imported {alice_count - 20} new events (seq {bob_count + 1}-")

    assert sorted(e["id"] for e in events(sample)) == sorted(e["id"] for e in events(db_path))
    by_id = {e["id"]: content_of(e) for e in events(sample)}
    assert all(by_id[e["id"]] == content_of(e) for e in events(db_path))
    ours, theirs = status_of(sample), run.json("status")
    for row in ours + theirs:
        del row["updated_seq"]  # positions differ between the two logs; what is believed does not
    assert sorted(ours, key=lambda r: r["fact"]) == sorted(theirs, key=lambda r: r["fact"])
    hurt = next(r for r in theirs if r["fact"] == "belgorod-soldiers-hurt")
    assert hurt["status"] == "disputed" and hurt["parties"] == {"russia": "denied"}
    for path in (sample, db_path):
        invoke(path, "verify")
        status_now = status_of(path)
        invoke(path, "rebuild")
        assert status_of(path) == status_now  # the projections were right straight after the import


def test_merged_logs_read_the_same_labels(sample, tmp_path, run, db_path):
    run("import", write_lines(tmp_path / "start.jsonl", export_jsonl(sample, "--at-seq", "20").splitlines()))
    run("source", "add", "bbc", "--name", "BBC", "--kind", "media", "--at", "2022-03-30T13:00:00+00:00")
    run("claim", "belgorod-explosion", "--source", "bbc", "--at", "2022-03-30T13:00:00+00:00")
    invoke(sample, "import", str(write_lines(tmp_path / "bob.jsonl", export_jsonl(db_path).splitlines())))
    run("import", write_lines(tmp_path / "alice.jsonl", export_jsonl(sample).splitlines()))
    labels = [{r["fact"]: r["label"] for r in rows} for rows in (status_of(sample), run.json("status"))]
    assert labels[0] == labels[1]


def test_an_event_id_with_other_content_is_refused(sample, tmp_path):
    lines = [json.loads(line) for line in export_jsonl(sample).splitlines()]
    claim = next(i for i, r in enumerate(lines) if r["type"] == "claim")
    lines[claim]["data"]["quote"] = "Something else entirely"
    for record in lines:
        record["hash"] = record["prev_hash"] = None  # no hashes: taken as content, then compared by id
    file = write_lines(tmp_path / "edited.jsonl", [json.dumps(r).encode() for r in lines])
    before = head(sample)
    result = cli_result(sample, "import", file)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: line {claim + 1}: event {lines[claim]['id']} is already in the log with "
                             "different content; refused\n")
    assert head(sample) == before


def test_a_record_that_does_not_match_its_hash_is_refused(sample, tmp_path, run, db_path):
    lines = [json.loads(line) for line in export_jsonl(sample).splitlines()]
    lines[12]["data"]["quote"] = "tampered"
    file = write_lines(tmp_path / "tampered.jsonl", [json.dumps(r).encode() for r in lines])
    result = run("import", file, ok=False)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: line 13: event {lines[12]['id']} does not match its hash: the file was "
                             "altered after it was exported\n")
    assert events(db_path) == []


def cli_result(path, *args):
    from click.testing import CliRunner

    return CliRunner().invoke(run_cli(), ["--db", str(path), *map(str, args)], catch_exceptions=False)


BAD_LINES = [
    (b"{not json", "is not valid JSON"),
    (b'{"id": "x", "type": "claim", "data": {"credibility": NaN}}', "NaN is not allowed"),
    (b'{"id": "x", "type": "claim", "data": {"credibility": Infinity}}', "Infinity is not allowed"),
    (b'{"id": "x", "type": "claim", "data": {"credibility": 1e999}}', "out of range"),
    (b'{"id": "x", "type": "rumour", "data": {}}', "unknown event type 'rumour'"),
    (b'{"id": "x", "id": "y", "type": "claim"}', "key 'id' appears twice"),
    (b'["a", "list"]', "is not a JSON object but list"),
    (b'{"type": "claim", "data": {"quote": "caf\xe9"}}', "is not valid UTF-8 (byte 0xe9 at column 41)"),
    (b'{"id": "e1", "type": "claim", "version": 1, "recorded_at": "2022-03-30T00:00:00", "observed_at": '
     b'"2022-03-30T00:00:00+00:00", "recorded_by": "x", "data": {"fact": "f", "source": "s"}}', "no UTC offset"),
    (b'{"id": "00000000-0000-7000-8000-0000000000e2", "type": "claim", "version": 1, "recorded_at": "2022-03-30T00:00:00Z", "observed_at": '
     b'"2022-03-30T00:00:00Z", "recorded_by": "x", "data": {"fact": "nowhere", "source": "tass"}}',
     "event 00000000-0000-7000-8000-0000000000e2: no fact 'nowhere' in the log"),
    (b'{"id": "e3", "type": "fact-opened", "version": 2, "recorded_at": "2022-03-30T00:00:00Z", "observed_at": '
     b'"2022-03-30T00:00:00Z", "recorded_by": "x", "data": {"fact": "f", "statement": "s", "colour": "red"}}',
     "colour"),
]


@pytest.mark.parametrize("bad, message", BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_a_bad_line_is_refused_with_its_number_and_nothing_is_appended(sample, tmp_path, bad, message, run,
                                                                       db_path):
    lines = export_jsonl(sample).splitlines()
    file = write_lines(tmp_path / "bad.jsonl", lines[:14] + [bad] + lines[14:])
    result = run("import", file, ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: line 15") and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert events(db_path) == []  # all or nothing: the 14 good lines before it were not kept


def test_a_bad_line_at_the_end_of_a_long_file_leaves_the_log_as_it_was(sample, tmp_path, run, db_path):
    run("import", write_lines(tmp_path / "first.jsonl", export_jsonl(sample, "--at-seq", "10").splitlines()))
    before = head(db_path)
    lines = export_jsonl(sample).splitlines()
    result = run("import", write_lines(tmp_path / "bad.jsonl", lines + [b"{oops"]), ok=False)
    assert f"line {len(lines) + 1}" in result.stderr
    assert head(db_path) == before and len(events(db_path)) == 10


def test_blank_lines_and_a_byte_order_mark_are_accepted(sample, tmp_path, run):
    lines = export_jsonl(sample).splitlines()
    run("import", write_lines(tmp_path / "spaced.jsonl", [b"\xef\xbb\xbf" + lines[0], b"", *lines[1:], b"  "]))
    assert run.json("status") == status_of(sample)


def test_an_old_version_is_kept_as_it_was_written_and_upcast_on_read(tmp_path, run):
    v1 = {"id": "0190a1b2-0000-7000-8000-000000000001", "type": "fact-opened", "version": 1,
          "recorded_at": "2022-03-30T00:00:00.000000+00:00", "observed_at": "2022-03-30T00:00:00.000000+00:00",
          "recorded_by": "old-factlog", "data": {"fact": "old-fact", "statement": "An old fact", "party": "russia"}}
    run("import", write_lines(tmp_path / "v1.jsonl", [json.dumps(v1).encode()]))
    [stored] = run.json("log")
    assert content_of(stored) == v1
    [row] = run.json("status")
    assert row["parties"] == {"russia": "unconfirmed"}


def test_a_missing_file_is_an_error_and_creates_no_log(db_path, run, tmp_path):
    result = run("import", tmp_path / "nope.jsonl", ok=False)
    assert result.exit_code == 1 and result.stderr == f"Error: no file {tmp_path / 'nope.jsonl'} to import\n"
    assert not db_path.exists()


def test_an_overlong_line_is_refused_without_reading_it_all(tmp_path, run, db_path):
    file = tmp_path / "huge.jsonl"
    file.write_bytes(b'{"id": "' + b"x" * (5 * 1024 * 1024) + b'"}\n')
    result = run("import", file, ok=False)
    assert result.exit_code == 1 and result.stderr == "Error: line 1 is longer than 4 MiB\n"


@pytest.mark.sqlite_only
def test_importing_the_log_file_itself_is_refused_as_not_jsonl(sample, run, db_path):
    run("import", write_lines(tmp_path_of(db_path) / "a.jsonl", export_jsonl(sample).splitlines()))
    result = run("import", db_path, ok=False)
    assert result.exit_code == 1 and "line 1" in result.stderr


def tmp_path_of(path):
    return path.parent


def big_export(tmp_path, statements: int) -> list[bytes]:
    """The export of a log longer than an import that lifts the INSERT triggers for its duration."""
    import factlog

    with factlog.open_log(tmp_path / "big-source.db", user="tester") as log:
        log.add_source("a", "Agency A", "agency")
        log.open_fact("blast", "A blast at the depot")
        base = log.claim("blast", "a", at="2022-03-30T06:00:00+00:00")
        flat = factlog.events.to_wire(base)
        log.store.append_many(factlog.store.Pending.from_wire({**flat, "id": factlog.events.new_event_id(),
                                                               "seq": None}) for _ in range(statements))
    return export_jsonl(tmp_path / "big-source.db").splitlines()


def refused(path, sql) -> str:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.execute(sql)
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    return ""


def overwrite_refused(path) -> bool:
    """Both INSERT guards are in place: no overwrite of an event, no event off the chain."""
    overwrite = refused(path, "INSERT OR REPLACE INTO events SELECT * FROM events WHERE seq = 1")
    fork = refused(path, "INSERT INTO events (seq, id, type, version, recorded_at, observed_at, recorded_by, data,"
                         " prev_hash, hash) SELECT seq + 100000, id || 'x', type, version, recorded_at, observed_at,"
                         " recorded_by, data, prev_hash, hash FROM events WHERE seq = 2")
    return "immutable" in overwrite and "one chain" in fork


@pytest.mark.sqlite_only
def test_a_long_import_keeps_the_logs_guards(tmp_path, run, db_path):
    from factlog.store import BULK_AFTER as LIFT_GUARDS_AFTER

    lines = big_export(tmp_path, LIFT_GUARDS_AFTER * 2)
    result = run("import", write_lines(tmp_path / "bad.jsonl", lines + [b"{oops"]), ok=False)
    assert f"line {len(lines) + 1}" in result.stderr
    run("import", write_lines(tmp_path / "good.jsonl", lines[:10]))
    assert overwrite_refused(db_path)  # the failed import's lifting of the triggers was rolled back with it
    run("import", write_lines(tmp_path / "good.jsonl", lines))
    assert run("verify").stdout.startswith("ok")
    assert overwrite_refused(db_path)  # and a long import that commits restores them in the same commit


def test_a_file_holding_each_event_twice_imports_each_once(sample, tmp_path, run, db_path, monkeypatch):
    """Past the first few events an import is a bulk append (a back end may look ids up otherwise): an event
    met again in the same import is known, not new."""
    from factlog.store import base

    monkeypatch.setattr(base, "BULK_AFTER", 3)
    lines = export_jsonl(sample).splitlines()
    result = run("import", write_lines(tmp_path / "twice.jsonl", lines + lines))
    assert f"imported {len(lines)} new events" in result.stdout and f"{len(lines)} already in the log" in result.stdout
    assert run("verify").stdout.startswith(f"ok: {len(lines)} events")


@pytest.mark.parametrize("share", [0, 10**9], ids=["each-fact", "one-pass"])
def test_a_bulk_import_projects_what_a_rebuild_does(sample, tmp_path, db_path, monkeypatch, share):
    """Past the first few events an import only notes the facts it touches and folds each once at its end,
    reading each fact's own events (share 0) or every fact's in one pass: into an empty log, and into one
    that holds part of the same story (its facts' stored projections are written over)."""
    import factlog
    from factlog.store import base, write_state

    monkeypatch.setattr(base, "BULK_AFTER", 3)
    monkeypatch.setattr(write_state, "SCAN_SHARE", share)
    lines = export_jsonl(sample).splitlines()
    records = [json.loads(line) for line in lines]
    half = len(records) // 2
    with factlog.open_log(db_path, user="tester") as log:
        assert log.import_records(enumerate(records[:half], start=1)) == (half, 0)
        assert log.import_records(enumerate(records, start=1)) == (len(records) - half, half)
        imported = log.store.projection_rows()
        assert log.status() == status_of(sample)
        log.rebuild()
        assert log.store.projection_rows() == imported
        assert log.verify()[0] == len(records)


@pytest.mark.sqlite_only
def test_a_long_api_append_checks_an_amendment_against_the_events_before_it(tmp_path, monkeypatch):
    """A bulk append of new events (the Python API's ``append_many``) defers the projections; an amendment in
    it must still change what the events appended before it in the same transaction say of the fact."""
    import factlog
    from factlog import events as ev
    from factlog.errors import InvalidInput
    from factlog.store import Pending, base

    monkeypatch.setattr(base, "BULK_AFTER", 1)
    with factlog.open_log(tmp_path / "api.db", user="tester") as log:
        log.add_source("a", "Agency A", "agency")
        log.open_fact("blast", "A blast at the depot")

        def amendment(**data):
            moment = ev.new_event_id(), factlog.times.now()
            return Pending.of(ev.structure({"id": moment[0], "recorded_at": moment[1], "observed_at": moment[1],
                                            "recorded_by": "tester", "fact": "blast", **data}, ev.FactAmended))

        with pytest.raises(InvalidInput, match="changes nothing"):
            log.store.append_many([amendment(add_tags=["depot"]), amendment(statement="A blast"),
                                   amendment(add_tags=["depot"])])
        assert log.count() == 2
        log.store.append_many([amendment(add_tags=["depot"]), amendment(statement="A blast"),
                               amendment(remove_tags=["depot"])])
        assert [f["tags"] for f in log.store.facts()] == [[]]
        imported = log.store.projection_rows()
        log.rebuild()
        assert log.store.projection_rows() == imported

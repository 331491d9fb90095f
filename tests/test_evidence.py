"""Issue 16, evidence files: ``factlog evidence add|list|get`` through the CLI, stored inside the log by SHA-256
(content-addressed, deduplicated, insert-only), re-hashed by ``verify``, carried by the jsonl export, ``import``,
``push`` and ``pull``; on a SQLite file and on a PostgreSQL team log."""

import base64
import hashlib
import json
import os
import sqlite3

import attrs
import pytest

import factlog
from factlog import events as ev
from factlog.store.evidence import CHUNK, Attachment
from factlog.store.pending import Pending
from tests.test_cli_write import count

pytestmark = pytest.mark.both_backends

# a real PNG (1x1 pixel) and bytes that span several stored chunks
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
LARGE = os.urandom(CHUNK * 2 + 12345)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def story(run):
    """A source, a fact, a claim (seq 3) and a denial (seq 4); returns the two statement ids."""
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency")
    run("fact", "add", "blast", "A blast at the depot")
    claim = run.id("claim", "blast", "--source", "tass", "--quote", "It burns")
    denial = run.id("deny", "blast", "--source", "tass", "--quote", "No it does not")
    return claim, denial


@pytest.fixture
def files(tmp_path):
    (tmp_path / "shot.png").write_bytes(PNG)
    (tmp_path / "large.bin").write_bytes(LARGE)
    return tmp_path


def stored_files(db_path):
    with factlog.open_log(db_path, create=False) as log:
        return list(log.store.file_rows())


def test_a_file_attached_reads_back_byte_for_byte(run, story, files, db_path, tmp_path, backend):
    claim, _ = story
    event_id = run.id("evidence", "add", "3", files / "shot.png", "--note", "the post, captured")
    [row] = run.json("evidence", "list", "3")
    assert row == {"seq": 5, "id": event_id, "event": claim, "event_seq": 3, "event_type": "claim",
                   "fact": "blast", "source": "tass", "sha256": sha(PNG),
                   "name": "shot.png", "media_type": "image/png", "size": len(PNG), "note": "the post, captured",
                   "recorded_at": row["recorded_at"], "recorded_by": "tester"}
    out = run("evidence", "get", sha(PNG)).stdout_bytes
    assert out == PNG
    run("evidence", "get", sha(PNG)[:10], "-o", tmp_path / "back.png")  # a unique prefix; written atomically
    assert (tmp_path / "back.png").read_bytes() == PNG
    if backend == "sqlite":  # -o never replaces the log itself
        result = run("evidence", "get", sha(PNG), "-o", db_path, ok=False)
        assert (result.exit_code, result.stderr) == (1, f"Error: {db_path} is the log itself; write the file"
                                                        " elsewhere\n")
    assert run("verify").stdout.startswith("ok: 5 events")


def test_a_file_of_several_chunks_streams_in_and_out(run, story, files, db_path):
    run("evidence", "add", story[0], files / "large.bin")
    assert run("evidence", "get", sha(LARGE)).stdout_bytes == LARGE
    assert stored_files(db_path) == [(sha(LARGE), len(LARGE), 3)]
    assert run("verify").exit_code == 0


def test_the_same_file_is_stored_once(run, story, files, db_path):
    claim, denial = story
    first = run.id("evidence", "add", claim, files / "shot.png")
    copy = files / "copy-of-shot.png"
    copy.write_bytes(PNG)
    second = run.id("evidence", "add", denial, copy)
    assert first != second
    assert [r["sha256"] for r in run.json("evidence", "list")] == [sha(PNG), sha(PNG)]
    assert len(stored_files(db_path)) == 1
    # the same file on the same statement again says nothing new: refused, nothing appended
    result = run("evidence", "add", claim, copy, ok=False)
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: file {sha(PNG)} is already attached to that statement (by event {first}")
    assert count(db_path) == 6


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.png", "Error: no file {path}\n"),
    (lambda p: p, "Error: {path} is a folder, not a file\n"),
])
def test_a_missing_file_or_a_folder_is_refused(run, story, tmp_path, db_path, make, message):
    path = make(tmp_path)
    result = run("evidence", "add", "3", path, ok=False)
    assert (result.exit_code, result.stderr) == (1, message.format(path=path))
    assert count(db_path) == 4


def test_a_fifo_is_refused_without_waiting_for_a_writer(run, story, tmp_path, db_path):
    os.mkfifo(tmp_path / "pipe")
    result = run("evidence", "add", "3", tmp_path / "pipe", ok=False)
    assert (result.exit_code, result.stderr) == (1, f"Error: {tmp_path / 'pipe'} is not a regular file; save it to"
                                                    " a file first\n")


def test_an_unreadable_file_is_refused(run, story, files, db_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    os.chmod(files / "shot.png", 0)
    result = run("evidence", "add", "3", files / "shot.png", ok=False)
    assert result.exit_code == 1 and "cannot read" in result.stderr and "Permission denied" in result.stderr


def test_a_file_above_the_limit_is_refused_before_it_is_read(run, story, tmp_path, db_path):
    huge = tmp_path / "huge.mp4"
    with open(huge, "wb") as out:
        out.truncate(ev.MAX_EVIDENCE_BYTES + 1)  # sparse: no disk used
    result = run("evidence", "add", "3", huge, ok=False)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {huge}: the file is 100.0 MiB; the limit is 100 MiB a file\n"
    assert count(db_path) == 4 and stored_files(db_path) == []


@pytest.mark.parametrize("ref, message", [
    ("99", "Error: no event at seq 99: the log has 4 events\n"),
    ("1", "Error: event {first} is a source-registered, not a statement; evidence is attached to a claim,"
          " confirm, deny or decline\n"),
])
def test_an_unknown_event_or_one_that_is_not_a_statement_is_refused(run, story, files, db_path, ref, message):
    first = run.json("log")[0]["id"]
    result = run("evidence", "add", ref, files / "shot.png", ok=False)
    assert (result.exit_code, result.stderr) == (1, message.format(first=first))
    assert count(db_path) == 4 and stored_files(db_path) == []


def test_a_voided_statement_takes_no_evidence(run, story, files, db_path):
    run("void", story[1], "--reason", "wrong source")
    result = run("evidence", "add", story[1], files / "shot.png", ok=False)
    assert result.exit_code == 1 and "was voided as a recording error" in result.stderr


def test_bytes_that_do_not_match_the_hash_leave_nothing_behind(db_path, story, files):
    """Nothing half-stored: the chunks written before the mismatch go with the refused transaction."""
    with factlog.open_log(db_path, create=False) as log:
        event = ev.structure({"id": ev.new_event_id(), "recorded_at": "2026-01-01T00:00:00+00:00",
                              "observed_at": "2026-01-01T00:00:00+00:00", "recorded_by": "tester",
                              "target": story[0], "sha256": sha(LARGE), "name": "large.bin",
                              "media_type": "application/octet-stream", "size": len(LARGE)}, ev.EvidenceAttached)
        forged = LARGE[:-1] + bytes([LARGE[-1] ^ 1])
        pending = attrs.evolve(Pending.of(event), attachment=Attachment(lambda: [forged[:CHUNK], forged[CHUNK:]]))
        with pytest.raises(factlog.FactlogError, match="do not match its hash"):
            log.store.append_many([pending])
        with pytest.raises(factlog.FactlogError, match="neither in the log nor given"):
            log.store.append_many([Pending.of(event)])  # an event without its file is refused too
        assert list(log.store.file_chunks(sha(LARGE))) == [] and log.count() == 4
    assert stored_files(db_path) == []


def test_get_of_an_unknown_or_ambiguous_hash(run, story, files):
    run("evidence", "add", "3", files / "shot.png")
    for given, message in (("00000000", "Error: no evidence file 00000000 in the log\n"),
                           ("abc", "Error: 'abc' is not a file hash: give the SHA-256 (64 hex digits) or at least 8"
                                   " of its first digits\n")):
        result = run("evidence", "get", given, ok=False)
        assert (result.exit_code, result.stderr) == (1, message)


def test_exports_list_the_hashes(run, story, files):
    run("evidence", "add", "3", files / "shot.png")
    assert sha(PNG) in run("export", "csv", "--view", "events").stdout
    [record] = [r for r in json.loads(run("export", "json", "--view", "events").stdout)
                if r["type"] == "evidence-attached"]
    assert record["data"]["sha256"] == sha(PNG)
    assert f"sha256:{sha(PNG)[:12]}" in run("log", "--no-pager").stdout
    report = run("export", "markdown").stdout
    assert f"| TASS's claim (seq 3) | shot.png | image/png | {len(PNG)} | `{sha(PNG)}` |  |" in report


def test_a_jsonl_export_carries_the_files_into_another_log(run, story, files, tmp_path, new_log):
    run("evidence", "add", "3", files / "shot.png")
    run("evidence", "add", "4", files / "large.bin")
    run("evidence", "add", "4", files / "shot.png")
    run("export", "jsonl", "-o", tmp_path / "story.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "story.jsonl").read_text().splitlines()]
    assert [r.get("type") or f"file {r['part']}/{r['parts']}" for r in lines[4:]] == [
        "file 0/1", "evidence-attached", "file 0/3", "file 1/3", "file 2/3", "evidence-attached",
        "evidence-attached"]  # each file once, before the first event that names it
    other = new_log("other")
    for _ in range(2):  # a second import changes nothing
        run("--db", other, "import", tmp_path / "story.jsonl")
    assert run("--db", other, "evidence", "get", sha(LARGE)).stdout_bytes == LARGE
    assert run("--db", other, "evidence", "get", sha(PNG)).stdout_bytes == PNG
    assert run("--db", other, "verify").exit_code == 0
    assert run.json("--db", other, "evidence", "list") == run.json("evidence", "list")


def test_an_export_whose_file_bytes_were_altered_is_refused(run, story, files, tmp_path, new_log):
    run("evidence", "add", "3", files / "large.bin")
    run("export", "jsonl", "-o", tmp_path / "story.jsonl")
    lines = (tmp_path / "story.jsonl").read_text().splitlines()
    record = json.loads(lines[5])
    data = bytearray(base64.b64decode(record["base64"]))
    data[100] ^= 1
    record["base64"] = base64.b64encode(bytes(data)).decode()
    lines[5] = json.dumps(record)
    (tmp_path / "altered.jsonl").write_text("\n".join(lines) + "\n")
    other = new_log("other")
    result = run("--db", other, "import", tmp_path / "altered.jsonl", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: line 7: the bytes of evidence file {sha(LARGE)} do not match its hash")
    # and an export without the file records cannot bring in an event whose file the log lacks
    (tmp_path / "no-files.jsonl").write_text("\n".join(l for l in lines if "evidence_file" not in l) + "\n")
    result = run("--db", other, "import", tmp_path / "no-files.jsonl", ok=False)
    assert result.exit_code == 1 and "neither in the log nor given with its event" in result.stderr


def test_push_and_pull_carry_the_files(run, story, files, new_log, tmp_path):
    """From this log (SQLite file or team log) to a log on the other back end's kind and back."""
    run("evidence", "add", "3", files / "large.bin", "--note", "the video")
    team = new_log("team")
    run("push", team)
    assert run("--db", team, "evidence", "get", sha(LARGE)).stdout_bytes == LARGE
    laptop = tmp_path / "laptop.db"  # always a SQLite file
    run("--db", laptop, "pull", team)
    assert run("--db", laptop, "evidence", "get", sha(LARGE)).stdout_bytes == LARGE
    run("--db", laptop, "evidence", "add", "4", files / "shot.png")
    run("--db", laptop, "push", team)
    run("pull", team)
    assert run("evidence", "get", sha(PNG)).stdout_bytes == PNG
    assert run("--db", team, "verify").exit_code == 0 and run("verify").exit_code == 0


@pytest.mark.sqlite_only
@pytest.mark.parametrize("statement", [
    "UPDATE evidence_chunks SET data = X'00'", "DELETE FROM evidence_chunks", "UPDATE evidence_files SET size = 1",
    "DELETE FROM evidence_files", "INSERT OR REPLACE INTO evidence_chunks (sha256, part, data)"
                                  " SELECT sha256, part, X'00' FROM evidence_chunks",
])
def test_the_database_refuses_to_change_a_stored_file(run, story, files, db_path, statement):
    run("evidence", "add", "3", files / "shot.png")
    conn = sqlite3.connect(db_path, isolation_level=None)
    with pytest.raises(sqlite3.DatabaseError, match="factlog evidence files are immutable"):
        conn.execute(statement)
    conn.close()
    assert run("evidence", "get", sha(PNG)).stdout_bytes == PNG


@pytest.mark.sqlite_only
def test_verify_names_a_damaged_file_and_the_event_that_attached_it(run, story, files, db_path):
    event_id = run.id("evidence", "add", "3", files / "large.bin")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("DROP TRIGGER evidence_chunks_no_update")
    conn.execute("UPDATE evidence_chunks SET data = CAST(zeroblob(length(data)) AS BLOB) WHERE part = 1")
    result = run("verify", ok=False)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Error: the log's immutability triggers were removed"
                                    " (evidence_chunks_no_update)")
    conn.execute("CREATE TRIGGER evidence_chunks_no_update BEFORE UPDATE ON evidence_chunks BEGIN SELECT"
                 " RAISE(ABORT, 'factlog evidence files are immutable: UPDATE refused'); END")
    conn.close()
    result = run("verify", ok=False)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Error: evidence file {sha(LARGE)} (attached by event {event_id} at seq 5) is"
                                    " damaged: its stored bytes")


@pytest.mark.sqlite_only
def test_verify_catches_a_file_removed_behind_the_log(run, story, files, db_path):
    event_id = run.id("evidence", "add", "3", files / "shot.png")
    conn = sqlite3.connect(db_path, isolation_level=None)
    for table in ("evidence_chunks", "evidence_files"):
        conn.execute(f"DROP TRIGGER {table}_no_delete")
        conn.execute(f"DELETE FROM {table}")
    conn.close()
    result = run("verify", ok=False)
    assert result.exit_code == 3 and "immutability triggers were removed" in result.stderr
    result = run("evidence", "add", "4", files / "shot.png", ok=False)  # a writer refuses an unguarded log
    assert result.exit_code == 1 and "immutability triggers were removed" in result.stderr
    from factlog.store.sqlite.migrations import EVIDENCE_SQL

    conn = sqlite3.connect(db_path, isolation_level=None)
    for sql in EVIDENCE_SQL:
        if "_no_delete" in sql:
            conn.execute(sql)
    conn.close()
    result = run("verify", ok=False)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Error: evidence file {sha(PNG)} (attached by event {event_id} at seq 5) is"
                                    " missing from the log")


def test_the_postgres_triggers_refuse_to_change_a_stored_file(run, story, files, db_path, backend):
    if backend != "postgres":
        pytest.skip("the server's own triggers")
    import psycopg

    run("evidence", "add", "3", files / "shot.png")
    with factlog.open_log(db_path, create=False) as log:
        conn = log.store.conn
        for statement in ("UPDATE evidence_chunks SET data = '\\x00'", "DELETE FROM evidence_files",
                          "TRUNCATE evidence_chunks CASCADE"):
            with pytest.raises(psycopg.Error, match="factlog evidence files are immutable"):
                conn.execute(statement)
            conn.rollback()
        # the table is shared by every log of the database: the trigger is enabled again whatever happens
        conn.execute("ALTER TABLE evidence_chunks DISABLE TRIGGER evidence_chunks_no_update")
        conn.commit()
        try:
            result = run("verify", ok=False)
            assert result.exit_code == 3 and "evidence_chunks_no_update" in result.stderr
            result = run("evidence", "add", "4", files / "shot.png", ok=False)  # and writers refuse the log
            assert result.exit_code == 1 and "evidence_chunks_no_update" in result.stderr
        finally:
            conn.execute("ALTER TABLE evidence_chunks ENABLE TRIGGER evidence_chunks_no_update")
            conn.commit()
    assert run("verify").exit_code == 0


@pytest.mark.slow
def test_an_analyst_role_attaches_evidence_and_cannot_change_it(pg_server, files):
    """The analyst's grants: read and append files, as events; no UPDATE, DELETE or TRUNCATE."""
    import psycopg

    from pg_cluster import ANALYST, ANALYST_PASSWORD
    from tests.test_postgres import as_analyst, connect, ok

    url = pg_server.url(log=f"evidence-{os.getpid()}")
    ok(url, "source", "add", "tass", "--name", "TASS")
    ok(url, "fact", "add", "blast", "A blast")
    ok(url, "grant", ANALYST, "--apply")
    analyst = as_analyst(pg_server, url)
    claim = ok(analyst, "claim", "blast", "--source", "tass", "--quiet").strip()
    ok(analyst, "evidence", "add", claim, str(files / "large.bin"))
    assert json.loads(ok(analyst, "evidence", "list", "--json"))[0]["recorded_by"] == ANALYST
    with connect(pg_server, ANALYST, ANALYST_PASSWORD) as conn:
        for statement in ("UPDATE factlog.evidence_chunks SET data = '\\x00'", "DELETE FROM factlog.evidence_files",
                          "TRUNCATE factlog.evidence_chunks CASCADE"):
            with pytest.raises(psycopg.Error):
                conn.execute(statement)
    assert ok(analyst, "verify").startswith("ok: 4 events")


# --- evidence never changes what is believed ---------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# a story: statements (kind, source) about one fact, each maybe with files (indexes into a few byte strings,
# so that some files repeat across statements)
STEPS = st.lists(st.tuples(st.sampled_from(ev.STATEMENT_TYPES), st.integers(0, 2),
                           st.lists(st.integers(0, 3), max_size=2, unique=True)), min_size=1, max_size=6)
BLOBS = st.lists(st.binary(max_size=300), min_size=4, max_size=4)


@pytest.mark.sqlite_only
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS, blobs=BLOBS)
def test_evidence_changes_no_belief_and_survives_rebuild_and_round_trip(tmp_path, steps, blobs):
    folder = tmp_path / os.urandom(4).hex()
    folder.mkdir()
    paths = []
    for i, blob in enumerate(blobs):
        paths.append(folder / f"file-{i}.bin")
        paths[-1].write_bytes(blob)
    with factlog.open_log(folder / "with.db", user="h") as log, \
            factlog.open_log(folder / "without.db", user="h") as bare:
        for target in (log, bare):
            for s in range(3):
                target.add_source(f"s{s}", f"Source {s}")
            target.open_fact("f", "A fact")
        attached = []
        for kind, source, files in steps:
            event = log.state(kind, "f", f"s{source}")
            bare.state(kind, "f", f"s{source}")
            for i in files:
                if (event.id, sha(blobs[i])) in attached:  # the same bytes twice on one statement: refused
                    with pytest.raises(factlog.FactlogError, match="already attached"):
                        log.attach_evidence(event.id, paths[i])
                    continue
                log.attach_evidence(event.id, paths[i])
                attached.append((event.id, sha(blobs[i])))
        assert [(r["status"], r["label"]) for r in log.status()] == [(r["status"], r["label"]) for r in bare.status()]
        assert [(r["event"], r["sha256"]) for r in log.evidence()] == attached
        live = log.store.projection_rows()
        log.verify()
        log.rebuild()
        assert log.store.projection_rows() == live
        held = {sha256 for sha256, _, _ in log.store.file_rows()}
        assert held == {s for _, s in attached}
        records = list(log.store.wire_records())
    from factlog.evidence_files import file_records

    with factlog.open_log(folder / "with.db", user="h") as log:
        lines = []
        carried = set()
        for record in records:
            if record["type"] == "evidence-attached" and record["data"]["sha256"] not in carried:
                digest = record["data"]["sha256"]
                lines += file_records(digest, log.file_size(digest), log.file_chunks(digest))
                carried.add(digest)
            lines.append(record)
    with factlog.open_log(folder / "copy.db", user="h") as copy:
        copy.import_records(enumerate(lines, start=1))
        assert [(r["event"], r["sha256"]) for r in copy.evidence()] == attached
        for digest in held:
            assert b"".join(copy.file_chunks(digest)) == blobs[[sha(b) for b in blobs].index(digest)]
        copy.verify()


@pytest.mark.sqlite_only
def test_the_readme_and_the_help_state_the_limit_the_code_enforces(run):
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    stated = f"{ev.MAX_EVIDENCE_BYTES // 2**20} MiB"
    assert f"| an evidence file | {stated} |" in readme[readme.index("## Limits"):]
    assert f"At most {stated} a file." in run("evidence", "--help").stdout

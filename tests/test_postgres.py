"""The team log on PostgreSQL: what the server enforces (grants, triggers, the recorder), how failures read,
and what many writers do to one log. The suites that hold on both back ends are parametrised elsewhere
(``both_backends``); these are the server's own."""

from __future__ import annotations

import json
import os

import psycopg
import pytest
from click.testing import CliRunner

import factlog
from factlog.cli import cli
from pg_cluster import ANALYST, ANALYST_PASSWORD


# every test here needs the throwaway PostgreSQL cluster: the full suite runs them, not the quick loop
pytestmark = pytest.mark.slow


@pytest.fixture
def team(pg_server, new_log_name):
    """A new team log with a source and a fact, owned by the superuser; the analyst role is granted."""
    url = pg_server.url(log=new_log_name)
    ok(url, "source", "add", "tass", "--name", "TASS", "--kind", "agency", "--party", "russia")
    ok(url, "fact", "add", "blast", "A blast at the depot", "--party", "russia")
    ok(url, "grant", ANALYST, "--apply")
    return url


@pytest.fixture
def new_log_name(request):
    return f"t-{os.getpid()}-{abs(hash(request.node.nodeid)) % 10**8}"


def as_analyst(pg_server, url: str, password: str = ANALYST_PASSWORD, user: str = ANALYST) -> str:
    log = url.rsplit("log=", 1)[1]
    return pg_server.url(user=user, password=password, log=log, tcp=True)


def invoke(url: str, *args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False, env=env)


def ok(url: str, *args: str, env: dict | None = None) -> str:
    result = invoke(url, *args, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def error_line(url: str, *args: str, env: dict | None = None, code: int = 1) -> str:
    """The command fails as the contract says: one ``Error:`` line, exit 1 (3: verify found tampering), nothing
    on stdout."""
    result = invoke(url, *args, env=env)
    assert result.exit_code == code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == "" and "Traceback" not in result.output
    return lines[0]


def count(url: str) -> int:
    with factlog.open_log(url, create=False) as log:
        return log.count()


def connect(pg_server, user: str = "tester", password: str | None = None) -> psycopg.Connection:
    return psycopg.connect(pg_server.url(user=user, password=password, tcp=password is not None), autocommit=True)


# --- the recorder and the grants ---------------------------------------------------------------------------


def test_an_analyst_appends_as_its_role_whatever_the_client_says(pg_server, team):
    analyst = as_analyst(pg_server, team)
    ok(analyst, "claim", "blast", "--source", "tass", "--quote", "A missile", env={"FACTLOG_USER": "somebody-else"})
    records = json.loads(ok(analyst, "log", "--json"))
    assert [r["recorded_by"] for r in records] == ["tester", "tester", ANALYST]
    assert ok(analyst, "verify").startswith("ok: 3 events")  # the hash covers the name the server vouched for


def test_nobody_records_as_someone_else(pg_server, team):
    analyst = as_analyst(pg_server, team)
    with factlog.open_log(analyst, create=False) as log:
        last_seq, last_hash = log.head()
    with connect(pg_server, ANALYST, ANALYST_PASSWORD) as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute(
            "INSERT INTO factlog.events (log, seq, id, type, version, recorded_at, observed_at, recorded_by, data,"
            " prev_hash, hash) VALUES (%s, %s, 'x', 'claim', 1, 'a', 'b', 'tester', '{}', %s, 'h')",
            (team.rsplit("log=", 1)[1], last_seq + 1, last_hash))
    assert refused.value.sqlstate == "FL002" and "cannot record events as tester" in str(refused.value)
    assert count(team) == 2


def test_an_analyst_cannot_import_events_recorded_by_others(pg_server, team, tmp_path):
    exported = ok(team, "export", "jsonl")
    other = pg_server.url(log=team.rsplit("log=", 1)[1] + "-copy")
    ok(other, "init")
    ok(other, "grant", ANALYST, "--apply")
    path = tmp_path / "export.jsonl"
    path.write_text(exported)
    line = error_line(as_analyst(pg_server, other), "import", str(path))
    assert "role analyst cannot record events as tester" in line
    assert count(other) == 0
    ok(other, "import", str(path))  # the owner of the tables may: a merged log keeps its recorders
    assert count(other) == 2


@pytest.mark.parametrize("statement", [
    "UPDATE factlog.events SET data = '{}'",
    "DELETE FROM factlog.events",
    "TRUNCATE factlog.events CASCADE",
    "ALTER TABLE factlog.events DISABLE TRIGGER events_no_update",
    "DROP TRIGGER events_no_delete ON factlog.events",
])
def test_an_analyst_cannot_change_or_remove_events(pg_server, team, statement):
    with connect(pg_server, ANALYST, ANALYST_PASSWORD) as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute(statement)
    assert refused.value.sqlstate == "42501" or "must be owner" in str(refused.value)  # insufficient privilege
    assert ok(team, "verify").startswith("ok: 2 events")


@pytest.mark.parametrize("statement", [
    "UPDATE factlog.events SET data = '{}'", "DELETE FROM factlog.events", "TRUNCATE factlog.events CASCADE"])
def test_the_triggers_refuse_even_the_owner(pg_server, team, statement):
    with connect(pg_server) as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute(statement)
    assert refused.value.sqlstate == "FL001" and "factlog events are immutable" in str(refused.value)
    assert count(team) == 2


def test_a_disabled_trigger_fails_verify_and_stops_writers(pg_server, team):
    with connect(pg_server) as conn:
        conn.execute("ALTER TABLE factlog.events DISABLE TRIGGER events_no_delete")
        try:
            assert "events_no_delete" in error_line(team, "verify", code=3)
            count = ok(team, "log", "--json")
            assert "events_no_delete" in error_line(team, "claim", "blast", "--source", "tass")
            assert ok(team, "log", "--json") == count
        finally:
            conn.execute("ALTER TABLE factlog.events ENABLE TRIGGER events_no_delete")
    assert ok(team, "verify").startswith("ok")


def test_grant_prints_the_statements(team):
    printed = ok(team, "grant", "new-analyst")
    assert ('GRANT SELECT, INSERT ON "factlog"."events", "factlog"."logs", "factlog"."evidence_chunks",'
            ' "factlog"."evidence_files" TO "new-analyst";') in printed  # evidence files: insert-only as events
    on_events = [line for line in printed.splitlines() if '"events"' in line]
    assert on_events and not any(word in line for line in on_events for word in ("UPDATE", "DELETE", "TRUNCATE"))


def test_grant_on_a_log_file_is_an_error(tmp_path):
    path = str(tmp_path / "x.db")
    ok(path, "init")
    assert "a log file has none" in error_line(path, "grant", "alice")


# --- one log among many ------------------------------------------------------------------------------------


def test_logs_of_one_database_are_independent_chains(pg_server, team):
    other = pg_server.url(log=team.rsplit("log=", 1)[1] + "-b")
    ok(other, "source", "add", "kyiv", "--name", "Kyiv")
    assert json.loads(ok(other, "log", "--json"))[0]["seq"] == 1
    assert [s["id"] for s in json.loads(ok(other, "source", "list", "--json"))] == ["kyiv"]
    assert [s["id"] for s in json.loads(ok(team, "source", "list", "--json"))] == ["tass"]
    assert ok(other, "verify").startswith("ok: 1 events") and ok(team, "verify").startswith("ok: 2 events")


def test_a_url_without_a_log_opens_the_default_log(pg_server):
    url = pg_server.url(database="postgres")
    ok(url, "init")
    with factlog.open_log(url) as log:
        assert log.store.log == "default"


def test_a_bad_log_name_is_one_error(pg_server):
    assert "is not a log name" in error_line(pg_server.url(log="Bad Name"), "status")


# --- failures, each one line and nothing half-written ----------------------------------------------------


def test_an_unreachable_server(tmp_path):
    from pg_cluster import free_port

    line = error_line(f"postgresql://tester@127.0.0.1:{free_port()}/postgres", "status")
    assert "cannot reach the PostgreSQL server" in line


def test_a_wrong_password(pg_server, team):
    line = error_line(as_analyst(pg_server, team, password="wrong"), "claim", "blast", "--source", "tass")
    assert "refused the password" in line and "wrong" not in line
    assert count(team) == 2


def test_a_database_without_the_schema(pg_server):
    pg_server.sql("CREATE DATABASE fresh")
    url = pg_server.url(database="fresh", log="story")
    assert "no factlog schema" in error_line(url, "status")
    with psycopg.connect(pg_server.url(database="fresh"), autocommit=True) as conn:
        assert conn.execute("SELECT to_regnamespace('factlog')").fetchone()[0] is None  # a read created nothing
    ok(url, "source", "add", "tass", "--name", "TASS")  # a write creates the schema and the log
    assert count(url) == 1


def test_a_role_without_insert(pg_server, team):
    pg_server.sql("CREATE ROLE reader LOGIN PASSWORD 'reader-pw'")
    pg_server.sql("GRANT USAGE ON SCHEMA factlog TO reader")
    pg_server.sql("GRANT SELECT ON ALL TABLES IN SCHEMA factlog TO reader")
    reader = as_analyst(pg_server, team, password="reader-pw", user="reader")
    assert json.loads(ok(reader, "status", "--json"))[0]["fact"] == "blast"
    line = error_line(reader, "claim", "blast", "--source", "tass")
    assert "lacks a grant" in line and "nothing was recorded" in line
    assert count(team) == 2


def test_a_connection_lost_in_the_middle_of_a_command(pg_server, team, tmp_path, monkeypatch):
    """The server ends the session between the INSERT and the commit (as a restart does)."""
    from factlog.store.postgres import PostgresStore

    def cut(store):
        with connect(pg_server) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (store.conn.info.backend_pid,))

    monkeypatch.setattr(PostgresStore, "before_commit", cut)
    line = error_line(team, "claim", "blast", "--source", "tass")
    assert "connection to the PostgreSQL server was lost" in line
    monkeypatch.undo()
    assert count(team) == 2
    assert ok(team, "verify").startswith("ok: 2 events")


def test_a_server_restart_between_commands_is_harmless(pg_server, team):
    with factlog.open_log(team) as log:
        pg_server.restart()
        with pytest.raises(psycopg.OperationalError):
            log.claim("blast", "tass")
    assert count(team) == 2
    ok(team, "claim", "blast", "--source", "tass")
    assert ok(team, "verify").startswith("ok: 3 events")


# --- many writers on one log --------------------------------------------------------------------------------

WRITER = os.path.join(os.path.dirname(__file__), "pg_writer.py")


def prepare_writers(url: str, workers: int) -> int:
    with factlog.open_log(url) as log:
        for worker in range(workers):
            log.add_source(f"source-{worker}", f"Source {worker}", kind="journalist")
        for n in range(8):
            log.open_fact(f"fact-{n}", f"Statement {n}", parties=["ukraine"])
        return log.count()


def start_writers(url: str, workers: int, count: int, *extra: str) -> list:
    import subprocess
    import sys
    import time

    start_at = time.time() + 2.0  # every process imports factlog first, then they all start at once
    return [subprocess.Popen([sys.executable, WRITER, url, str(count), str(k), str(start_at), *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(workers)]


def acknowledged(process, timeout: float = 600) -> tuple[list[str], list[str]]:
    out, err = process.communicate(timeout=timeout)
    ids, errors = [], []
    for line in out.splitlines():
        try:
            record = json.loads(line)
        except ValueError:  # a line cut short by SIGKILL
            continue
        if "id" in record:
            ids.append(record["id"])
        else:
            errors.append(record["error"])
    return ids, errors


def chain_problems(pg_server, url: str, expected: int) -> list[str]:
    """Gapless seq, unique ids, one unforked chain, verify ok, projections equal to a rebuild."""
    problems = []
    name = url.rsplit("log=", 1)[1]
    with connect(pg_server) as conn:
        seqs = [row[0] for row in conn.execute("SELECT seq FROM factlog.events WHERE log = %s ORDER BY seq", (name,))]
        distinct = conn.execute("SELECT count(DISTINCT id), count(DISTINCT prev_hash) FROM factlog.events"
                                " WHERE log = %s", (name,)).fetchone()
    if seqs != list(range(1, expected + 1)):
        problems.append(f"seq is not 1..{expected}: {len(seqs)} events")
    if distinct != (len(seqs), len(seqs)):
        problems.append(f"duplicate ids or a forked chain: {distinct}")
    with factlog.open_log(url, create=False) as log:
        if log.verify()[0] != len(seqs):
            problems.append("verify counted otherwise")
        live = log.store.projection_rows()
        log.rebuild()
        if log.store.projection_rows() != live:
            problems.append("projections differ from a rebuild")
    return problems


@pytest.mark.slow
def test_eight_processes_append_250_each_through_the_cli(pg_server, new_log_name):
    url = pg_server.url(log=new_log_name)
    setup = prepare_writers(url, 8)
    results = [acknowledged(p) for p in start_writers(url, 8, 250)]
    assert [errors for _, errors in results] == [[]] * 8
    assert [len(ids) for ids, _ in results] == [250] * 8
    assert chain_problems(pg_server, url, setup + 2000) == []
    with factlog.open_log(url, create=False) as log:
        stored = {record["id"] for record in log.records()}
    assert all(i in stored for ids, _ in results for i in ids)


@pytest.mark.slow
@pytest.mark.parametrize("run", range(3))
def test_kill_9_of_a_writer_mid_transaction_loses_nothing_acknowledged(pg_server, new_log_name, run):
    import random
    import signal
    import time

    url = pg_server.url(log=f"{new_log_name}-{run}")
    setup = prepare_writers(url, 2)
    writers = start_writers(url, 2, 400, "--pause-ms", "20")  # most of each append is spent in its transaction
    time.sleep(2.0 + 2.0 + random.Random(run).uniform(0.5, 2.0))  # start-up, then appends for a while
    writers[0].send_signal(signal.SIGKILL)
    killed_ids, _ = acknowledged(writers[0])
    survivor_ids, errors = acknowledged(writers[1])
    assert killed_ids and errors == [] and len(survivor_ids) == 400  # the survivor never waited on a dead lock
    with factlog.open_log(url, create=False) as log:
        stored = [record["id"] for record in log.records()]
    assert set(killed_ids) | set(survivor_ids) <= set(stored)
    # at most the append the killed writer was committing is in the log unacknowledged
    assert len(stored) - setup - len(killed_ids) - len(survivor_ids) <= 1
    assert chain_problems(pg_server, url, len(stored)) == []


# --- search: PostgreSQL full-text search behind the same command ----------------------------------------------


@pytest.fixture
def said(team):
    ok(team, "source", "add", "butusov", "--name", "Yuriy Butusov")
    ok(team, "fact", "add", "casualties", "Residents of Krasniy Oktyabr were killed or injured")
    claim = ok(team, "claim", "blast", "--source", "butusov", "--quiet", "--quote",
               "An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade").strip()
    ok(team, "decline", "blast", "--source", "tass", "--note", "He didn't say anything about what caused the blast.")
    ok(team, "retract", claim, "--reason", "Butusov withdrew the early report")
    return team, claim


def search(url: str, *query: str) -> list[dict]:
    return json.loads(ok(url, "search", *query, "--json"))


def test_search_finds_each_field_with_the_keys_of_a_log_file(said):
    team, claim = said
    [hit] = search(team, "Tochka")
    assert set(hit) == {"seq", "event_id", "type", "fact", "source", "field", "text", "snippet", "fact_status"}
    assert (hit["event_id"], hit["field"], hit["type"], hit["fact"], hit["source"]) == (
        claim, "quote", "claim", "blast", "butusov")
    assert "**Tochka**" in hit["snippet"] and hit["fact_status"] == "retracted"
    assert [h["field"] for h in search(team, "Krasniy")] == ["statement"]
    assert {(h["field"], h["type"]) for h in search(team, "withdrew")} == {("reason", "retract")}
    assert {h["field"] for h in search(team, "caused")} == {"note"}
    assert {h["field"] for h in search(team, "killing")} == {"statement"}  # English stemming


def test_search_syntax_phrases_or_not_prefix(said):
    team, _ = said
    assert len(search(team, "--fts", '"19th missile brigade"')) == 1
    assert len(search(team, "--fts", '"missile brigade 19th"')) == 0
    assert len(search(team, "--fts", "Tochka OR Krasniy")) == 2
    assert len(search(team, "--fts", "missile NOT Tochka")) == 0
    assert len(search(team, "--fts", "blast NOT Tochka")) == 2  # the statement and the note
    assert len(search(team, "--fts", "Toch*")) == 1
    assert len(search(team, "Tochka-U")) == 1  # as written, the default
    for query in ('"unbalanced', "AND", "Tochka NOT"):
        assert "cannot search" in error_line(team, "search", "--fts", query)


def test_the_search_index_is_rebuilt_with_the_projections(said, pg_server):
    team, _ = said
    before = search(team, "--fts", "Tochka OR Krasniy OR caused OR withdrew")
    with connect(pg_server) as conn:
        conn.execute("DELETE FROM factlog.search_index WHERE log = %s", (team.rsplit("log=", 1)[1],))
    assert search(team, "Tochka") == []
    ok(team, "rebuild")
    assert search(team, "--fts", "Tochka OR Krasniy OR caused OR withdrew") == before

"""The built-in exporters through the real CLI: the shared suite, every view read back, atomic -o, streaming."""

import io
import json
import os
import tracemalloc

import pytest

from factlog import hookimpl, open_log
from factlog.errors import FactlogError
from factlog.events import new_event_id
from factlog.exporting import Exporter, ExportRequest
from factlog.plugins import PluginInfo, get_plugins, reset
from factlog.store import NOW
from factlog.testing import (
    BUILTIN_PARSERS, ExporterSuite, build_sample_log, markdown_parser, parse_csv, source_names, squash,
    strict_json, unneutralise,
)

pytestmark = pytest.mark.both_backends


class TestCsv(ExporterSuite):
    format_name = "csv"
    parse = staticmethod(BUILTIN_PARSERS["csv"])


class TestJson(ExporterSuite):
    format_name = "json"
    parse = staticmethod(BUILTIN_PARSERS["json"])


class TestMarkdown(ExporterSuite):
    format_name = "markdown"
    parse = staticmethod(BUILTIN_PARSERS["markdown"])


class TestJsonl(ExporterSuite):
    format_name = "jsonl"
    parse = staticmethod(BUILTIN_PARSERS["jsonl"])


@pytest.fixture
def sample(db_path):
    return build_sample_log(db_path)


def standing_rows(run):
    """What ``why --json`` says stands, per fact and source: the truth the stances view must show."""
    rows = {}
    for fact in run.json("status"):
        [why] = run.json("why", fact["fact"])
        for record in why["standing"]:
            rows[(fact["fact"], record["source"])] = record
    return rows


def test_builtins_are_registered_through_entry_points():
    plugins = get_plugins()
    for name in ("csv", "json", "markdown", "jsonl"):
        assert plugins.exporter(name).name == name
        assert plugins.infos[plugins.plugin_of(name)].builtin


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_stances_view_is_each_standing_statement(sample, run, fmt):
    out = run("export", fmt, "--view", "stances").stdout_bytes
    rows = parse_csv(out) if fmt == "csv" else strict_json(out)
    truth = standing_rows(run)
    assert sorted((r["fact"], r["source"]) for r in rows) == sorted(truth)
    names = source_names(sample)
    for row in rows:
        record = truth[(row["fact"], row["source"])]
        assert row["event_id"] == record["event_id"]
        assert row["stance"] == record["stance"] and row["type"] == record["type"]
        assert row["source_name"] == names[row["source"]]
        quote = unneutralise(row["quote"]) if fmt == "csv" else row["quote"]
        assert quote == (record["quote"] or ("" if fmt == "csv" else None))


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_events_view_is_the_log(sample, run, fmt):
    out = run("export", fmt, "--view", "events").stdout_bytes
    log = run.json("log")
    if fmt == "jsonl":
        assert [strict_json(line) for line in out.splitlines()] == log
    elif fmt == "json":
        assert strict_json(out) == log
    else:
        rows = parse_csv(out)
        assert [r["id"] for r in rows] == [r["id"] for r in log]
        assert [int(r["seq"]) for r in rows] == [r["seq"] for r in log]
        assert [r["hash"] for r in rows] == [r["hash"] for r in log]
        claim = next(r for r in rows if r["type"] == "claim")
        assert "fact=" in claim["data"] and "source=" in claim["data"]


def test_jsonl_defaults_to_events_and_markdown_to_beliefs(sample, run):
    assert run("export", "jsonl").stdout_bytes == run("export", "jsonl", "--view", "events").stdout_bytes
    assert run("export", "markdown").stdout_bytes.startswith(b"# Fact report\n")


@pytest.mark.parametrize("fmt, view", [("jsonl", "beliefs"), ("jsonl", "stances"), ("markdown", "events")])
def test_a_view_the_format_does_not_offer_is_refused(sample, run, fmt, view):
    result = run("export", fmt, "--view", view, ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1 and fmt in result.stderr


def test_unknown_format_names_the_available_ones(sample, run):
    result = run("export", "yaml", ok=False)
    assert result.exit_code == 1
    assert "yaml" in result.stderr and "csv, json, jsonl, markdown" in result.stderr


def test_export_of_a_missing_log_is_an_error(db_path, run):
    result = run("export", "csv", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("Error: no log at")
    assert not db_path.exists()


def test_csv_flattens_nested_values_readably(sample, run):
    rows = {r["fact"]: r for r in parse_csv(run("export", "csv").stdout_bytes)}
    row = rows["belgorod-ukrainian-missile"]
    assert row["parties"] == "ukraine=unconfirmed; russia=declined"
    assert row["sources"] == "butusov=asserts; gladkov=declines; tass=asserts"
    assert (row["statement_count"], row["standing_count"], row["withdrawn_count"]) == ("3", "3", "0")
    assert rows["belgorod-second-blast"]["status"] == "retracted"
    assert rows["belgorod-second-blast"]["withdrawn_count"] == "1"


def test_beliefs_view_gives_the_time_of_the_last_change(sample, run):
    rows = {r["fact"]: r for r in strict_json(run("export", "json").stdout_bytes)}
    log = {r["seq"]: r for r in run.json("log")}
    for row in rows.values():
        assert row["updated_at"] == log[row["updated_seq"]]["recorded_at"]


def test_markdown_report_has_sections_tables_history_and_safe_links(sample, run):
    facts = {f["fact"]: f for f in BUILTIN_PARSERS["markdown"](run("export", "markdown").stdout_bytes)}
    missile = facts["belgorod-ukrainian-missile"]
    standing = missile["tables"]["h3:Standing statements"]
    assert standing[0] == ["Source", "Stance", "When", "Quote", "Link"]
    assert standing[1][:3] == ["Yuriy Butusov", "asserts (claim)", "2022-03-29 21:30 UTC"]
    assert standing[1][4] == "t.me"
    assert missile["links"] == ["https://t.me/butusovplus", "https://tass.com/"]
    history = missile["tables"]["h3:History"]
    assert [row[3] for row in history[1:]] == ["open", "claimed", "claimed", "claimed"]
    second = facts["belgorod-second-blast"]
    assert [row[2] for row in second["tables"]["h3:History"][1:]] == [
        "fact opened", "claim by TASS", "retraction of TASS's claim"]
    assert second["status"] == "retracted"


def test_output_does_not_depend_on_the_projection_tables(sample, run):
    before = {fmt: run("export", fmt).stdout_bytes for fmt in ("csv", "json", "markdown", "jsonl")}
    run("rebuild")
    assert {fmt: run("export", fmt).stdout_bytes for fmt in before} == before


def test_output_file_is_written_and_stdout_stays_empty(sample, run, tmp_path):
    target = tmp_path / "report.md"
    result = run("export", "markdown", "-o", target)
    assert result.stdout == "" and target.read_bytes() == run("export", "markdown").stdout_bytes


def test_output_file_keeps_the_permissions_of_the_file_it_replaces(sample, run, tmp_path):
    target = tmp_path / "beliefs.csv"
    target.write_text("old")
    os.chmod(target, 0o640)
    run("export", "csv", "-o", target)
    assert target.read_text().startswith("fact,") and (os.stat(target).st_mode & 0o777) == 0o640


def test_output_into_a_missing_folder_is_an_error(sample, run, tmp_path):
    result = run("export", "csv", "-o", tmp_path / "nowhere" / "out.csv", ok=False)
    assert result.exit_code == 1 and "does not exist" in result.stderr


# --- a failing exporter ----------------------------------------------------------------------------------------


class BrokenPlugin:
    """Writes part of an export, then fails, as a buggy third-party exporter would."""

    def __init__(self, error):
        self.error = error

    @hookimpl
    def register_exporters(self, register):
        def write(request, stream):
            for index, row in enumerate(request.rows()):
                stream.write(json.dumps(row) + "\n")
                if index == 2:
                    raise self.error

        register(Exporter("broken", "fails half-way", "txt", "text/plain", write))


@pytest.fixture(params=[RuntimeError("disk quota exceeded"), FactlogError("the source went away")])
def broken(request):
    reset()
    plugins = get_plugins()
    plugins.register_plugin("broken-plugin", BrokenPlugin(request.param), PluginInfo("broken-plugin"))
    try:
        yield plugins
    finally:
        reset()


def test_a_failing_exporter_leaves_no_file(sample, run, tmp_path, broken):
    target = tmp_path / "out" / "export.txt"
    target.parent.mkdir()
    result = run("export", "broken", "-o", target, ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: export as broken (from plugin broken-plugin) failed: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert list(target.parent.iterdir()) == []


def test_a_failing_exporter_leaves_an_existing_file_untouched(sample, run, tmp_path, broken):
    target = tmp_path / "export.txt"
    target.write_bytes(b"yesterday's export\n")
    result = run("export", "broken", "-o", target, ok=False)
    assert result.exit_code == 1
    assert target.read_bytes() == b"yesterday's export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export.txt")] == []


def test_an_exporter_writing_a_lone_surrogate_is_refused_by_the_stream(sample, run, tmp_path):
    class Surrogate:
        @hookimpl
        def register_exporters(self, register):
            register(Exporter("surrogate", "bad text", "txt", "text/plain",
                              lambda request, stream: stream.write("ok \udc80")))

    reset()
    get_plugins().register_plugin("surrogate-plugin", Surrogate(), PluginInfo("surrogate-plugin"))
    try:
        result = run("export", "surrogate", "-o", tmp_path / "x.txt", ok=False)
    finally:
        reset()
    assert result.exit_code == 1 and "surrogate" in result.stderr and "UnicodeEncodeError" in result.stderr
    assert not (tmp_path / "x.txt").exists()


# --- streaming ---------------------------------------------------------------------------------------------------

T = "2022-03-30T00:00:00.000000+00:00"


def record(event_type, version=1, **data):
    return {"id": new_event_id(), "type": event_type, "version": version, "recorded_at": T, "observed_at": T,
            "recorded_by": "bulk", "data": data}


def bulk_log(path, facts):
    def records():
        yield record("source-registered", source="s", name="S", kind="journalist")
        yield record("source-registered", source="o", name="O", kind="official", party="russia")
        for i in range(facts):
            yield record("fact-opened", 2, fact=f"f{i:06d}", statement="x" * 50, parties=["russia"], tags=[])
            yield record("claim", fact=f"f{i:06d}", source="s", quote="q" * 200)
            yield record("deny", fact=f"f{i:06d}", source="o", quote="d" * 200)

    with open_log(path) as log:
        log.append_records(records())
    return path


def peak_memory(path, fmt, view):
    with open_log(path, create=False) as log:
        exporter = get_plugins().exporter(fmt)
        sink = io.TextIOWrapper(io.BufferedWriter(open(os.devnull, "wb")), encoding="utf-8", newline="")
        tracemalloc.start()
        try:
            exporter.write(ExportRequest(log, view, NOW), sink)
            sink.flush()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            sink.close()


@pytest.mark.slow
def test_memory_does_not_grow_with_the_log(tmp_path):
    small, large = bulk_log(tmp_path / "small.db", 150), bulk_log(tmp_path / "large.db", 1200)
    for fmt, view in [("csv", "beliefs"), ("json", "stances"), ("jsonl", "events"), ("markdown", "beliefs")]:
        base, grown = peak_memory(small, fmt, view), peak_memory(large, fmt, view)
        # 8 times the events; a whole-log buffer would need > 1 MB more, one fact at a time needs no more
        assert grown < base * 1.5 + 64 * 1024, (fmt, view, base, grown)


def test_no_progress_bar_when_stderr_is_not_a_terminal(sample, run, tmp_path):
    result = run("export", "markdown", "-o", tmp_path / "r.md")
    assert result.stderr == ""


def test_progress_bar_draws_and_clears_on_a_terminal(capsys):
    from factlog.cli.progress import Progress

    progress = Progress("exporting csv", 1000, enabled=True)
    progress.DELAY = progress.EVERY = 0
    progress.advance(400)
    progress.advance(600)
    assert progress.bar is not None and progress.bar.tasks[0].completed == 1000
    progress.close()
    assert capsys.readouterr().out == ""  # the bar is on stderr only


@pytest.mark.sqlite_only
def test_exporting_over_the_log_itself_is_refused(sample, run, db_path):
    before = db_path.read_bytes()
    result = run("export", "jsonl", "-o", db_path, ok=False)
    assert result.exit_code == 1 and "is the log itself" in result.stderr
    assert db_path.read_bytes() == before

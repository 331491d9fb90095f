"""Progress bars: rebuild, verify, import and export report their work to a bar on a terminal's stderr (none
when stderr is piped); an export, whose size is unknown, shows a spinner and the bytes written, never a full bar."""

import json

import pytest
from click.testing import CliRunner

from factlog import open_log
from factlog.cli import cli
from factlog.cli import progress as progress_module
from factlog.testing import build_sample_log, invoke


@pytest.fixture
def sample(tmp_path):
    return build_sample_log(tmp_path / "sample.db")


def test_the_log_reports_every_event_it_reads(sample):
    told = []
    with open_log(sample) as log:
        count = log.count()
        log.rebuild(progress=told.append)
        assert sum(told) == count
        told.clear()
        log.verify(progress=told.append)
        assert sum(told) == 3 * count  # the chain, the events' checks, the projections' fold
        assert log.store.progress is None  # nobody is told afterwards


@pytest.fixture
def bars(monkeypatch):
    """Every bar drawn, as (label, total, unit, columns, completed), with stderr taken for a terminal."""
    drawn = []
    monkeypatch.setattr(progress_module, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(progress_module.Progress, "DELAY", 0)
    monkeypatch.setattr(progress_module.Progress, "EVERY", 0)
    original_close = progress_module.Progress.close

    def close(self):
        if self.bar is not None:
            columns = [type(column).__name__ for column in self.bar.columns]
            drawn.append((self.label, self.total, self.unit, columns, self.bar.tasks[0].completed))
        original_close(self)

    monkeypatch.setattr(progress_module.Progress, "close", close)
    return drawn


def run(log_path, *args):
    result = CliRunner().invoke(cli, ["--db", str(log_path), *args])
    assert result.exit_code == 0, result.output
    return result


def test_rebuild_and_verify_draw_a_bar_of_events(sample, bars):
    count = json.loads(invoke(sample, "head", "--json"))["seq"]
    run(sample, "rebuild")
    run(sample, "verify")
    assert [(label, total, unit, done) for label, total, unit, _, done in bars] == [
        ("rebuilding", count, "events", count), ("verifying", 3 * count, "events", 3 * count)]
    assert all("BarColumn" in columns for *_, columns, _ in bars)


def test_import_draws_bytes_of_the_file_and_export_a_spinner(sample, bars, tmp_path):
    dump = tmp_path / "dump.jsonl"
    run(sample, "export", "jsonl", "-o", str(dump))
    run(tmp_path / "other.db", "import", str(dump))
    (export, _, unit, columns, done), (imported, total, _, import_columns, read) = bars
    assert export == "exporting jsonl" and unit == "bytes" and done == dump.stat().st_size
    assert "SpinnerColumn" in columns and "BarColumn" not in columns and "FileSizeColumn" in columns
    assert imported == "importing" and total == read == dump.stat().st_size and "BarColumn" in import_columns


def test_no_bar_when_stderr_is_not_a_terminal(sample, tmp_path):
    for args in (["rebuild"], ["verify"], ["export", "csv", "-o", str(tmp_path / "x.csv")]):
        assert run(sample, *args).stderr == ""


def test_the_helper_for_push_and_pull(bars):
    with progress_module.progress_bar("pushing", total=5, unit="events") as advance:
        for _ in range(5):
            advance(1)
    assert bars == [("pushing", 5, "events", bars[0][3], 5)] and "MofNCompleteColumn" in bars[0][3]

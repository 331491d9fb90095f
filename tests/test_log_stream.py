"""`factlog log` streams: plain rows are laid out without rich yet exactly as rich lays them out, the first rows
print before the log is read to its end, and on a terminal the table goes through $PAGER (never when piped)."""

import json
import os
import pty
import subprocess
import sys

import pytest
from click.testing import CliRunner

from factlog.cli import cli, output
from factlog.testing import build_sample_log, invoke


# these lay out thousands of rows both ways to compare them: the full suite runs them, not the quick loop
pytestmark = pytest.mark.slow


def table(log_path, *args, columns="100"):
    result = CliRunner().invoke(cli, ["--db", str(log_path), "log", *args], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("columns", ["30", "60", "100", "200"])
@pytest.mark.parametrize("hostile", [False, True])
def test_the_fast_layout_is_rich_layout(tmp_path, monkeypatch, columns, hostile):
    log_path = build_sample_log(tmp_path / "sample.db", hostile=hostile)
    for n in range(1, 40):  # long quotes, long words, ids shortened in retractions: every wrapping rule
        [claim] = json.loads(invoke(log_path, "claim", "belgorod-explosion", "--source", "tass", "--json",
                                    "--quote", " ".join(["word"] * n + ["x" * (n * 3)])))
        if n % 7 == 0:
            invoke(log_path, "retract", claim["id"], "--reason", "reason " * n)
    fast = table(log_path, columns=columns)
    monkeypatch.setattr(output, "_plain_row", lambda spec, widths, row: None)  # every row through rich
    assert table(log_path, columns=columns) == fast


def test_rows_print_before_the_log_is_read_to_its_end(monkeypatch):
    read = []

    def rows():
        for n in range(10 * output.BATCH):
            read.append(n)
            yield [n, "claim", "a-fact", "a-source", "2022-03-30 10:00 +03", "five words to wrap here", "01a2" * 9]

    printed_after = []
    monkeypatch.setattr(output, "_flush", lambda lines: printed_after.append(len(read)) if lines else None)
    output.print_table(["seq", "type", "fact", "source", output.Column("said at", "time"), "what",
                        output.Column("id", "id")], rows())
    assert printed_after[0] <= 2 * output.BATCH and len(read) == 10 * output.BATCH


def on_a_terminal(args, env):
    """Run factlog with stdout on a pseudo-terminal; returns what reached the terminal."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "factlog", *args], stdin=slave, stdout=slave, stderr=slave,
                               env={**os.environ, **env})
    os.close(slave)
    received = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    assert process.wait() == 0, received
    os.close(master)
    return received.decode()


@pytest.mark.slow
def test_a_terminal_pages_through_pager_and_a_pipe_never(tmp_path):
    log_path = build_sample_log(tmp_path / "sample.db")
    paged = tmp_path / "paged.txt"
    env = {"PAGER": f"cat > {paged}", "COLUMNS": "100", "NO_COLOR": "1"}
    assert on_a_terminal(["--db", str(log_path), "log"], env) == ""
    assert paged.read_text() == table(log_path)
    paged.unlink()
    terminal = on_a_terminal(["--db", str(log_path), "log", "--no-pager"], env)
    assert not paged.exists() and "claim" in terminal and "retract" in terminal
    piped = subprocess.run([sys.executable, "-m", "factlog", "--db", str(log_path), "log"], capture_output=True,
                           text=True, env={**os.environ, **env}, check=True)
    assert not paged.exists() and piped.stdout == table(log_path)
    assert on_a_terminal(["--db", str(log_path), "log", "--json"], env) and not paged.exists()


@pytest.mark.parametrize("columns", ["50", "100"])
def test_cyrillic_and_wide_text_lay_out_as_rich_does(tmp_path, monkeypatch, columns):
    log_path = build_sample_log(tmp_path / "sample.db")
    for quote in ("Взрыв на складе боеприпасов под Белгородом, сообщил губернатор Гладков в своём Telegram-канале",
                  "Ракета «Точка-У» — так пишет Бутусов", "東京 で 爆発 が あった と 報道 された " * 3,
                  "emoji 🚀 in a long quote that wraps past the column width of the table", "e\u0301tat combining"):
        invoke(log_path, "claim", "belgorod-explosion", "--source", "tass", "--quote", quote)
    fast = table(log_path, columns=columns)
    monkeypatch.setattr(output, "_plain_row", lambda spec, widths, row: None)
    assert table(log_path, columns=columns) == fast

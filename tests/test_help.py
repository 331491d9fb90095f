"""Help that teaches: every command explains itself in one line and shows a Belgorod example that really parses;
--version; shell completion of commands, fact ids and source ids from the current log."""

import re
import shlex
from importlib.metadata import version
from pathlib import Path

import click
import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from factlog.cli import cli
from factlog.cli.completion import complete_facts, complete_sources, complete_statements

ROOT = Path(__file__).resolve().parent.parent
STORY = (ROOT / "examples" / "belgorod.sh").read_text(encoding="utf-8")
BELGOROD_IDS = set(re.findall(r"(?:source|fact) add ([a-z0-9-]+)", STORY))
SHELL_OPERATORS = {">", ">>", "|", "&&", ";"}


def all_commands(command=cli, path=("factlog",)):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from all_commands(sub, (*path, name))


COMMANDS = list(all_commands())
IDS = [" ".join(path) for path, _ in COMMANDS]


def test_the_walk_finds_the_commands_of_the_contract():
    names = {" ".join(path[1:]) for path, _ in COMMANDS}
    expected = {"init", "source add", "source list", "fact add", "fact list", "claim", "confirm", "deny", "decline",
                "retract", "log", "status", "history", "why", "replay", "verify", "head", "rebuild", "completion"}
    assert expected <= names
    assert len(BELGOROD_IDS) >= 15


def example_lines(help_text):
    """The command lines under 'Example:' / 'Examples:', continuation lines joined."""
    _, _, section = help_text.partition("Example")
    lines, pending = [], ""
    for raw in section.splitlines()[1:]:
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if line.startswith("factlog"):
            lines.append(line)
    return lines


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_every_command_has_a_one_line_summary_and_an_example(path, command):
    help_text = command.help or ""
    summary = help_text.strip().splitlines()[0] if help_text.strip() else ""
    assert 15 <= len(summary) <= 110 and summary.endswith("."), f"{' '.join(path)}: summary {summary!r}"
    assert not command.get_short_help_str(limit=120).endswith("..."), "the summary fits one line of the listing"
    shown = CliRunner().invoke(cli, [*path[1:], "--help"], prog_name="factlog", catch_exceptions=False)
    assert shown.exit_code == 0
    assert summary in " ".join(shown.output.split())
    assert re.search(r"^\s+Examples?:$", shown.output, re.MULTILINE), f"{' '.join(path)} has no Example section"
    lines = example_lines(help_text)
    assert lines, f"{' '.join(path)}: no 'factlog ...' line under Example"
    assert any(" ".join(path[1:]) in line for line in lines), "an example uses the command itself"


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_every_example_names_real_commands_and_options(path, command):
    for line in example_lines(command.help or ""):
        words = shlex.split(line.replace("<TAB>", ""))
        for i, word in enumerate(words):
            if word in SHELL_OPERATORS:
                words = words[:i]
                break
        result = CliRunner().invoke(cli, [*words[1:], "--help"], prog_name="factlog")
        assert result.exit_code == 0, f"example {line!r} does not parse: {result.output}"
        assert result.output.startswith("Usage: factlog"), line


def takes_ids(command):
    return any(getattr(p, "_custom_shell_complete", None) in (complete_facts, complete_sources)
               for p in command.params)


@pytest.mark.parametrize("path,command", [(p, c) for p, c in COMMANDS if takes_ids(c)],
                         ids=[" ".join(p) for p, c in COMMANDS if takes_ids(c)])
def test_examples_come_from_the_belgorod_story(path, command):
    text = " ".join(example_lines(command.help or ""))
    assert BELGOROD_IDS & set(re.findall(r"[a-z0-9-]+", text)), f"{' '.join(path)}: no Belgorod fact or source"


def test_version(run):
    result = run("--version")
    assert result.stdout.strip() == f"factlog, version {version('factlog')}"


def test_help_mentions_completion():
    out = CliRunner().invoke(cli, ["--help"]).output
    assert "_FACTLOG_COMPLETE=bash_source factlog" in out
    assert "completion" in out


# --- shell completion -------------------------------------------------------------------------------------------


@pytest.fixture
def small_log(run):
    run("source", "add", "butusov", "--name", "Yuriy Butusov", "--kind", "journalist", "--party", "ukraine")
    run("source", "add", "gladkov", "--name", "Vyacheslav Gladkov", "--kind", "official", "--party", "russia")
    run("fact", "add", "belgorod-tochka-u", "An OTR-21 Tochka-U fired by Ukraine's 19th missile brigade hit the depot",
        "--party", "ukraine")
    run("fact", "add", "belgorod-explosion", "An explosion took place near the village of Krasniy Oktyabr")
    claim = run.id("claim", "belgorod-tochka-u", "--source", "butusov", "--quote", "An OTR-21 Tochka-U was fired")
    return claim


def complete(args, incomplete):
    return ShellComplete(cli, {}, "factlog", "_FACTLOG_COMPLETE").get_completions(args, incomplete)


def test_fact_ids_complete_from_the_log(small_log):
    items = complete(["claim"], "belgorod-")
    assert [item.value for item in items] == ["belgorod-explosion", "belgorod-tochka-u"]
    assert items[1].help.startswith("claimed: An OTR-21 Tochka-U")
    assert [i.value for i in complete(["status"], "belgorod-t")] == ["belgorod-tochka-u"]
    for command in (["history"], ["why"], ["fact", "reword"], ["deny"], ["log", "--fact"]):
        assert [i.value for i in complete(command, "belgorod-e")] == ["belgorod-explosion"], command


def test_source_ids_complete_from_the_log(small_log):
    items = complete(["confirm", "belgorod-explosion", "--source"], "")
    assert [(i.value, i.help) for i in items] == [
        ("butusov", "Yuriy Butusov (journalist)"), ("gladkov", "Vyacheslav Gladkov (official)")]
    assert [i.value for i in complete(["log", "--source"], "g")] == ["gladkov"]


def test_retract_completes_statement_event_ids(small_log):
    items = complete(["retract"], "")
    assert [i.value for i in items][0] == small_log and len(items) == 2  # the id, then the seq
    assert int(items[1].value) >= 1 and items[1].help == items[0].help
    assert "claim belgorod-tochka-u by butusov" in items[0].help


def test_completion_reads_the_log_named_by_db(small_log, tmp_path, run):
    other = tmp_path / "other.db"
    run("--db", other, "fact", "add", "kyiv-drawdown", "Russia is cutting back military activity near Kyiv")
    assert [i.value for i in complete(["--db", str(other), "status"], "")] == ["kyiv-drawdown"]
    assert [i.value for i in complete(["status"], "")] == ["belgorod-explosion", "belgorod-tochka-u"]


def test_completion_is_silent_without_a_log_and_creates_none(db_path, tmp_path):
    assert complete(["status"], "") == []
    assert complete(["--db", str(tmp_path / "missing.db"), "claim", "x", "--source"], "") == []
    assert not db_path.exists() and not (tmp_path / "missing.db").exists()
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    assert complete(["--db", str(junk), "status"], "") == []
    assert junk.read_text() == "not a database"


def test_completion_through_the_environment_variable_as_the_shell_runs_it(small_log, db_path):
    env = {"_FACTLOG_COMPLETE": "bash_complete", "COMP_WORDS": "factlog claim belgorod-t", "COMP_CWORD": "2"}
    result = CliRunner().invoke(cli, [], env=env, prog_name="factlog")
    assert result.exit_code == 0
    assert result.output.split() == ["plain,belgorod-tochka-u"]
    env = {"_FACTLOG_COMPLETE": "zsh_complete", "COMP_WORDS": "factlog deny belgorod-tochka-u --source g",
           "COMP_CWORD": "4"}
    result = CliRunner().invoke(cli, [], env=env, prog_name="factlog")
    assert result.output.splitlines() == ["plain", "gladkov", "Vyacheslav Gladkov (official)"]
    env = {"_FACTLOG_COMPLETE": "bash_complete", "COMP_WORDS": "factlog sta", "COMP_CWORD": "1"}
    assert "plain,status" in CliRunner().invoke(cli, [], env=env, prog_name="factlog").output.split()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_command_prints_the_script_click_would(shell):
    result = CliRunner().invoke(cli, ["completion", shell], catch_exceptions=False)
    assert result.exit_code == 0
    assert "_FACTLOG_COMPLETE" in result.output and f"{shell}_complete" in result.output
    env = {"_FACTLOG_COMPLETE": f"{shell}_source"}
    same = CliRunner().invoke(cli, [], env=env, prog_name="factlog")
    assert same.output == result.output

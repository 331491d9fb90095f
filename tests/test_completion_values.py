"""Shell completion of formats, source kinds, parties, tags, views, event types and reliability ratings (ids
are tested in test_help.py), through click's completion API and through the environment as a shell runs it."""

import os
import subprocess
import sys

import pytest
from click.shell_completion import ShellComplete

from factlog.cli import cli
from factlog.testing import build_sample_log


@pytest.fixture
def sample(tmp_path):
    return build_sample_log(tmp_path / "sample.db")


def values(args, incomplete):
    return [item.value for item in ShellComplete(cli, {}, "factlog", "_FACTLOG_COMPLETE")
            .get_completions(args, incomplete)]


def test_formats_from_the_plugins():
    assert {"csv", "json", "jsonl", "markdown"} <= set(values(["export"], ""))
    assert values(["export"], "js") == ["json", "jsonl"]


def test_views_and_kinds_and_types_and_ratings():
    assert values(["export", "csv", "--view"], "") == ["beliefs", "stances", "events"]
    assert values(["source", "add", "x", "--kind"], "") == ["official", "journalist", "agency", "media",
                                                            "witness", "anonymous", "document", "other"]
    assert values(["source", "add", "x", "--kind"], "a") == ["agency", "anonymous"]
    assert values(["log", "--type"], "fact-") == ["fact-opened", "fact-reworded", "fact-amended"]
    assert values(["source", "add", "x", "--reliability"], "") == list("ABCDEF")
    assert values(["config", "set"], "claimreview.") == ["claimreview.url"]
    assert values(["verdict", "f"], "mostly") == ["mostly-true", "mostly-false"]


def test_parties_and_tags_from_the_log(sample):
    db = ["--db", str(sample)]
    assert values([*db, "fact", "add", "x", "s", "--party"], "") == ["russia", "ukraine", "united-kingdom"]
    assert values([*db, "source", "add", "x", "--party"], "u") == ["ukraine", "united-kingdom"]
    assert values([*db, "fact", "add", "x", "s", "--tag"], "") == ["belgorod"]
    assert values([*db, "fact", "add", "x", "s", "--tag"], "z") == []


def test_no_log_completes_no_parties_and_creates_nothing(tmp_path):
    missing = tmp_path / "missing.db"
    assert values(["--db", str(missing), "fact", "add", "x", "s", "--party"], "") == []
    assert not missing.exists()


@pytest.mark.slow
def test_completion_as_bash_runs_it_from_the_installed_command(sample):
    def complete(words, cword):
        env = {**os.environ, "_FACTLOG_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword),
               "FACTLOG_DB": str(sample)}
        done = subprocess.run([sys.executable, "-m", "factlog"], capture_output=True, text=True, env=env)
        return done.stdout.split()

    assert complete("factlog export mark", 2) == ["plain,markdown"]
    assert complete("factlog fact add x s --tag b", 6) == ["plain,belgorod"]
    assert complete("factlog source add x --party rus", 5) == ["plain,russia"]

"""factlog config: the log's settings are setting-changed events, checked when set, folded to their latest
value, and carried by the log itself (export jsonl + import into another log)."""

import json

import pytest
from click.testing import CliRunner

from factlog.cli import cli
from factlog.testing import build_sample_log, invoke


def run(log_path, *args):
    return CliRunner().invoke(cli, ["--db", str(log_path), *args])


@pytest.fixture
def sample(tmp_path):
    return build_sample_log(tmp_path / "sample.db")


def settings(log_path):
    return {row["key"]: row["value"] for row in json.loads(invoke(log_path, "config", "list", "--json"))}


def test_set_get_list_unset(sample):
    assert settings(sample) == {}
    invoke(sample, "config", "set", "publisher.name", "Belgorod Desk")
    invoke(sample, "config", "set", "publisher.name", "The Desk")
    invoke(sample, "config", "set", "claimreview.url", "https://d.example/c/{fact}.html")
    invoke(sample, "config", "set", "publisher.url", "https://d.example")
    assert invoke(sample, "config", "get", "publisher.name") == b"The Desk\n"
    assert settings(sample) == {"publisher.name": "The Desk", "claimreview.url": "https://d.example/c/{fact}.html",
                                "publisher.url": "https://d.example"}
    invoke(sample, "config", "unset", "publisher.name")
    assert "publisher.name" not in settings(sample)
    result = run(sample, "config", "get", "publisher.name")
    assert result.exit_code == 1 and result.stderr == "Error: publisher.name is not set\n"
    table = invoke(sample, "config", "list").decode()
    assert "claimreview.url" in table and "https://d.example/c/{fact}.html" in table
    assert [r["type"] for r in json.loads(invoke(sample, "log", "--type", "setting-changed", "--json"))] == [
        "setting-changed"] * 5


@pytest.mark.parametrize("key, value, message", [
    ("publisher.colour", "blue", "unknown setting 'publisher.colour'"),
    ("publisher.url", "javascript:alert(1)", "is not an http(s) URL"),
    ("publisher.url", "desk.example", "is not an http(s) URL"),
    ("claimreview.url", "https://d.example/checks", "has no {fact} in it"),
    ("claimreview.url", "ftp://d.example/{fact}", "is not an http(s) URL"),
    ("claimreview.rating.belgorod-ukrainian-missile", "pants-on-fire", "is not one of true, mostly-true"),
    # a rating is a verdict now (factlog verdict), with its basis and time; the old setting is refused
    ("claimreview.rating.belgorod-ukrainian-missile", "mixed", "factlog verdict belgorod-ukrainian-missile mixed"),
    ("publisher.name", " ", "must not be empty"),
])
def test_bad_settings_are_one_error_line_and_nothing_appended(sample, key, value, message):
    before = invoke(sample, "head")
    result = run(sample, "config", "set", key, value)
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("Error:") and message in line
    assert invoke(sample, "head") == before


def test_settings_travel_with_the_log_and_verify(sample, tmp_path):
    invoke(sample, "config", "set", "publisher.name", "Belgorod Desk")
    invoke(sample, "config", "set", "claimreview.url", "https://d.example/{fact}")
    dump = tmp_path / "log.jsonl"
    invoke(sample, "export", "jsonl", "-o", str(dump))
    other = tmp_path / "other.db"
    invoke(other, "import", str(dump))
    assert settings(other) == settings(sample) == {"publisher.name": "Belgorod Desk",
                                                   "claimreview.url": "https://d.example/{fact}"}
    invoke(other, "verify")
    invoke(other, "rebuild")
    invoke(other, "verify")


def test_an_imported_setting_is_checked_like_a_typed_one(sample, tmp_path):
    record = json.loads(invoke(sample, "config", "set", "publisher.name", "Desk", "--json"))[0]
    record["data"]["key"] = "publisher.url"  # and its value is no URL
    for key in ("seq", "prev_hash", "hash"):
        record.pop(key)
    record["id"] = "01a233c5-0000-7000-8000-000000000001"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(record) + "\n")
    result = run(sample, "import", str(bad))
    assert result.exit_code == 1 and "is not an http(s) URL" in result.stderr


def test_a_rating_setting_from_before_verdicts_still_reads_and_verifies(sample, tmp_path):
    """A log written before verdicts may hold ``claimreview.rating.FACT`` settings: they still decode, verify
    and rebuild (nothing reads them now; ``factlog verdict`` is the rating)."""
    record = json.loads(invoke(sample, "config", "set", "publisher.name", "Desk", "--json"))[0]
    record["data"] = {"key": "claimreview.rating.belgorod-explosion", "value": "true"}
    for key in ("seq", "prev_hash", "hash"):
        record.pop(key)
    record["id"] = "01a233c5-0000-7000-8000-000000000002"
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps(record) + "\n")
    invoke(sample, "import", str(old))
    assert settings(sample)["claimreview.rating.belgorod-explosion"] == "true"
    invoke(sample, "verify")
    invoke(sample, "rebuild")
    invoke(sample, "verify")


def test_settings_follow_transaction_time(sample):
    seq = json.loads(invoke(sample, "config", "set", "publisher.name", "First", "--json"))[0]["seq"]
    invoke(sample, "config", "set", "publisher.name", "Second")
    from factlog import open_log
    from factlog.clock import Clock

    with open_log(sample) as log:
        assert log.settings(Clock(at_seq=seq)) == {"publisher.name": "First"}
        assert log.settings() == {"publisher.name": "Second"}

"""Times as people type them (factlog.times.parse_user_time, behind every time option): spans back from now,
now/today/yesterday, dates and times without an offset with --tz; wire records never take them."""

import datetime as dt
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from factlog.cli import cli
from factlog.errors import InvalidInput
from factlog.testing import build_sample_log, invoke
from factlog.times import parse_time, parse_user_time

UTC = dt.timezone.utc
NOW = dt.datetime(2022, 11, 16, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("now", NOW),
    ("7d", NOW - dt.timedelta(days=7)),
    ("7d ago", NOW - dt.timedelta(days=7)),
    ("7 days ago", NOW - dt.timedelta(days=7)),
    ("36h", NOW - dt.timedelta(hours=36)),
    ("3 hours ago", NOW - dt.timedelta(hours=3)),
    ("15m", NOW - dt.timedelta(minutes=15)),
    ("90 minutes ago", NOW - dt.timedelta(minutes=90)),
    ("30s", NOW - dt.timedelta(seconds=30)),
    ("2w", NOW - dt.timedelta(weeks=2)),
    ("1 week ago", NOW - dt.timedelta(weeks=1)),
    (" Yesterday ", dt.datetime(2022, 11, 14, 22, 0, tzinfo=UTC)),  # midnight in Kyiv (+02)
    ("today", dt.datetime(2022, 11, 15, 22, 0, tzinfo=UTC)),
    ("2022-11-16 18:00", dt.datetime(2022, 11, 16, 16, 0, tzinfo=UTC)),
    ("2022-11-16", dt.datetime(2022, 11, 15, 22, 0, tzinfo=UTC)),
    ("2022-11-16T18:00+03:00", dt.datetime(2022, 11, 16, 15, 0, tzinfo=UTC)),
])
def test_what_is_accepted(text, expected):
    assert parse_user_time(text, "Europe/Kyiv", NOW) == expected


def test_yesterday_in_utc_and_across_a_zone_boundary():
    assert parse_user_time("yesterday", "UTC", NOW) == dt.datetime(2022, 11, 15, tzinfo=UTC)
    late = dt.datetime(2022, 11, 16, 23, 30, tzinfo=UTC)  # already the 17th in Tokyo
    assert parse_user_time("today", "Asia/Tokyo", late) == dt.datetime(2022, 11, 16, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["soon", "7x", "5 parsecs ago", "", "ago", "-7d", "7 d a g o", "99999999d",
                                  "2022-11-16 18:00"])
def test_what_is_refused_in_one_sentence(text):
    with pytest.raises(InvalidInput) as caught:
        parse_user_time(text, None, NOW)
    assert "\n" not in str(caught.value)


def test_a_span_before_the_year_1_is_an_error_not_a_crash():
    with pytest.raises(InvalidInput, match="before the year 1"):
        parse_user_time("9999999w", "UTC", NOW)


def test_wire_records_never_take_relative_times():
    for text in ("yesterday", "7d", "now"):
        with pytest.raises(InvalidInput):
            parse_time(text)


@pytest.fixture
def sample(tmp_path):
    return build_sample_log(tmp_path / "sample.db")


def run(log_path, *args):
    return CliRunner().invoke(cli, ["--db", str(log_path), *args])


def test_as_of_yesterday_and_a_local_time_with_tz_on_the_command_line(sample):
    # the sample was recorded just now: yesterday the log held nothing, a minute from now it holds everything
    assert json.loads(invoke(sample, "status", "--as-of", "yesterday", "--json")) == []
    assert json.loads(invoke(sample, "status", "--as-of", "now", "--json")) == json.loads(
        invoke(sample, "status", "--json"))
    valid = json.loads(invoke(sample, "--tz", "Europe/Moscow", "status", "--valid-at", "2022-03-30 09:00",
                              "--json"))
    assert valid == json.loads(invoke(sample, "status", "--valid-at", "2022-03-30T09:00+03:00", "--json"))
    result = run(sample, "status", "--valid-at", "2022-03-30 09:00")
    assert result.exit_code == 1 and "--tz" in result.stderr


def test_log_since(sample, tmp_path):
    # --since and --until read the said-at time (issue 12), in any form a time option takes
    assert json.loads(invoke(sample, "log", "--since", "1h", "--json")) == []  # the sample story is from 2022
    recent = json.loads(invoke(sample, "claim", "belgorod-explosion", "--source", "tass", "--at", "3 hours ago",
                               "--json"))
    older = json.loads(invoke(sample, "claim", "belgorod-explosion", "--source", "tass", "--at", "3 days ago",
                              "--json"))
    since = [r["id"] for r in json.loads(invoke(sample, "log", "--since", "2 days ago", "--json"))]
    assert since == [recent[0]["id"]]
    week = [r["id"] for r in json.loads(invoke(sample, "log", "--since", "7d", "--until", "1 day ago", "--json"))]
    assert week == [older[0]["id"]]
    assert json.loads(invoke(sample, "log", "--since", "now", "--json")) == []
    result = run(sample, "log", "--since", "soon")
    assert result.exit_code == 1 and result.stderr.startswith("Error: cannot read 'soon' as a time")


def test_help_states_what_is_accepted():
    text = CliRunner().invoke(cli, ["--help"]).output
    for form in ("ISO 8601", "'2022-11-16 18:00'", "--tz", "yesterday", "7d", "'7 days ago'"):
        assert form in text


@pytest.mark.slow
def test_relative_times_from_the_installed_command_line(sample):
    invoke(sample, "claim", "belgorod-explosion", "--source", "tass", "--at", "1 hour ago")
    done = subprocess.run([sys.executable, "-m", "factlog", "--db", str(sample), "log", "--since", "2 days ago",
                           "--limit", "1", "--json"], capture_output=True, text=True, check=True)
    assert len(json.loads(done.stdout)) == 1

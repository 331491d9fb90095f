"""Reading times (issue 13): every form an error message suggests reads as it says; a date without a time is
midnight in its own offset, else in --tz, and an offset is never silently dropped."""

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from factlog.cli import cli
from factlog.errors import InvalidInput
from factlog.times import parse_time

UTC = dt.timezone.utc


@pytest.mark.parametrize("text, zone, expected", [
    ("2022-11-16+03:00", None, "2022-11-15T21:00"),
    ("2022-11-16+03:00", "America/New_York", "2022-11-15T21:00"),  # the stated offset wins over --tz
    ("2022-11-16-05:00", "Asia/Tokyo", "2022-11-16T05:00"),
    ("2022-11-16Z", "Asia/Tokyo", "2022-11-16T00:00"),
    ("2022-11-16+0530", None, "2022-11-15T18:30"),
    ("2022-11-16", "Asia/Tokyo", "2022-11-15T15:00"),  # midnight in --tz
    ("2022-11-16", "UTC", "2022-11-16T00:00"),
    ("2022-11-16T03:00+03:00", "America/New_York", "2022-11-16T00:00"),
    ("2022-11-16 03:00+03:00", None, "2022-11-16T00:00"),
    ("2022-11-16t03:00Z", None, "2022-11-16T03:00"),
])
def test_dates_and_offsets_read_as_they_say(text, zone, expected):
    assert parse_time(text, zone) == dt.datetime.fromisoformat(expected).replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["2022-11-16x03:00", "2022-11-16_03:00", "2022-11-16/03:00", "2022-11-1603:00",
                                  "20221116T0300+0300", "2022-W46-3", "2022-11-16 -05:00", "2022-11-16+",
                                  "2022-11-16T", "16.11.2022", "2022-11-16+03:00 garbage"])
@pytest.mark.parametrize("zone", [None, "Europe/Kyiv"])
def test_other_separators_and_shapes_are_refused_not_guessed(text, zone):
    with pytest.raises(InvalidInput, match=r"cannot read|has no UTC offset"):
        parse_time(text, zone)


naive_times = st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)).flatmap(
    lambda moment: st.sampled_from([
        moment.date().isoformat(),
        moment.isoformat(timespec="minutes"), moment.isoformat(timespec="seconds"),
        moment.isoformat(sep=" ", timespec="seconds"), moment.isoformat(timespec="microseconds"),
        moment.isoformat(timespec="hours"),
    ]))


@settings(max_examples=300, deadline=None)
@given(text=naive_times, zone=st.sampled_from([None, "Europe/Kyiv", "America/Los_Angeles"]))
def test_the_form_a_missing_offset_error_suggests_reads_as_it_says(text, zone):
    with pytest.raises(InvalidInput) as refused:
        parse_time(text)
    suggested = re.search(r"\(e\.g\. (\S+)\)", str(refused.value)).group(1)
    assert suggested == text.strip().replace(" ", "T") + "+03:00"
    naive = dt.datetime.fromisoformat(text.replace(" ", "T")) if "T" in text or " " in text else \
        dt.datetime.fromisoformat(text + "T00:00")
    meant = naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=3))).astimezone(UTC)
    assert parse_time(suggested, zone) == meant  # the same moment, whatever --tz says


@pytest.mark.parametrize("bad", ["yesterday", "2022-13-01T00:00Z", "\x1b[2J", "2022-11-16T25:00Z"])
def test_the_form_a_cannot_read_error_suggests_parses(bad):
    with pytest.raises(InvalidInput) as refused:
        parse_time(bad)
    suggested = re.search(r"e\.g\. (\S+)$", str(refused.value)).group(1)
    assert parse_time(suggested) == dt.datetime(2022, 3, 29, 19, tzinfo=UTC)


def test_through_the_cli_a_date_with_an_offset_and_tz_is_midnight_there(run, db_path):
    run("source", "add", "tass", "--name", "TASS")
    run("fact", "add", "f", "A fact")
    run("--tz", "America/New_York", "claim", "f", "--source", "tass", "--at", "2022-11-16+03:00")
    run("claim", "f", "--source", "tass", "--at", "2022-11-16+03:00")
    stored = [e["observed_at"] for e in run.json("log", "--type", "claim")]
    assert stored == ["2022-11-15T21:00:00.000000+00:00"] * 2
    result = CliRunner().invoke(cli, ["claim", "f", "--source", "tass", "--at", "2022-11-16"])
    assert result.exit_code == 1 and "2022-11-16+03:00" in result.stderr

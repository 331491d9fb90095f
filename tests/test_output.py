"""Readable output: tables that fit the width, statuses in colour only on a terminal, local times, stable JSON."""

import os
import re
import time

import pytest
from rich.cells import cell_len

from factlog.cli.output import Column, fit_widths, shorten_middle, short_offset

LONG_QUOTE = (
    "Early reports suggested that the explosion was caused by a Ukrainian missile fired at the ammunition depot "
    "near the village of Krasniy Oktyabr, although officials in Kyiv and Moscow said nothing on the record"
)
ESC = "\x1b["


@pytest.fixture
def story(run):
    """A small Belgorod log where each status appears: confirmed, claimed, denied, disputed."""
    run("source", "add", "butusov", "--name", "Yuriy Butusov", "--kind", "journalist", "--party", "ukraine")
    run("source", "add", "gladkov", "--name", "Vyacheslav Gladkov", "--kind", "official", "--party", "russia")
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency", "--party", "russia")
    run("source", "add", "western-official", "--name", "Western official (anonymous)", "--kind", "anonymous")
    at = "--at", "2022-03-29T12:00:00+00:00"
    run("fact", "add", "belgorod-explosion", "An explosion took place near the village of Krasniy Oktyabr, "
        "Belgorod region, Russia", "--party", "russia", *at)
    run("fact", "add", "belgorod-ukrainian-missile", "The Belgorod blast was caused by a missile fired from Ukraine",
        "--party", "ukraine", "--party", "russia", *at)
    run("fact", "add", "belgorod-resident-casualties", "Residents of Krasniy Oktyabr were killed or injured",
        "--party", "russia", *at)
    run("confirm", "belgorod-explosion", "--source", "gladkov", "--at", "2022-03-30T08:00:00+03:00",
        "--quote", "Krasniy Oktyabr is the name of the village where the accident took place.")
    run("claim", "belgorod-ukrainian-missile", "--source", "butusov", "--at", "2022-03-30T00:30:00+03:00",
        "--quote", "An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade")
    run("claim", "belgorod-ukrainian-missile", "--source", "tass", "--at", "2022-03-30T09:00:00+03:00",
        "--quote", LONG_QUOTE)
    run("deny", "belgorod-resident-casualties", "--source", "gladkov", "--at", "2022-03-30T08:00:00+03:00",
        "--quote", "There have been no deaths or injuries among the residents.")
    run("deny", "belgorod-explosion", "--source", "western-official", "--at", "2022-03-30T12:00:00+01:00")
    run("source", "add", "shoigu", "--name", "Sergey Shoigu", "--kind", "official", "--party", "russia")
    run("fact", "add", "russia-refocus-donbas", "Russian forces will now focus on the Donbas", "--party", "russia")
    run("confirm", "russia-refocus-donbas", "--source", "shoigu", "--at", "2022-03-29T18:00:00+03:00")
    return run


TABLE_COMMANDS = [
    ("status",), ("log",), ("history", "belgorod-ukrainian-missile"), ("fact", "list"), ("source", "list"),
    ("replay",),
]


@pytest.fixture
def no_color_env(monkeypatch):
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("width", [60, 80, 100, 132, 200])
def test_every_table_fits_the_width_it_is_given(story, no_color_env, width):
    no_color_env.setenv("COLUMNS", str(width))
    for command in TABLE_COMMANDS:
        lines = story(*command).stdout.splitlines()
        assert len(lines) > 2, command
        too_wide = [line for line in lines if cell_len(line) > width]
        assert not too_wide, (command, width, too_wide)
        assert not [line for line in lines if line != line.rstrip()], "no blanks at the end of a line"


def test_without_a_terminal_or_columns_the_width_is_100(story, no_color_env):
    lines = story("status").stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 100
    assert max(cell_len(line) for line in lines) > 80, "the room is used, not rich's default of 80"


def test_long_quotes_wrap_inside_their_column_and_lose_no_word(story, no_color_env):
    no_color_env.setenv("COLUMNS", "80")
    out = story("log", "--type", "claim").stdout
    assert LONG_QUOTE not in out, "at 80 columns the quote must wrap"
    words = set(re.findall(r"[A-Za-z0-9-]+", out))
    assert set(re.findall(r"[A-Za-z0-9-]+", LONG_QUOTE)) <= words
    for line in out.splitlines()[2:]:
        if line.startswith(" "):  # a wrapped line continues the 'what' column, aligned under its start
            first = out.splitlines()[0]
            assert len(line) - len(line.lstrip()) == first.index("what")


def test_status_table_keeps_ids_whole_and_wraps_the_label(story, no_color_env):
    no_color_env.setenv("COLUMNS", "80")
    out = story("status").stdout
    header, rule, *rows = out.splitlines()
    assert header.split() == ["fact", "status", "label", "updated"]
    assert set(rule) == {"─"}
    for fact in ("belgorod-explosion", "belgorod-ukrainian-missile", "belgorod-resident-casualties"):
        assert any(row.startswith(fact + " ") for row in rows)
    label = story.json("status", "belgorod-ukrainian-missile")[0]["label"]
    assert len(label) > 40
    assert label.split()[-1] in out and label not in out


def test_log_shows_whole_ids_when_there_is_room_and_shortened_ids_when_not(story, no_color_env):
    ids = [record["id"] for record in story.json("log")]
    no_color_env.setenv("COLUMNS", "220")
    wide = story("log").stdout
    assert all(event_id in wide for event_id in ids)
    no_color_env.setenv("COLUMNS", "150")
    narrow = story("log").stdout
    assert not any(event_id in narrow for event_id in ids)
    assert all(shorten_middle(event_id, 17) in narrow for event_id in ids)
    assert shorten_middle(ids[0], 17) == ids[0][:8] + "…" + ids[0][-8:]


def test_json_never_depends_on_the_terminal(story, no_color_env):
    commands = [("status",), ("log",), ("history", "belgorod-ukrainian-missile"), ("fact", "list"),
                ("source", "list"), ("replay",), ("why", "belgorod-explosion")]
    outputs = {}
    for width in ("30", "80", "400"):
        no_color_env.setenv("COLUMNS", width)
        no_color_env.setenv("FORCE_COLOR", "1")
        outputs[width] = [story(*command, "--json").stdout for command in commands]
    assert outputs["30"] == outputs["80"] == outputs["400"]
    assert ESC not in "".join(outputs["80"])
    assert LONG_QUOTE in outputs["30"][1]


def test_statuses_have_each_their_own_colour_on_a_terminal(story, no_color_env):
    no_color_env.setenv("FORCE_COLOR", "1")  # what rich honours in place of a real terminal
    no_color_env.setenv("TERM", "xterm-256color")
    for command in (("status",), ("fact", "list")):
        out = story(*command).stdout
        found = re.findall(r"\x1b\[([0-9;]+)m(confirmed|claimed|denied|disputed)\b", out)
        codes = {word: code for code, word in found}
        assert set(codes) == {"confirmed", "claimed", "denied", "disputed"}, command
        assert len(set(codes.values())) == 4, codes
        assert len(found) == 4, "each status word is coloured the same way every time"


def test_no_colour_with_no_color_or_without_a_terminal(story, no_color_env):
    plain = story("status").stdout
    assert ESC not in plain
    no_color_env.setenv("FORCE_COLOR", "1")
    no_color_env.setenv("NO_COLOR", "1")
    out = story("status").stdout
    assert not re.search(r"\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;)[0-9;]*m", out), "NO_COLOR: no colour codes"
    assert re.sub(r"\x1b\[[0-9;]*m", "", out) == plain


@pytest.fixture
def local_zone():
    before = os.environ.get("TZ")

    def use(name):
        os.environ["TZ"] = name
        time.tzset()

    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_times_are_shown_in_the_local_zone_and_utc_on_request(story, no_color_env, local_zone):
    no_color_env.setenv("COLUMNS", "200")
    local_zone("Asia/Kolkata")  # +05:30 all year: Butusov's 00:30 Moscow time is 03:00 in Kolkata
    out = story("history", "belgorod-ukrainian-missile").stdout
    assert "said at (+05:30)" in out
    assert "2022-03-30 03:00" in out
    utc = story("--utc", "history", "belgorod-ukrainian-missile").stdout
    assert "said at (UTC)" in utc and "2022-03-29 21:30" in utc and "2022-03-30 03:00" not in utc
    local_zone("America/New_York")  # the clocks went forward on 13 March 2022: both offsets appear
    story("claim", "belgorod-ukrainian-missile", "--source", "western-official", "--at", "2022-03-01T12:00:00Z")
    out = story("log", "--source", "western-official").stdout
    assert "2022-03-01 07:00 -05" in out and "2022-03-30 07:00 -04" in out
    assert "said at " in out and "said at (" not in out
    assert story.json("log", "--source", "western-official")[0]["observed_at"].endswith("+00:00")


def test_times_in_why_follow_the_zone_too(story, no_color_env, local_zone):
    local_zone("Europe/Moscow")
    assert "at 2022-03-30 00:30 +03" in story("why", "belgorod-ukrainian-missile").stdout
    assert "at 2022-03-29 21:30 UTC" in story("--utc", "why", "belgorod-ukrainian-missile").stdout


def test_empty_listings_say_so(run, no_color_env):
    run("init")
    assert run("fact", "list").stdout == "(no facts yet)\n"
    assert run("source", "list").stdout == "(no sources yet)\n"
    assert run("fact", "list", "--json").stdout == "[]\n"


def test_fit_widths_gives_way_in_order():
    columns = [Column("seq", "num"), Column("fact", "key"), Column("what"), Column("id", "id", optional=1)]
    natural = [3, 26, 120, 36]
    assert fit_widths(columns, natural, 300) == natural
    assert fit_widths(columns, natural, 140) == [3, 26, 140 - 3 - 26 - 36 - 6, 36]  # a long text wraps first
    assert fit_widths(columns, natural, 120) == [3, 26, 60, 120 - 3 - 26 - 60 - 6]  # then the id gives way
    assert fit_widths(columns, natural, 70) == [3, 26, 70 - 3 - 26 - 4, None]  # then text wraps, then id goes
    narrow = fit_widths(columns, natural, 40)
    assert narrow[3] is None and sum(narrow[:3]) + 4 <= 40 and narrow[1] < 26


def test_short_offsets():
    import datetime as dt

    assert short_offset(dt.timedelta(hours=3)) == "+03"
    assert short_offset(dt.timedelta(hours=-9, minutes=-30)) == "-09:30"
    assert short_offset(dt.timedelta(0)) == "+00"


def test_long_tables_are_printed_batch_by_batch_in_one_layout(story, no_color_env, monkeypatch):
    from factlog.cli import output

    no_color_env.setenv("COLUMNS", "100")
    whole = story("log").stdout
    monkeypatch.setattr(output, "BATCH", 4)
    batched = story("log").stdout
    rows = whole.splitlines()[2:]
    assert len(story.json("log")) > 3 * 4
    header = batched.splitlines()[0]
    rules = [line for line in batched.splitlines() if set(line) == {"─"}]
    assert batched.count(header) == 1 and len(rules) == 1, "one header for the whole table"
    assert "said at (+" not in header, "times keep their offset when the table is not seen whole"
    seqs = [line.split()[0] for line in batched.splitlines()[2:] if not line.startswith(" ")]
    assert seqs == [str(record["seq"]) for record in story.json("log")]
    assert len(rows) >= len(seqs)
    assert all(cell_len(line) <= 100 for line in batched.splitlines())

"""factlog search: FTS5 over statements, quotes, notes and retraction reasons, kept in step with the log."""

import json
import re
import os
import sqlite3
import subprocess
import sys

import pytest

import factlog
from factlog import open_log
from factlog.store.sqlite.migrations import MIGRATION_SET


@pytest.fixture
def story(run):
    run("source", "add", "butusov", "--name", "Yuriy Butusov", "--kind", "journalist", "--party", "ukraine")
    run("source", "add", "gladkov", "--name", "Vyacheslav Gladkov", "--kind", "official", "--party", "russia")
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency", "--party", "russia")
    run("fact", "add", "belgorod-ukrainian-missile", "The Belgorod blast was caused by a missile fired from Ukraine",
        "--party", "ukraine", "--party", "russia")
    run("fact", "add", "belgorod-resident-casualties", "Residents of Krasniy Oktyabr were killed or injured",
        "--party", "russia")
    run("decline", "belgorod-ukrainian-missile", "--source", "gladkov",
        "--note", "He didn't say anything about what caused the blast.")
    return run


def index_rows(db_path):
    with sqlite3.connect(db_path) as conn:
        return sorted(conn.execute("SELECT seq, field, text, fact, source, type, event_id FROM search_index"))


def test_a_word_in_a_quote_is_found_right_after_the_claim(story):
    event_id = story.id("claim", "belgorod-ukrainian-missile", "--source", "butusov",
                        "--quote", "An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade")
    hits = story.json("search", "Tochka")
    assert [(h["fact"], h["source"], h["event_id"], h["field"], h["type"]) for h in hits] == [
        ("belgorod-ukrainian-missile", "butusov", event_id, "quote", "claim")]
    assert hits[0]["snippet"] == "An OTR-21 **Tochka**-U was fired by the Ukrainian 19th missile brigade"
    assert hits[0]["fact_status"] == "claimed"
    assert hits[0]["seq"] == story.json("log")[-1]["seq"]


def test_statements_notes_and_retraction_reasons_are_found(story):
    tass = story.id("claim", "belgorod-ukrainian-missile", "--source", "tass", "--quote", "a Ukrainian missile")
    story("retract", tass, "--reason", "TASS withdrew the early report")
    assert [h["field"] for h in story.json("search", "Krasniy")] == ["statement"]
    assert {(h["field"], h["source"]) for h in story.json("search", "caused")} == {
        ("note", "gladkov"), ("statement", None)}
    withdrawn = story.json("search", "withdrew")
    assert [(h["type"], h["field"], h["fact"], h["source"]) for h in withdrawn] == [
        ("retract", "reason", "belgorod-ukrainian-missile", "tass")]


def test_reworded_statements_are_found_and_the_old_wording_too(story):
    story("fact", "reword", "belgorod-resident-casualties", "Civilians in Krasniy Oktyabr were hurt")
    hits = story.json("search", "Krasniy")
    assert sorted(h["type"] for h in hits) == ["fact-opened", "fact-reworded"]


def test_words_match_in_any_form_and_without_accents(story):
    story("claim", "belgorod-resident-casualties", "--source", "tass", "--quote", "Two residents of Krasníy were hurt")
    assert {h["field"] for h in story.json("search", "missiles")} == {"statement"}
    assert len(story.json("search", "krasniy")) == 2
    assert len(story.json("search", "KILLING")) == 1


def test_fts_syntax_phrases_or_not_prefix(story):
    story("claim", "belgorod-ukrainian-missile", "--source", "butusov",
          "--quote", "An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade")
    assert len(story.json("search", "--fts", '"19th missile brigade"')) == 1
    assert len(story.json("search", "--fts", '"missile brigade 19th"')) == 0
    assert len(story.json("search", "--fts", "Tochka OR Krasniy")) == 2
    assert len(story.json("search", "--fts", "missile NOT Tochka")) == 1
    assert len(story.json("search", "--fts", "Toch*")) == 1
    # without --fts the same words are text: OR and NOT are words to find, * and quotes are punctuation
    assert len(story.json("search", "Tochka OR Krasniy")) == 0
    assert len(story.json("search", '"missile brigade 19th"')) == 1


def test_a_query_syntax_error_is_one_error_line(story):
    for query in ('"unbalanced', "Tochka-U", "AND", "foo:bar", "   ", "(a", "a NEAR(", "*"):
        result = story("search", "--fts", query, ok=False)
        assert result.exit_code == 1, query
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (query, result.stderr)
    assert "without --fts" in story("search", "--fts", "Tochka-U", ok=False).stderr


@pytest.mark.parametrize("typed", ["S-300", "Tochka-U", '"unbalanced', "AND", "foo:bar", "(a", "a NEAR(", "*",
                                   "NOT", "-x", "a OR", "^b", "c +", "{d}", "e'f", "x AND (y OR"])
def test_what_people_type_is_searched_as_text(story, typed):
    result = story("search", "--", typed)  # (-- as for any command, so that -x is not an option)
    assert result.exit_code == 0 and result.stderr == "", (typed, result.stderr)


def test_what_people_type_finds_the_words_in_it(story):
    story("claim", "belgorod-ukrainian-missile", "--source", "butusov", "--quote", "An S-300 (OTR-21?) was fired")
    for typed in ("S-300", "s-300", '"OTR-21', "(OTR-21?)", "S-300 fired", "300*"):
        assert [h["field"] for h in story.json("search", typed)] == ["quote"], typed


def test_quote_searches_for_the_words_as_written(story):
    story("claim", "belgorod-ukrainian-missile", "--source", "butusov", "--quote", "An OTR-21 Tochka-U was fired")
    assert [h["field"] for h in story.json("search", "--quote", "Tochka-U")] == ["quote"]
    assert [h["field"] for h in story.json("search", "--quote", 'OTR-21 "Tochka')] == ["quote"]
    assert story("search", "--quote", "--fts", "Tochka", ok=False).exit_code == 2


def test_limit_and_order(story):
    for i in range(5):
        story("claim", "belgorod-ukrainian-missile", "--source", "tass", "--quote", f"missile report {i}")
    assert len(story.json("search", "missile")) == 6
    assert len(story.json("search", "missile", "--limit", "2")) == 2
    assert story("search", "missile", "--limit", "0", ok=False).exit_code == 2


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_results_cut_by_the_limit_are_said_on_stderr(story, json_flag):
    for i in range(4):
        story("claim", "belgorod-ukrainian-missile", "--source", "tass", "--quote", f"missile report {i}")
    found = 5  # the four quotes and the fact's statement
    for limit, cut in ((2, True), (found - 1, True), (found, False), (found + 1, False)):
        result = story("search", "missile", "--limit", str(limit), *json_flag)
        shown = len(json.loads(result.stdout)) if json_flag else len(re.findall(r"^\d+ ", result.stdout, re.M))
        assert shown == min(limit, found)
        assert (f"more than {limit} matches" in result.stderr) is cut, (limit, result.stderr)


@pytest.mark.slow
def test_undecodable_bytes_in_the_search_text_are_one_error_line(tmp_path):
    db = tmp_path / "s.db"
    with factlog.open_log(db, user="t") as log:
        log.add_source("tass", "TASS")
        log.open_fact("f", "Tochka fired")
    for raw in (b"Tochka\xff", b"\xc3(", b"\xed\xa0\x80", b"\xe2\x80\xae\xff"):
        done = subprocess.run([sys.executable, "-m", "factlog", "--db", os.fsencode(db), "search", raw],
                              capture_output=True, timeout=60)
        lines = done.stderr.decode().splitlines()
        assert done.returncode in (1, 2) and len(lines) >= 1 and lines[-1].startswith("Error: "), done.stderr
        assert b"Traceback" not in done.stderr


def test_table_output_shows_fact_source_and_snippet(story, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    event_id = story.id("claim", "belgorod-ukrainian-missile", "--source", "butusov",
                        "--quote", "An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade")
    out = story("search", "Tochka").stdout
    header, _, row = out.splitlines()
    assert header.split()[:5] == ["seq", "fact", "status", "source", "type"]
    seq = [e["seq"] for e in story.json("log") if e["id"] == event_id]
    assert row.split()[:5] == [str(*seq), "belgorod-ukrainian-missile", "claimed", "butusov", "claim"]
    assert "An OTR-21 Tochka-U was fired" in row and event_id in row
    assert "\x02" not in out and "**" not in out
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[1mTochka\x1b[0m" in story("search", "Tochka").stdout
    assert story("search", "zeppelin").stdout == "(no matches)\n"


def test_the_index_is_rebuilt_with_the_projections(story, db_path):
    story("claim", "belgorod-ukrainian-missile", "--source", "butusov", "--quote", "An OTR-21 Tochka-U was fired")
    before = index_rows(db_path)
    assert len(before) == 4
    with sqlite3.connect(db_path) as conn:  # damage the index the way a crash in another tool might
        conn.execute("DELETE FROM search_index")
    assert story.json("search", "Tochka") == []
    story("rebuild")
    assert index_rows(db_path) == before
    assert [h["field"] for h in story.json("search", "Tochka")] == ["quote"]


def test_a_refused_append_leaves_nothing_in_the_index(story, db_path):
    before = index_rows(db_path)
    result = story("claim", "belgorod-ukrainian-missile", "--source", "nobody", "--quote", "phantom words", ok=False)
    assert result.exit_code == 1
    assert index_rows(db_path) == before
    assert story.json("search", "phantom") == []


def test_the_index_matches_the_log_text_for_text(story, db_path):
    story("claim", "belgorod-ukrainian-missile", "--source", "butusov", "--quote", "q1", "--note", "n1")
    expected = sorted(
        (r["seq"], field, r["data"][field]) for r in story.json("log")
        for field in ("statement", "quote", "note", "reason") if r["data"].get(field)
    )
    assert [row[:3] for row in index_rows(db_path)] == expected


def test_an_older_log_gets_its_index_filled_when_migrated(story, db_path):
    story("claim", "belgorod-ukrainian-missile", "--source", "butusov", "--quote", "An OTR-21 Tochka-U was fired")
    before = index_rows(db_path)
    with sqlite3.connect(db_path) as conn:  # make it a log written before the index and the views existed
        conn.execute("DROP TABLE search_index")
        for view in ("event_log", "beliefs_view", "stances_view", "party_stances_view"):
            conn.execute(f"DROP VIEW {view}")
        conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = ? AND name IN (?, ?)",
                     (MIGRATION_SET, "m004_sql_views", "m005_search_index"))
    assert [h["field"] for h in story.json("search", "Tochka")] == ["quote"]
    assert index_rows(db_path) == before
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM beliefs_view").fetchone()[0] == 2


def test_search_through_the_python_api_and_a_missing_log(story, db_path, tmp_path):
    from factlog.store.sqlite.search import search

    with open_log(db_path) as log:
        hits = list(search(log.store.conn, "blast"))
    assert {h["fact"] for h in hits} == {"belgorod-ukrainian-missile"}
    result = story("--db", tmp_path / "none.db", "search", "blast", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("Error: no log at")
    assert json.loads(story("search", "blast", "--json").stdout)


def test_decomposed_and_composed_spellings_find_each_other(story):
    import unicodedata

    story("claim", "belgorod-resident-casualties", "--source", "tass",
          "--quote", unicodedata.normalize("NFD", "Residents of Krasníy Óktyabr"))
    story("claim", "belgorod-resident-casualties", "--source", "butusov",
          "--quote", unicodedata.normalize("NFC", "Óktyabr was quiet"))
    for form in ("NFC", "NFD"):  # and the fact's own statement, which spells it without accents
        hits = story.json("search", unicodedata.normalize(form, "Óktyabr"))
        assert sorted(h["field"] for h in hits) == ["quote", "quote", "statement"]


def test_single_appends_index_exactly_what_the_rebuild_fill_does(story, db_path):
    """One append indexes its event's texts from the row in Python (``index_row``); a rebuild fills the index
    from the stored JSON in SQL (``FILL_SQL``): row for row, in the same order, they agree."""
    claim = story.id("claim", "belgorod-ukrainian-missile", "--source", "butusov", "--quote",
                     'He said "two\nmissiles" — Точка-У, naïve\tcafé', "--note", "", "--url", "https://a.example/x")
    story("confirm", "belgorod-resident-casualties", "--source", "gladkov", "--quote", "🚀 emoji and \\ backslash")
    story("retract", claim, "--reason", "withdrawn: misread")
    story("fact", "reword", "belgorod-resident-casualties", "Civilians in Krasniy Oktyabr were hurt")

    def in_order():
        with sqlite3.connect(db_path) as conn:
            return conn.execute("SELECT text, field, fact, source, type, event_id, seq FROM search_index"
                                " ORDER BY rowid").fetchall()

    appended = in_order()
    assert ("", "note") not in {row[:2] for row in appended}
    story("rebuild")
    assert in_order() == appended

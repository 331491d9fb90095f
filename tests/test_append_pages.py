"""Issue 14, m013: fewer pages in an append's commit, with every guarantee kept. The search index has no
per-text size table, and the projection watermark says "in step with the log" (NULL) instead of a seq that
every append rewrote; a log from before the step is migrated, and projections behind the log still refill."""

import sqlite3

import factlog
from factlog.store.sqlite.migrations import MIGRATION_SET

OLD_SEARCH_SQL = """CREATE VIRTUAL TABLE search_index USING fts5(
  text, field UNINDEXED, fact UNINDEXED, source UNINDEXED, type UNINDEXED, event_id UNINDEXED, seq UNINDEXED,
  tokenize = 'porter unicode61 remove_diacritics 2'
)"""


def a_log(path):
    with factlog.open_log(path, user="tester") as log:
        log.add_source("butusov", "Yuriy Butusov", kind="journalist", party="ukraine")
        log.add_source("gladkov", "Vyacheslav Gladkov", kind="official", party="russia")
        log.open_fact("blast", "Explosions at an arms depot", parties=["ukraine", "russia"])
        log.claim("blast", "butusov", quote="The depot is burning", at="2022-03-30T00:30:00+03:00")
        log.deny("blast", "gladkov", quote="Nothing happened", at="2022-03-30T08:00:00+03:00")


def tables(conn):
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def as_before_m013(path, watermark):
    """The log as a factlog before m013 left it: the old search index, the watermark a seq."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE search_index")
    conn.execute(OLD_SEARCH_SQL)
    conn.execute("INSERT INTO search_index SELECT 'old words', 'quote', 'blast', 'butusov', 'claim', 'x', 4")
    conn.execute("UPDATE projection_state SET last_seq = ?", (watermark,))
    conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = ? AND name = 'm013_append_pages'",
                 (MIGRATION_SET,))
    conn.close()


def test_appends_leave_the_watermark_in_step_and_the_index_without_sizes(tmp_path):
    path = tmp_path / "log.db"
    a_log(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name, last_seq FROM projection_state").fetchall() == [("beliefs", None)]
    assert "search_index_docsize" not in tables(conn)
    with factlog.open_log(path) as log:
        assert [hit["field"] for hit in log.search("burning")] == ["quote"]
        log.verify()  # the live projections, watermark included, equal a fresh fold


def test_a_log_from_before_is_migrated_and_searches_the_same(tmp_path):
    path = tmp_path / "log.db"
    a_log(path)
    as_before_m013(path, 5)
    with factlog.open_log(path) as log:
        assert [hit["event_id"] for hit in log.search("depot")] != []
        assert list(log.search("old words")) == []  # the index was filled again from the events
        log.verify()
    conn = sqlite3.connect(path)
    assert "search_index_docsize" not in tables(conn)
    assert conn.execute("SELECT last_seq FROM projection_state").fetchall() == [(None,)]


def test_projections_behind_the_log_are_refilled_when_it_opens(tmp_path):
    path = tmp_path / "log.db"
    a_log(path)
    as_before_m013(path, 3)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM beliefs")
        conn.execute("DELETE FROM stances")
    with factlog.open_log(path) as log:
        assert [row["status"] for row in log.status("blast")] == ["disputed"]
        assert log.status() == log.status(clock=log.clock(at_seq=5))  # as a fold of the events says
        log.verify()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT last_seq FROM projection_state").fetchall() == [(None,)]

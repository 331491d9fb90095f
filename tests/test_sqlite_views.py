"""The log in other tools: sqlite-utils (and so Datasette) read beliefs, stances and events from SQL views."""

import json
import sqlite3

import pytest
import sqlite_utils

VIEWS = {"beliefs_view", "stances_view", "party_stances_view", "event_log"}


@pytest.fixture
def story(run):
    run("source", "add", "butusov", "--name", "Yuriy Butusov", "--kind", "journalist", "--party", "ukraine",
        "--reliability", "C")
    run("source", "add", "gladkov", "--name", "Vyacheslav Gladkov", "--kind", "official", "--party", "russia",
        "--reliability", "B")
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency", "--party", "russia")
    run("fact", "add", "belgorod-ukrainian-missile", "The Belgorod blast was caused by a missile fired from Ukraine",
        "--party", "ukraine", "--party", "russia", "--tag", "belgorod")
    run("fact", "add", "belgorod-resident-casualties", "Residents of Krasniy Oktyabr were killed or injured",
        "--party", "russia", "--occurred-at", "2022-03-29T22:00:00+03:00")
    run("claim", "belgorod-ukrainian-missile", "--source", "butusov", "--at", "2022-03-30T00:30:00+03:00",
        "--credibility", "3", "--quote", "An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade",
        "--note", "Butusov names a Ukrainian brigade")
    run("decline", "belgorod-ukrainian-missile", "--source", "gladkov", "--at", "2022-03-30T08:00:00+03:00",
        "--note", "He didn't say anything about what caused the blast.")
    tass = run.id("claim", "belgorod-ukrainian-missile", "--source", "tass", "--at", "2022-03-30T09:00:00+03:00",
                  "--url", "https://tass.com/", "--quote", "Early reports suggested a Ukrainian missile.")
    run("retract", tass, "--reason", "TASS withdrew the early report", "--at", "2022-03-31T09:00:00+03:00")
    run("deny", "belgorod-resident-casualties", "--source", "gladkov", "--at", "2022-03-30T08:00:00+03:00",
        "--quote", "There have been no deaths or injuries among the residents.")
    return run


def test_sqlite_utils_reads_the_beliefs_from_the_view(story, db_path):
    db = sqlite_utils.Database(db_path)
    assert VIEWS <= set(db.view_names())
    rows = {row["fact"]: row for row in db["beliefs_view"].rows}
    status = {row["fact"]: row for row in story.json("status")}
    assert set(rows) == set(status)
    for fact, row in rows.items():
        assert (row["statement"], row["status"], row["label"], row["updated_seq"]) == (
            status[fact]["statement"], status[fact]["status"], status[fact]["label"], status[fact]["updated_seq"])
        assert json.loads(row["parties"]) == status[fact]["parties"]
    missile = rows["belgorod-ukrainian-missile"]
    assert missile["party_stances"] == "ukraine: unconfirmed; russia: declined"
    assert missile["source_stances"] == "butusov: asserts; gladkov: declines"
    assert (missile["statement_count"], missile["standing_count"], missile["withdrawn_count"]) == (3, 2, 1)
    assert json.loads(missile["tags"]) == ["belgorod"]
    assert missile["updated_at"] == story.json("log")[missile["updated_seq"] - 1]["recorded_at"]
    assert rows["belgorod-resident-casualties"]["occurred_at"].startswith("2022-03-29T19:00:00")


def test_party_stances_view_has_a_row_per_fact_and_party(story, db_path):
    db = sqlite_utils.Database(db_path)
    rows = [(r["fact"], r["party"], r["stance"]) for r in db["party_stances_view"].rows]
    assert rows == [
        ("belgorod-resident-casualties", "russia", "denied"),
        ("belgorod-ukrainian-missile", "ukraine", "unconfirmed"),
        ("belgorod-ukrainian-missile", "russia", "declined"),
    ]


def test_stances_view_gives_each_standing_statement_with_its_source(story, db_path):
    db = sqlite_utils.Database(db_path)
    rows = list(db["stances_view"].rows)
    assert [(r["fact"], r["source"], r["stance"]) for r in rows] == [
        ("belgorod-resident-casualties", "gladkov", "denies"),
        ("belgorod-ukrainian-missile", "butusov", "asserts"),
        ("belgorod-ukrainian-missile", "gladkov", "declines"),
    ]
    butusov = rows[1]
    assert butusov["source_name"] == "Yuriy Butusov" and butusov["speaks_for"] is None
    assert butusov["credibility"] == 3 and butusov["note"] == "Butusov names a Ukrainian brigade"
    assert butusov["reliability"] == "C" and butusov["status"] == "claimed"
    assert rows[2]["speaks_for"] == "russia" and rows[2]["type"] == "decline"
    log = {r["id"]: r for r in story.json("log")}
    assert all(log[r["event_id"]]["seq"] == r["seq"] for r in rows)


def test_event_log_view_spreads_the_json_payload_into_columns(story, db_path):
    db = sqlite_utils.Database(db_path)
    rows = list(db["event_log"].rows)
    records = story.json("log")
    assert [r["id"] for r in rows] == [r["id"] for r in records]
    for row, record in zip(rows, records):
        data = record["data"]
        for column in ("statement", "quote", "url", "credibility", "note", "target", "reason", "name", "kind",
                       "party", "reliability", "occurred_at"):
            assert row[column] == data.get(column), (record["type"], column)
        assert (row["seq"], row["type"], row["observed_at"], row["recorded_by"]) == (
            record["seq"], record["type"], record["observed_at"], record["recorded_by"])
    retraction = next(r for r in rows if r["type"] == "retract")
    assert retraction["fact"] == "belgorod-ukrainian-missile" and retraction["source"] == "tass"
    assert retraction["reason"] == "TASS withdrew the early report"
    tass = next(r for r in rows if r["id"] == retraction["target"])
    assert (tass["url"], tass["quote"]) == ("https://tass.com/", "Early reports suggested a Ukrainian missile.")
    claims = db.execute("SELECT count(*) FROM event_log WHERE type = 'claim' AND fact = ?",
                        ["belgorod-ukrainian-missile"]).fetchone()[0]
    assert claims == 2


def test_views_survive_rebuild(story, db_path):
    db = sqlite_utils.Database(db_path)
    before = {view: list(db[view].rows) for view in VIEWS}
    db.conn.close()
    assert "rebuilt projections" in story("rebuild").stdout
    db = sqlite_utils.Database(db_path)
    after = {view: list(db[view].rows) for view in VIEWS}
    assert after == before
    assert len(after["beliefs_view"]) == 2


def test_views_keep_working_as_the_log_grows(story, db_path):
    story("rebuild")
    story("confirm", "belgorod-ukrainian-missile", "--source", "tass")
    conn = sqlite3.connect(db_path)  # plain sqlite3, no factlog, no sqlite-utils
    status = conn.execute("SELECT status, source_stances FROM beliefs_view WHERE fact = 'belgorod-ukrainian-missile'")
    assert status.fetchone() == ("confirmed", "butusov: asserts; gladkov: declines; tass: asserts")
    assert conn.execute("SELECT max(seq) FROM event_log").fetchone()[0] == len(story.json("log"))


def test_views_are_read_only_and_do_not_weaken_the_log(story, db_path):
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.OperationalError, match="cannot modify"):
        conn.execute("DELETE FROM event_log")
    assert "chain intact" in story("verify").stdout

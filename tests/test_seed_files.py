"""seeds/ keeps the article, the log built from it (SQLite and jsonl) and its report: they must stay true."""

import json
import shutil
from pathlib import Path

import factlog
from factlog.cli import cli
from click.testing import CliRunner

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def status(db):
    result = CliRunner().invoke(cli, ["--db", str(db), "status", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {row["fact"]: row for row in json.loads(result.stdout)}


def test_the_bundled_log_verifies_and_matches_its_jsonl(tmp_path):
    db = tmp_path / "belgorod.db"
    shutil.copy(SEEDS / "belgorod.db", db)  # a copy: opening may migrate an older schema
    with factlog.open_log(db, create=False) as log:
        count, _ = log.verify()
    imported = tmp_path / "imported.db"
    result = CliRunner().invoke(cli, ["--db", str(imported), "import", str(SEEDS / "belgorod.jsonl")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert count == len((SEEDS / "belgorod.jsonl").read_text(encoding="utf-8").splitlines())
    assert status(db) == status(imported)
    assert status(db)["belgorod-ukrainian-missile"]["label"] == (
        "claimed: by Yuriy Butusov, TASS; unconfirmed by Ukraine; declined by Russia")


def test_the_bundled_log_records_tass_citing_the_emergency_services_source(tmp_path):
    """Issue 16: "Four soldiers were hurt, a source with the emergency services told TASS". Status, label and
    stances are what they were; the two claims are one independent assertion."""
    db = tmp_path / "belgorod.db"
    shutil.copy(SEEDS / "belgorod.db", db)
    row = status(db)["belgorod-soldiers-hurt"]
    assert row["status"] == "claimed"
    assert row["sources"] == {"emergency-services-source": "asserts", "tass": "asserts"}
    assert row["label"] == "claimed: by Emergency services source (via TASS), TASS; unconfirmed by Russia"
    assert row["independent_assertions"] == 1
    assert row["chains"] == {"tass": ["tass", "emergency-services-source"]}
    assert {fact: r["independent_assertions"] for fact, r in status(db).items() if fact != "belgorod-soldiers-hurt"
            } == {fact: sum(s == "asserts" for s in r["sources"].values()) for fact, r in status(db).items()
                  if fact != "belgorod-soldiers-hurt"}
    why = CliRunner().invoke(cli, ["--db", str(db), "why", "belgorod-soldiers-hurt"], catch_exceptions=False)
    assert "independent assertions: 1 of 2 asserting" in why.stdout
    assert "tass -> emergency-services-source: asserts, origin emergency-services-source" in why.stdout


def test_the_bundled_report_is_the_export_of_the_bundled_log(tmp_path):
    db = tmp_path / "belgorod.db"
    shutil.copy(SEEDS / "belgorod.db", db)
    result = CliRunner().invoke(cli, ["--db", str(db), "export", "markdown"], catch_exceptions=False)
    assert result.stdout == (SEEDS / "belgorod-report.md").read_text(encoding="utf-8")


def test_the_article_is_the_shared_seed():
    assert "Krasniy Oktyabr" in (SEEDS / "belgorod-article.txt").read_text(encoding="utf-8")

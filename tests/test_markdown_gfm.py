"""The Markdown report as GitHub shows it: read with markdown-it-py's ``gfm-like`` preset (CommonMark, tables,
strikethrough and autolinks), every table keeps its columns and every piece of text comes back as recorded;
withdrawn statements are listed with the reason for their retraction, as in the HTML report."""

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factlog import open_log
from factlog.exporters.markdown_exporter import SAFE_SCHEMES, escape, inline, plain
from factlog.testing import HOSTILE_TEXTS, HOSTILE_URLS, build_sample_log, export, inline_text, invoke

SEED = Path(__file__).resolve().parents[1] / "seeds" / "belgorod.db"
HEADERS = {
    "Standing statements": ["Source", "Stance", "When", "Quote", "Link"],
    "Withdrawn statements": ["Source", "Stance", "When", "Quote", "Link", "Withdrawn because"],
    "History": ["Seq", "When", "Event", "Status", "Label"],
}


def gfm(data: bytes) -> list:
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like").parse(data.decode("utf-8"))


def read_report(data: bytes) -> dict[str, dict]:
    """Per fact (the overview under ``""``) its paragraphs and its tables by heading, each table as the list of
    its rows' cells; asserts that no row has more or fewer cells than its header."""
    tokens = gfm(data)
    facts: dict[str, dict] = {"": {"tables": {}, "paragraphs": []}}
    fact, heading, rows, row = "", "", None, None
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = inline_text(tokens[index + 1])
            if token.tag == "h2":
                fact = heading
                facts[fact] = {"tables": {}, "paragraphs": []}
        elif token.type == "table_open":
            rows = facts[fact]["tables"].setdefault(heading, [])
        elif token.type == "tr_open":
            row = []
            rows.append(row)
        elif token.type == "inline" and tokens[index - 1].type in ("td_open", "th_open"):
            row.append(inline_text(token))
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            facts[fact]["paragraphs"].append(inline_text(token))
    for name, fact in facts.items():
        for title, table in fact["tables"].items():
            assert all(len(cells) == len(table[0]) for cells in table), (name, title, table)
            if title in HEADERS:
                assert table[0] == HEADERS[title], (name, title)
    return facts


def why(log_path, fact) -> dict:
    return json.loads(invoke(log_path, "why", fact, "--json"))[0]


def assert_sections_match_why(log_path, report: dict[str, dict]) -> None:
    """Each fact's statement, label, standing and withdrawn statements as ``why --json`` gives them."""
    status = json.loads(invoke(log_path, "status", "--json"))
    assert set(report) - {""} == {row["fact"] for row in status}
    overview = report[""]["tables"]["Fact report"]
    assert [cells[0] for cells in overview[1:]] == [row["fact"] for row in status]
    assert [cells[2] for cells in overview[1:]] == [plain(row["label"]) for row in status]
    for fact, section in report.items():
        if not fact:
            continue
        explained = why(log_path, fact)
        assert f"Statement: {plain(explained['statement'])}" in section["paragraphs"]
        assert f"Label: {plain(explained['label'])}" in section["paragraphs"]
        standing = section["tables"].get("Standing statements", [[]])[1:]
        assert [(c[0], c[3]) for c in standing] == [(plain(s["source_name"]), plain(s["quote"]))
                                                    for s in explained["standing"]], fact
        withdrawn = section["tables"].get("Withdrawn statements", [[]])[1:]
        assert [(c[0], c[1], c[3], c[5]) for c in withdrawn] == [
            (plain(s["source_name"]), f"{s['stance']} ({s['type']})", plain(s["quote"]), plain(s["retract_reason"]))
            for s in explained["withdrawn"]], fact
        assert len(section["tables"]["History"]) > 1


def test_the_seed_report_keeps_its_tables_on_a_github_parser(tmp_path):
    log_path = tmp_path / "belgorod.db"
    shutil.copyfile(SEED, log_path)
    report = read_report(export(log_path, "markdown"))
    assert_sections_match_why(log_path, report)
    assert len(report) == 9


def test_withdrawn_statements_are_listed_with_the_reason(tmp_path):
    log_path = build_sample_log(tmp_path / "sample.db")
    report = read_report(export(log_path, "markdown"))
    assert_sections_match_why(log_path, report)
    [header, row] = report["belgorod-second-blast"]["tables"]["Withdrawn statements"]
    assert row == ["TASS", "asserts (claim)", "2022-03-30 07:00 UTC", "A second blast was heard", "",
                   "TASS withdrew the report"]
    assert "Withdrawn statements" not in report["belgorod-explosion"]["tables"]  # nothing withdrawn there


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The sample story, the shared hostile texts everywhere, and retractions whose reasons are hostile too."""
    log_path = build_sample_log(tmp_path_factory.mktemp("hostile") / "hostile.db", hostile=True)
    with open_log(log_path, user="analyst") as log:
        log.add_source("pipes", "Pipe | and `tick`\n<td>cell</td>", "journalist")
        for index, text in enumerate(HOSTILE_TEXTS):
            said = log.claim("hostile-denied", "pipes", quote=f"{text} ({index})", url=HOSTILE_URLS[index % 7],
                             at=f"2022-03-31T{index:02d}:00:00Z")
            if index % 2:
                log.retract(said.id, reason=HOSTILE_TEXTS[-1 - index] + " | `why` \n </table>",
                            at=f"2022-03-31T{index:02d}:30:00Z")
    return log_path


def test_hostile_text_survives_a_github_parser(hostile):
    data = export(hostile, "markdown")
    report = read_report(data)  # every row the right number of cells
    assert_sections_match_why(hostile, report)
    section = report["hostile-denied"]["tables"]
    assert len(section["Withdrawn statements"]) == 1 + len(HOSTILE_TEXTS) // 2
    tokens = gfm(data)
    assert not {t.type for t in tokens} & {"html_block", "code_block", "fence", "hr", "blockquote_open"}
    children = [c for t in tokens if t.type == "inline" for c in t.children or ()]
    assert not {c.type for c in children} & {"html_inline", "code_inline", "em_open", "s_open", "image"}
    hrefs = [c.attrs["href"] for c in children if c.type == "link_open"]
    # the report's links and GitHub's autolinks of http(s) text: nothing else is ever a link
    assert all(h.startswith("#") or h.split(":", 1)[0].lower() in SAFE_SCHEMES for h in hrefs), hrefs


# any text, and text made of the pieces that start GitHub syntax and autolinks
pieces = st.sampled_from(["http://", "https://", "www.", "ftp://", "mailto:", "x@y.org", "|", "`", "\\", "&", "<",
                          ">", "*", "_", "~", "[", "](", ")", "\n", " ", "a", ".com", "/", "?q=1&r=<2>", "#1", ":"])
gfm_text = st.one_of(st.text(max_size=40), st.lists(pieces, max_size=20).map("".join))


@settings(max_examples=300, deadline=None)
@given(text=gfm_text)
def test_any_text_renders_as_itself_in_a_github_table_cell(text):
    escaped = inline(text)
    tokens = gfm(f"| a | b |\n| --- | --- |\n| {escaped} | {escaped} |\n".encode())
    cells = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "td_open"]
    assert cells == [plain(text), plain(text)]
    children = {c.type for t in tokens if t.type == "inline" for c in t.children}
    assert not children & {"html_inline", "image", "code_inline", "em_open", "strong_open", "s_open"}


plain_pieces = st.sampled_from(["a", "Z", "9", " ", "  ", ".", "www.", "WwW.", "w", ",", "'", "(", ")", "!", "?", ";",
                                "%", "+", "=", "/", "-", ":", "http", "Https:", "ftp", "mailto", "\t", "\n", "é",
                                "|", "_"])


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.text(max_size=30), st.lists(plain_pieces, max_size=20).map("".join)))
def test_the_shortcut_for_plain_text_escapes_as_the_full_path(text):
    """``inline`` returns text as it is only when every step of ``escape`` would have left it so."""
    assert inline(text) == escape(text)

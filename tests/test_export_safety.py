"""Hostile text through every built-in exporter (hypothesis): formulas, pipes, line breaks, HTML, Markdown
syntax, javascript: and data: links, backticks, lone surrogates. Each output is read back with a real parser."""

import io
import itertools
import json
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factlog import open_log
from factlog.errors import InvalidInput
from factlog.exporters import csv_exporter, json_exporter, jsonl_exporter, markdown_exporter
from factlog.exporters.csv_exporter import is_formula
from factlog.exporters.markdown_exporter import SAFE_SCHEMES, plain
from factlog.testing import (
    HOSTILE_TEXTS, HOSTILE_URLS, export, inline_text, invoke, markdown_parser, parse_csv, strict_json,
    unneutralise,
)

PIECES = ["=", "+", "-", "@", "\t", "\r", "\n", "\r\n", "|", "\\", "`", "```", "*", "_", "~~", "[", "]", "(", ")",
          "<", ">", "&", "&amp;", "&#x6A;", "#", "$", "!", "<script>", "</td>", "<!--", "javascript:", "data:",
          "[x](javascript:alert(1))", "<https://evil.example>", "---", "> ", "1. ", "    ", "\u2028", "\x85",
          "\x1b", "\x7f", "\u202e", "\ufeff", "é", "北", "🙂", "a", "Z", "0", " ", "'", '"', "{{", "}}", "%s"]
hostile = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=30),
).filter(lambda text: text.strip())
URL_PIECES = ["javascript:", "JAVASCRIPT:", "data:", "http://", "https://", "mailto:", " ", "\t", "x.org", "/a", "(",
              ")", "|", "<", ">", '"', "&amp;", "\\", "`", "\n", "%0a", "java\tscript:"]
urls = st.one_of(
    st.sampled_from(HOSTILE_URLS),
    st.lists(st.sampled_from(URL_PIECES), min_size=1, max_size=6).map("".join),
)

LABELS = ("Statement:", "Status:", "Label:", "Verdict:", "Parties:")
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_counter = itertools.count()


def hostile_log(name, statement, quote, note, url):
    """A real log holding the hostile text as a source name, a fact statement, a quote, a note and a URL."""
    path = Path(tempfile.mkdtemp(prefix="factlog-safety-")) / f"log{next(_counter)}.db"
    with open_log(path, user="safety") as log:
        log.add_source("hostile", name, "journalist")
        log.add_source("official", "Official", "official", party="russia")
        log.open_fact("hostile-fact", statement, ["russia"])
        log.claim("hostile-fact", "hostile", quote=quote, note=note, url=url, at="2022-03-30T10:00:00+00:00")
        log.deny("hostile-fact", "official", quote=statement, at="2022-03-30T11:00:00+00:00")
    return path


def check_csv(path, name, statement, quote, note, url):
    for view in ("beliefs", "stances", "events"):
        rows = parse_csv(export(path, "csv", "--view", view))
        cells = [cell for row in rows for cell in row.values()]
        assert not any(is_formula(cell) for cell in cells), "a formula cell got through"
    stances = {row["source"]: row for row in parse_csv(export(path, "csv", "--view", "stances"))}
    assert unneutralise(stances["hostile"]["quote"]) == quote
    assert unneutralise(stances["hostile"]["note"]) == note
    assert unneutralise(stances["hostile"]["url"]) == url
    assert unneutralise(stances["hostile"]["source_name"]) == name
    assert unneutralise(stances["official"]["quote"]) == statement
    [belief] = parse_csv(export(path, "csv"))
    assert unneutralise(belief["statement"]) == statement


def check_json(path, name, statement, quote, note, url):
    stances = {row["source"]: row for row in strict_json(export(path, "json", "--view", "stances"))}
    assert (stances["hostile"]["quote"], stances["hostile"]["note"], stances["hostile"]["url"]) == (quote, note, url)
    assert stances["hostile"]["source_name"] == name
    [belief] = strict_json(export(path, "json"))
    assert belief["statement"] == statement and name in belief["label"]
    assert strict_json(export(path, "json", "--view", "events")) == json.loads(invoke(path, "log", "--json"))


def check_jsonl(path, *_):
    exported = export(path, "jsonl")
    copy = path.with_name(path.stem + "-copy.db")
    copy.with_suffix(".jsonl").write_bytes(exported)
    invoke(copy, "import", str(copy.with_suffix(".jsonl")))
    assert export(copy, "jsonl") == exported  # lossless, down to the hashes


def check_markdown(path, name, statement, quote, note, url):
    tokens = markdown_parser().parse(export(path, "markdown").decode("utf-8"))
    kinds = {token.type for token in tokens}
    assert not kinds & {"html_block", "html_inline", "code_block", "fence", "hr", "blockquote_open"}
    children = [child for token in tokens if token.type == "inline" for child in token.children or ()]
    assert not {c.type for c in children} & {"html_inline", "code_inline", "em_open", "s_open", "image"}
    for index, child in enumerate(children):  # the report's own bold labels are its only emphasis
        assert child.type != "strong_open" or children[index + 1].content in LABELS
    hrefs = [c.attrs["href"] for c in children if c.type == "link_open"]
    assert all(h.startswith("#") or h.split(":", 1)[0] in SAFE_SCHEMES for h in hrefs), hrefs
    assert [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"] \
        == ["hostile-fact"]
    tables = _tables(tokens)
    overview, standing = tables[0], tables[1]
    assert all(len(row) == 4 for row in overview) and len(overview) == 2  # fact, status, label, verdict
    assert all(len(row) == 5 for row in standing) and len(standing) == 3
    by_source = {row[0]: row for row in standing[1:]}
    assert by_source[plain(name)][3] == plain(quote)
    assert by_source["Official"][3] == plain(statement)
    paragraphs = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "paragraph_open"]
    assert f"Statement: {plain(statement)}" in paragraphs
    link = markdown_exporter.safe_link(url)
    if link is None:
        assert by_source[plain(name)][4] == plain(url)
    else:
        assert by_source[plain(name)][4] == link[0]


def _tables(tokens):
    tables, row = [], None
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            row = []
            tables[-1].append(row)
        elif token.type == "inline" and tokens[index - 1].type in ("td_open", "th_open"):
            row.append(inline_text(token))
    return tables


CHECKS = {"csv": check_csv, "json": check_json, "markdown": check_markdown, "jsonl": check_jsonl}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(CHECKS))
@FAST
@given(name=hostile, statement=hostile, quote=hostile, note=hostile, url=urls)
def test_hostile_text_is_exported_safely(fmt, name, statement, quote, note, url):
    path = hostile_log(name, statement, quote, note, url)
    CHECKS[fmt](path, name, statement, quote, note, url)


# --- the escaper and the link filter on any text at all ------------------------------------------------------------

# every code point, lone surrogates included (hypothesis leaves them out of characters() unless asked)
any_text = st.text(st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr)), max_size=60)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(text=any_text)
def test_inline_text_renders_as_itself_in_a_table_cell_and_a_paragraph(text):
    escaped = markdown_exporter.inline(text)
    escaped.encode("utf-8")  # lone surrogates were replaced
    source = f"**Quote:** {escaped}\n\n| a | b |\n| --- | --- |\n| {escaped} | {escaped} |\n"
    tokens = markdown_parser().parse(source)
    assert [t.type for t in tokens].count("td_open") == 2 and [t.type for t in tokens].count("tr_open") == 2
    cells = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "td_open"]
    assert cells == [plain(text), plain(text)]
    assert inline_text(tokens[1]) == f"Quote: {plain(text)}".rstrip()
    children = [c.type for t in tokens if t.type == "inline" for c in t.children]
    assert not set(children) & {"html_inline", "link_open", "image", "code_inline", "em_open", "s_open"}


@settings(max_examples=300, deadline=None)
@given(text=any_text)
def test_plain_keeps_every_visible_character(text):
    shown = plain(text)
    assert "\n" not in shown and "\r" not in shown and "  " not in shown
    # only whitespace (collapsed) and control characters (shown as U+FFFD) change
    visible = [c for c in text if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cs") and c != "\ufffd"]
    assert [c for c in shown if c not in " \ufffd"] == visible


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(url=st.one_of(urls, any_text))
def test_only_http_https_and_mailto_become_links(url):
    cell = markdown_exporter.link(url)
    tokens = markdown_parser().parse(f"| a |\n| --- |\n| {cell} |\n")
    hrefs = [c.attrs["href"] for t in tokens if t.type == "inline" for c in t.children if c.type == "link_open"]
    assert [t.type for t in tokens].count("td_open") == 1
    if markdown_exporter.safe_link(url) is None:
        assert hrefs == []
    else:
        [href] = hrefs
        assert href.split(":", 1)[0].lower() in SAFE_SCHEMES
        assert url.strip().lower().startswith(href.split(":", 1)[0].lower() + ":")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                                 "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "vbscript:x", "file:///etc/passwd", "//evil.example/x", "http:evil"])
def test_dangerous_links_are_plain_text(url):
    assert markdown_exporter.safe_link(url) is None


# --- lone surrogates --------------------------------------------------------------------------------------------------


def test_the_log_refuses_lone_surrogates_at_the_door(run, db_path):
    run("source", "add", "s", "--name", "S")
    run("fact", "add", "f", "A fact")
    result = run("claim", "f", "--source", "s", "--quote", "bad \udc80 text", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and "surrogate" in result.stderr
    assert len(run.json("log")) == 2


ROWS = [{"fact": "f", "quote": "caf\udce9 \ud800", "parties": {"ukraine": "un\udfffconfirmed"}, "n": 3}]


def test_csv_and_json_replace_lone_surrogates():
    out = io.StringIO(newline="")
    csv_exporter.write_rows(ROWS, ["fact", "quote", "parties", "n"], out)
    assert out.getvalue().encode("utf-8").decode("utf-8").splitlines()[1] == \
        "f,caf\ufffd \ufffd,ukraine=un\ufffdconfirmed,3"
    out = io.StringIO()
    json_exporter.write_rows(ROWS, out)
    assert strict_json(out.getvalue().encode("utf-8"))[0]["quote"] == "caf\ufffd \ufffd"


def test_jsonl_refuses_a_lone_surrogate_rather_than_lose_a_character():
    with pytest.raises(InvalidInput, match="lone surrogate"):
        jsonl_exporter.dumps({"id": "e1", "data": {"quote": "\udc80"}})


# --- issue 13: blanks and invisible characters before a formula sign -------------------------------------------

HIDDEN = [" ", "\t", "\r", "\n", "\x0b", "\x0c", "\x00", "\u00a0", "\ufeff", "\u200b", "\u2007", "\u3000",
          "\u202f", "\u2028", "\x85", "\u180e", "\u200e", "\u2060"]
SIGNS = ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"]


@pytest.mark.parametrize("prefix", [" ", "\u00a0", "\ufeff", " \u00a0\ufeff", "\u200b", "\u3000\t", "  "])
@pytest.mark.parametrize("sign", ["=", "+", "-", "@"])
def test_a_formula_behind_blanks_or_invisible_characters_is_neutralised(prefix, sign):
    from factlog.exporters.csv_exporter import neutralise

    cell = f"{prefix}{sign}HYPERLINK(\"http://evil\")"
    assert neutralise(cell) == "'" + cell and unneutralise(neutralise(cell)) == cell


@FAST
@given(prefix=st.text(alphabet=st.sampled_from(HIDDEN), max_size=4), sign=st.sampled_from(SIGNS),
       tail=st.text(max_size=10).filter(lambda t: "\x00" not in t))
def test_every_view_neutralises_formulas_behind_hidden_characters(prefix, sign, tail):
    text = f"x{prefix}{sign}{tail}"[1:]  # (hypothesis: any mix of blanks and invisible characters first)
    quote = text if text.strip() and "\x00" not in text else f"{sign}{tail}q"
    path = hostile_log("Name", "Statement", quote, "note", "https://example.org")
    for view in ("beliefs", "stances", "events"):
        rows = parse_csv(export(path, "csv", "--view", view))
        for row in rows:
            for value in row.values():
                assert not is_formula(value), (view, value)
    stances = {row["source"]: row for row in parse_csv(export(path, "csv", "--view", "stances"))}
    assert unneutralise(stances["hostile"]["quote"]) == quote


def test_cells_that_only_look_like_formulas_later_are_left_alone():
    from factlog.exporters.csv_exporter import neutralise

    for cell in ("a=1", " a=1", "\u00a0x-y", "1+1", "", " ", "\ufeff", "mail@x.org"):
        assert neutralise(cell) == cell

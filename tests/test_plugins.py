"""The plugin manager and the ``plugins`` commands, with plugins laid out on disk as pip would install them.

Each test plugin is a real module plus a ``.dist-info`` folder holding its entry point, in a temporary folder
put on ``sys.path``: factlog finds it through ``importlib.metadata``, exactly as it finds an installed package.
(``test_plugin_install.py`` does the same with real ``pip install`` into a fresh virtual environment.)
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

import factlog.plugins as plugins_module
from factlog.cli import cli
from factlog.exporting import Exporter
from factlog.plugins import load_plugins

GOOD = """
    from factlog import hookimpl
    from factlog.exporting import Exporter

    def write(request, stream):
        for belief in request.beliefs():
            stream.write(f"{belief.fact}={belief.status}\\n")

    @hookimpl
    def register_exporters(register):
        register(Exporter(name="{name}", description="test", extension="txt", media_type="text/plain",
                          write=write))
"""


class Site:
    """A folder on ``sys.path`` into which tests 'install' plugin distributions."""

    def __init__(self, path):
        self.path = path

    def install(self, dist, source, module=None, entry=None, version="1.0"):
        module = module or dist.replace("-", "_")
        (self.path / f"{module}.py").write_text(textwrap.dedent(source))
        info = self.path / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[factlog]\n{entry or module} = {module}\n")
        return f"{dist}:{entry or module}"

    def good(self, dist, exporter):
        return self.install(dist, GOOD.replace("{name}", exporter))


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.delenv("FACTLOG_LOAD_PLUGINS", raising=False)
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    modules = set(sys.modules)
    plugins_module.reset()
    yield Site(path)
    plugins_module.reset()
    for name in set(sys.modules) - modules:  # the next test may lay out a module of the same name
        if getattr(sys.modules[name], "__file__", "") and str(path) in sys.modules[name].__file__:
            del sys.modules[name]


@pytest.fixture
def invoke(db_path):
    """Run the CLI in-process; plugins are loaded afresh for each command, as in a new process."""

    def run(*args, code=0):
        plugins_module.reset()
        result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, (result.stdout, result.stderr)
        return result

    return run


def third_party(infos):
    return {name: info for name, info in infos.items() if not info.builtin}


def load(environ=None):
    warnings = []
    loaded = load_plugins(environ if environ is not None else {}, warnings.append)
    return loaded, warnings


def test_no_third_party_plugins(site, invoke):
    assert invoke("plugins", "list").stdout.strip() == "(no plugins installed)"
    assert json.loads(invoke("plugins", "list", "--json").stdout) == []
    builtins = json.loads(invoke("plugins", "list", "--all", "--json").stdout)
    assert {p["name"] for p in builtins} >= {"csv", "json", "markdown", "jsonl"}
    assert all(p["builtin"] and p["distribution"] == "factlog" and p["error"] is None for p in builtins)


def test_a_plugin_is_listed_with_its_hooks_and_exporters(site, invoke, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: no cell is wrapped
    name = site.good("factlog-fake", "fake")
    [listed] = json.loads(invoke("plugins", "list", "--json").stdout)
    assert listed == {"name": name, "distribution": "factlog-fake", "version": "1.0", "builtin": False,
                      "hooks": ["register_exporters"], "exporters": ["fake"], "error": None}
    table = invoke("plugins", "list").stdout
    assert "factlog-fake" in table and "register_exporters" in table and "fake" in table


def test_a_plugin_exporter_writes_through_the_request(site, tmp_path):
    import io

    from factlog import open_log
    from factlog.exporting import ExportRequest
    from factlog.store import NOW

    site.good("factlog-fake", "fake")
    loaded, warnings = load()
    assert warnings == [] or all("factlog-fake" not in w for w in warnings)
    with open_log(tmp_path / "x.db", user="t") as log:
        log.add_source("tass", "TASS", kind="agency")
        log.open_fact("blast", "There was a blast")
        log.claim("blast", "tass")
        out = io.StringIO()
        loaded.exporter("fake").write(ExportRequest(log, "beliefs", NOW), out)
    assert out.getvalue() == "blast=claimed\n"
    assert loaded.plugin_of("fake") == "factlog-fake:factlog_fake"


@pytest.mark.parametrize("setting, loaded_names", [
    (None, {"factlog-one:factlog_one", "factlog-two:factlog_two"}),  # unset: all
    ("", set()),  # empty: none
    ("factlog-one", {"factlog-one:factlog_one"}),  # by distribution
    ("Factlog_Two", {"factlog-two:factlog_two"}),  # names compare as pip compares them
    ("factlog_one, factlog-two", {"factlog-one:factlog_one", "factlog-two:factlog_two"}),  # by entry point
    ("something-else", set()),
])
def test_factlog_load_plugins(site, setting, loaded_names):
    site.good("factlog-one", "one")
    site.good("factlog-two", "two")
    environ = {} if setting is None else {"FACTLOG_LOAD_PLUGINS": setting}
    loaded, warnings = load(environ)
    assert set(third_party(loaded.infos)) == loaded_names
    # the built-ins always load, whatever the setting
    assert {"csv", "json", "markdown", "jsonl"} <= {n for n, i in loaded.infos.items() if i.builtin}


def test_factlog_load_plugins_through_the_cli(site, invoke, monkeypatch):
    site.good("factlog-one", "one")
    monkeypatch.setenv("FACTLOG_LOAD_PLUGINS", "")
    assert json.loads(invoke("plugins", "list", "--json").stdout) == []
    assert "FACTLOG_LOAD_PLUGINS is set" in invoke("plugins", "list").stdout
    monkeypatch.setenv("FACTLOG_LOAD_PLUGINS", "factlog-one")
    assert [p["name"] for p in json.loads(invoke("plugins", "list", "--json").stdout)] == ["factlog-one:factlog_one"]


def test_duplicate_exporter_names_are_refused_naming_both_plugins(site):
    first = site.good("factlog-aaa", "dup")
    second = site.good("factlog-bbb", "dup")
    loaded, warnings = load()
    assert loaded.plugin_of("dup") == first
    error = loaded.infos[second].error
    assert first in error and second in error and "'dup'" in error
    assert loaded.infos[first].error is None
    assert [w for w in warnings if second in w] == [f"factlog: plugin {second}: {error}"]


def test_a_plugin_cannot_take_a_builtin_format_name(site):
    # 'a-plugin' sorts before 'factlog': the built-ins still load first and keep their names
    name = site.good("a-plugin", "csv")
    loaded, warnings = load()
    assert loaded.infos[loaded.plugin_of("csv")].builtin
    assert "csv" in loaded.infos[name].error and "both" in loaded.infos[name].error


BROKEN = {
    "raises-at-import": ("raise RuntimeError('cannot start: no API key')",
                         "failed to import: RuntimeError: cannot start: no API key"),
    "exits-at-import": ("import sys\nsys.exit(3)", "failed to import: called sys.exit(3)"),
    "syntax-error": ("def broken(:\n    pass", "failed to import: SyntaxError"),
    "unknown-hook": ("from factlog import hookimpl\n\n@hookimpl\ndef register_importers(register):\n    pass",
                     "implements unknown hook(s): register_importers"),
    "wrong-arguments": ("from factlog import hookimpl\n\n@hookimpl\ndef register_exporters(exporters):\n    pass",
                        "does not match factlog's hooks"),
    "raises-in-hook": ("from factlog import hookimpl\n\n@hookimpl\ndef register_exporters(register):\n"
                       "    raise KeyError('boom')",
                       "register_exporters raised KeyError: 'boom'"),
    "registers-a-dict": ("from factlog import hookimpl\n\n@hookimpl\ndef register_exporters(register):\n"
                         "    register({'name': 'x'})",
                         "registered dict, not a factlog Exporter"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_plugin_is_reported_and_everything_else_works(site, invoke, run, kind):
    source, expected = BROKEN[kind]
    broken = site.install(f"broken-{kind}", source)
    good = site.good("factlog-fine", "fine")
    run("fact", "add", "blast", "There was a blast")

    result = invoke("plugins", "list", "--json")
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert expected in listed[broken]["error"]
    assert listed[broken]["exporters"] == []
    assert listed[good]["error"] is None and listed[good]["exporters"] == ["fine"]
    # reported once on stderr, in one line
    warnings = [line for line in result.stderr.splitlines() if broken in line]
    assert warnings == [f"factlog: plugin {broken}: {listed[broken]['error']}"]
    assert "Traceback" not in result.stderr

    assert json.loads(invoke("status", "--json").stdout)[0]["status"] == "open"
    assert invoke("plugins", "list", "--all").exit_code == 0
    exported = invoke("export", "csv")
    assert exported.stdout.startswith("fact,") and "blast" in exported.stdout
    assert [line for line in exported.stderr.splitlines() if broken in line] == warnings
    assert invoke("export", "fine").stdout == "blast=open\n"


def test_a_hook_may_take_fewer_arguments_than_the_spec(site):
    name = site.install("factlog-quiet", "from factlog import hookimpl\n\n@hookimpl\ndef register_exporters():\n"
                                         "    pass\n")
    loaded, warnings = load()
    assert loaded.infos[name].error is None and loaded.infos[name].hooks == ["register_exporters"]


def test_a_plugin_can_register_several_exporters(site):
    name = site.install("factlog-multi", """
        from factlog import hookimpl
        from factlog.exporting import Exporter

        @hookimpl
        def register_exporters(register):
            for fmt in ("one", "two"):
                register(Exporter(name=fmt, description=fmt, extension=fmt, media_type="text/plain",
                                  write=lambda request, stream: None))
    """)
    loaded, _ = load()
    assert loaded.infos[name].exporters == ["one", "two"]
    assert isinstance(loaded.exporter("two"), Exporter)


def test_an_unknown_format_names_the_available_ones(site):
    from factlog.errors import FactlogError

    site.good("factlog-fake", "fake")
    loaded, _ = load()
    with pytest.raises(FactlogError, match=r"no export format 'nope'; available: .*fake"):
        loaded.exporter("nope")


# --- install and uninstall load no plugin ------------------------------------------------------------------

SPY = """
    import os
    open(os.environ["FACTLOG_SPY"], "w").write("imported")
    raise RuntimeError("this plugin crashes at import")
"""


@pytest.fixture
def spy(site, tmp_path, monkeypatch):
    """A plugin that records being imported, then crashes."""
    marker = tmp_path / "imported"
    monkeypatch.setenv("FACTLOG_SPY", str(marker))
    site.install("factlog-crashy", SPY)
    return marker


@pytest.mark.slow
def test_uninstall_loads_no_plugin(spy, invoke):
    # pip itself runs: uninstalling a package that is not there is a warning and exit status 0
    result = invoke("plugins", "uninstall", "-y", "factlog-not-installed-anywhere")
    assert not spy.exists()
    assert plugins_module._loaded is None
    assert "factlog: plugin" not in result.stderr


@pytest.mark.slow
def test_install_loads_no_plugin_and_pip_failure_is_one_error_line(spy, invoke, tmp_path):
    result = invoke("plugins", "install", str(tmp_path / "no-such-project"), code=1)
    assert not spy.exists()
    assert "factlog: plugin" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "Error: pip install failed (exit status 1)"
    assert "Traceback" not in result.stderr


def test_the_spy_works(spy, invoke):
    # the check above means something: listing plugins does import the crashing one
    result = invoke("plugins", "list", "--json")
    assert spy.exists()
    assert "this plugin crashes at import" in result.stderr


def test_install_needs_a_package(invoke):
    result = invoke("plugins", "install", code=2)
    assert "name at least one package" in result.stderr
    invoke("plugins", "uninstall", code=2)


def test_the_write_path_does_not_import_pluggy(run, db_path):
    run("source", "add", "tass", "--name", "TASS", "--kind", "agency")
    run("fact", "add", "blast", "There was a blast")
    code = ("import sys\nfrom factlog.cli import cli\n"
            "try:\n    cli(['claim', 'blast', '--source', 'tass', '--quiet'])\n"
            "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
            "print('pluggy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "FACTLOG_DB": str(db_path)})
    assert out.stdout.strip().splitlines()[-1] == "False"


# --- issue 13: whatever a plugin raises breaks only that plugin ------------------------------------------------

BASE_EXCEPTIONS = {
    "keyboard-interrupt": "raise KeyboardInterrupt",
    "system-exit-0": "import sys\nsys.exit(0)",
    "system-exit-none": "raise SystemExit",
    "own-base-exception": "class Stop(BaseException):\n    pass\nraise Stop('stop')",
    "generator-exit": "raise GeneratorExit",
}


@pytest.mark.parametrize("kind", sorted(BASE_EXCEPTIONS))
@pytest.mark.parametrize("where", ["import", "register_exporters"])
def test_any_base_exception_of_a_plugin_breaks_only_that_plugin(site, invoke, run, kind, where):
    raising = BASE_EXCEPTIONS[kind]
    if where == "import":
        source = raising
    else:
        body = textwrap.indent(raising, "    ")
        source = f"from factlog import hookimpl\n\n@hookimpl\ndef register_exporters(register):\n{body}\n"
    broken = site.install(f"broken-{kind}", source, entry="brk")
    site.good("factlog-fine", "fine")
    run("fact", "add", "blast", "There was a blast")
    listed = {p["name"]: p for p in json.loads(invoke("plugins", "list", "--json").stdout)}
    assert listed[broken]["error"] and listed[broken]["exporters"] == []
    assert invoke("export", "csv").stdout.startswith("fact,")
    assert invoke("export", "fine").stdout == "blast=open\n"
    refused = invoke("export", "brk", code=1)
    errors = [line for line in refused.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and broken in errors[0] and "Traceback" not in refused.stderr


EXPORTERS = {
    "sys-exit-0": ("import sys\n    sys.exit(0)", "called sys.exit(0)"),
    "sys-exit-text": ("raise SystemExit('bye')", "called sys.exit('bye')"),
    "keyboard-interrupt": ("raise KeyboardInterrupt", "KeyboardInterrupt"),
    "own-base-exception": ("raise type('Stop', (BaseException,), {})('halt')", "Stop: halt"),
    "value-error": ("raise ValueError('bad \\x1b[2J row')", "ValueError: bad \\x1b[2J row"),
    "memory-error": ("raise MemoryError()", "MemoryError"),
    "writes-then-exits": ("stream.write('half')\n    raise SystemExit(0)", "called sys.exit(0)"),
}


@pytest.mark.parametrize("kind", sorted(EXPORTERS))
@pytest.mark.parametrize("to_file", [False, True])
def test_an_exporter_that_raises_anything_is_one_error_naming_it(site, invoke, run, tmp_path, kind, to_file):
    body, expected = EXPORTERS[kind]
    name = site.install(f"factlog-{kind}", f"""
from factlog import hookimpl
from factlog.exporting import Exporter

def write(request, stream):
    {body}

@hookimpl
def register_exporters(register):
    register(Exporter(name="bad", description="d", extension="txt", media_type="text/plain", write=write))
""")
    run("fact", "add", "blast", "There was a blast")
    target = tmp_path / "out" / "r.txt"
    target.parent.mkdir()
    result = invoke("export", "bad", *(["-o", str(target)] if to_file else []), code=1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert f"from plugin {name}" in errors[0] and expected in errors[0], errors[0]
    assert "\x1b" not in result.stderr and "Traceback" not in result.stderr
    if to_file:
        assert list(target.parent.iterdir()) == []  # no partial file, no temp
    assert invoke("export", "csv").stdout.startswith("fact,")


BAD_EXPORTERS = {
    "no-views": ("views=()", "views must be one or more of"),
    "unknown-view": ("views=('beliefs', 'gossip')", "not ('beliefs', 'gossip')"),
    "views-as-text": ("views='beliefs'", "views must be"),
    "empty-name": ("name=''", "its name must be"),
    "name-with-escape": ("name='x\\x1b[2J'", "its name must be"),
    "write-not-callable": ("write=None", "write is not a function"),
}


@pytest.mark.parametrize("kind", sorted(BAD_EXPORTERS))
def test_an_unusable_exporter_is_refused_at_load_and_the_rest_of_its_plugin_works(site, invoke, run, kind):
    change, expected = BAD_EXPORTERS[kind]
    fields = {"name": "'bad'", "write": "write", "views": "('beliefs',)"}
    key, value = change.split("=", 1)
    fields[key] = value
    name = site.install(f"factlog-{kind}", f"""
from factlog import hookimpl
from factlog.exporting import Exporter

def write(request, stream):
    stream.write("good\\n")

@hookimpl
def register_exporters(register):
    register(Exporter(name={fields['name']}, description="d", extension="txt", media_type="text/plain",
                      write={fields['write']}, views={fields['views']}))
    register(Exporter(name="good", description="d", extension="txt", media_type="text/plain", write=write))
""")
    run("fact", "add", "blast", "There was a blast")
    listed = {p["name"]: p for p in json.loads(invoke("plugins", "list", "--json").stdout)}
    assert expected in listed[name]["error"] and listed[name]["exporters"] == ["good"]
    assert invoke("export", "good").stdout == "good\n"
    refused = invoke("export", "bad", code=1)
    assert len(refused.stderr.splitlines()) >= 1 and refused.stderr.splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in refused.stderr


def test_the_users_ctrl_c_still_stops_factlog_while_plugin_code_runs():
    import signal

    from factlog.plugins import plugin_code

    with pytest.raises(KeyboardInterrupt):
        with plugin_code() as interrupts:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs between bytecodes
                pass
    assert interrupts.pressed and interrupts.is_users(KeyboardInterrupt())
    with plugin_code() as interrupts:
        pass
    assert not interrupts.is_users(KeyboardInterrupt())  # raised by a plugin, not by the user
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

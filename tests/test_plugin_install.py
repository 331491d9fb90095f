"""Installing plugins for real: ``factlog plugins install`` runs pip in a fresh virtual environment.

One environment for the module: factlog is installed into it from a copy of this repository (its
dependencies come from the package index, or pip's cache), then each test installs, uses and uninstalls plugins
through that environment's own ``factlog`` command. Builds use the environment's setuptools
(``PIP_NO_BUILD_ISOLATION=0`` is pip's spelling of ``--no-build-isolation``), so nothing else is downloaded, and
every project is built from a copy so no ``build/`` folder is left in the repository.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", ".pytest_cache")


class Env:
    """A virtual environment and a log, with factlog's own command line."""

    def __init__(self, path: Path, log: Path):
        self.path, self.log = path, log
        self.bin = path / "bin"
        self.environ = {key: value for key, value in os.environ.items()
                        if key not in ("PYTHONPATH", "FACTLOG_LOAD_PLUGINS", "VIRTUAL_ENV", "PYTHONHOME")}
        self.environ.update(PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1",
                            FACTLOG_DB=str(log), FACTLOG_USER="installer", NO_COLOR="1",
                            PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}")

    def run(self, program: str, *args: str, code: int | None = 0) -> subprocess.CompletedProcess:
        result = subprocess.run([str(self.bin / program), *map(str, args)], capture_output=True, text=True,
                                env=self.environ, timeout=300, cwd=self.path)
        if code is not None:
            assert result.returncode == code, f"{program} {' '.join(map(str, args))}: {result.stdout}{result.stderr}"
        return result

    def factlog(self, *args: str, code: int | None = 0) -> subprocess.CompletedProcess:
        return self.run("factlog", *args, code=code)

    def json(self, *args: str):
        return json.loads(self.factlog(*args).stdout)


def copy_project(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=IGNORE)
    return target


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin-install")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=120)
    env = Env(root / "venv", root / "story.db")
    source = root / "factlog-source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "factlog", source / "factlog", ignore=IGNORE)
    # setuptools 70.1 builds wheels by itself (older ones need the 'wheel' package); then every build is offline
    env.run("python", "-m", "pip", "install", "--quiet", "setuptools>=70.1")
    env.run("python", "-m", "pip", "install", "--quiet", str(source))
    env.run("python", "-c", f"from factlog.testing import build_sample_log; build_sample_log({str(env.log)!r})")
    return env


def test_the_environment_is_factlogs_own(env):
    assert env.json("plugins", "list", "--json") == []
    builtins = env.json("plugins", "list", "--all", "--json")
    assert all(p["error"] is None and p["builtin"] for p in builtins)
    assert {p["name"] for p in builtins} == {"csv", "json", "markdown", "jsonl"}


def test_install_list_export_uninstall_claimreview(env, tmp_path):
    project = copy_project(REPO / "plugins" / "factlog-claimreview", tmp_path / "factlog-claimreview")
    env.factlog("plugins", "install", project)

    [listed] = env.json("plugins", "list", "--json")
    assert listed["distribution"] == "factlog-claimreview" and listed["version"] == "0.3.0"
    assert listed["exporters"] == ["claimreview"] and listed["hooks"] == ["register_exporters"]
    assert listed["error"] is None and listed["builtin"] is False

    status = env.json("status", "--json")
    env.factlog("config", "set", "publisher.name", "Desk")
    env.factlog("config", "set", "claimreview.url", "https://desk.example/{fact}")
    for row in status:  # only the facts the analyst gave a verdict are published
        env.factlog("verdict", row["fact"], "mixed", "--basis", f"basis of {row['fact']}")
    reviews = json.loads(env.factlog("export", "claimreview").stdout)
    assert [(r["identifier"], r["claimReviewed"], r["description"], r["reviewRating"]["ratingValue"], r["url"])
            for r in reviews] == [(s["fact"], s["statement"], s["label"], 3, f"https://desk.example/{s['fact']}")
                                  for s in status]
    for review, row in zip(reviews, status):
        asserting = {source for source, stance in row["sources"].items() if stance == "asserts"}
        authors = review["itemReviewed"].get("author", [])
        authors = {author["identifier"] for author in (authors if isinstance(authors, list) else [authors])}
        assert authors == asserting or (not asserting and row["status"] in ("denied", "retracted", "open"))

    # -U reinstalls a newer build of the same project over the installed one
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.3.0"', 'version = "0.3.1"'))
    env.factlog("plugins", "install", "-U", project)
    assert [p["version"] for p in env.json("plugins", "list", "--json")] == ["0.3.1"]

    env.factlog("plugins", "uninstall", "-y", "factlog-claimreview")
    assert env.json("plugins", "list", "--json") == []
    gone = env.factlog("export", "claimreview", code=1)
    assert gone.stderr.strip() == ("Error: no export format 'claimreview'; available: csv, json, jsonl, markdown "
                                   "(see 'factlog plugins list')")


def test_editable_install_of_the_html_plugin(env, tmp_path):
    project = copy_project(REPO / "plugins" / "factlog-html", tmp_path / "factlog-html")
    env.factlog("plugins", "install", "-e", project)
    [listed] = env.json("plugins", "list", "--json")
    assert listed["exporters"] == ["html"] and listed["error"] is None

    page = env.factlog("export", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and page.count('<section class="fact"') == len(env.json("status",
                                                                                                     "--json"))
    # editable: a change to the source shows at once, without reinstalling
    module = project / "factlog_html" / "__init__.py"
    module.write_text(module.read_text().replace("<h1>What is believed</h1>", "<h1>Edited</h1>"))
    assert "<h1>Edited</h1>" in env.factlog("export", "html").stdout

    env.factlog("plugins", "uninstall", "--yes", "factlog-html")
    assert env.json("plugins", "list", "--json") == []


BROKEN_PYPROJECT = """
    [build-system]
    requires = ["setuptools>=61"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "factlog-broken"
    version = "0.0.1"
    dependencies = ["factlog"]

    [project.entry-points.factlog]
    broken = "factlog_broken"

    [tool.setuptools]
    py-modules = ["factlog_broken"]
"""


def test_a_broken_plugin_leaves_the_cli_working_and_can_be_uninstalled(env, tmp_path):
    project = tmp_path / "factlog-broken"
    project.mkdir()
    (project / "pyproject.toml").write_text(textwrap.dedent(BROKEN_PYPROJECT))
    (project / "factlog_broken.py").write_text("import a_module_that_is_not_there\n")
    env.factlog("plugins", "install", project)

    listing = env.factlog("plugins", "list", "--json")
    [listed] = json.loads(listing.stdout)
    assert listed["name"] == "factlog-broken:broken" and listed["version"] == "0.0.1"
    assert listed["error"] == ("failed to import: ModuleNotFoundError: No module named "
                               "'a_module_that_is_not_there'")
    assert listing.stderr.strip() == f"factlog: plugin factlog-broken:broken: {listed['error']}"

    assert env.json("status", "--json")
    exported = env.factlog("export", "csv")
    assert exported.stdout.startswith("fact,") and exported.stderr.count("factlog-broken") == 1
    env.factlog("claim", "belgorod-explosion", "--source", "tass", "--quiet")

    removed = env.factlog("plugins", "uninstall", "-y", "factlog-broken")
    assert "factlog-broken" not in removed.stderr  # not loaded, so not reported, while uninstalling
    listing = env.factlog("plugins", "list", "--json")
    assert json.loads(listing.stdout) == [] and listing.stderr == ""


def test_pip_failure_is_factlogs_failure(env, tmp_path):
    result = env.factlog("plugins", "install", tmp_path / "nothing-here", code=1)
    assert result.stderr.strip().splitlines()[-1] == "Error: pip install failed (exit status 1)"
    assert "Traceback" not in result.stderr


def readme_block(language: str) -> str:
    """The ``language`` code block of the README's 'Writing an exporter plugin' section."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("### Writing an exporter plugin", 1)[1]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_readme_plugin_example_installs_and_exports(env, tmp_path):
    project = tmp_path / "factlog-tsv"
    project.mkdir()
    (project / "pyproject.toml").write_text(readme_block("toml"))
    (project / "factlog_tsv.py").write_text(readme_block("python"))
    command = readme_block("sh").split("&&")[0].split()  # factlog plugins install -e ./factlog-tsv
    env.factlog(*command[1:-1], project)

    lines = env.factlog("export", "tsv").stdout.splitlines()
    assert [line.split("\t") for line in lines] == [[s["fact"], s["status"], s["label"]]
                                                    for s in env.json("status", "--json")]
    env.factlog("plugins", "uninstall", "-y", "factlog-tsv")

"""Every hook in ``factlog/hookspecs.py`` is documented, typed, and exercised by a test (as datasette checks)."""

import inspect
import re
from pathlib import Path

import pytest

from factlog import hookspecs

ROOT = Path(__file__).resolve().parents[1]
TEST_FILES = [*ROOT.joinpath("tests").rglob("test_*.py"), *ROOT.joinpath("plugins").glob("*/tests/test_*.py")]


def hook_specs():
    return [(name, fn) for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, "factlog_spec")]


def test_there_are_hooks():
    assert "register_exporters" in [name for name, _ in hook_specs()]


@pytest.mark.parametrize("name, spec", hook_specs())
def test_each_hook_is_documented_and_typed(name, spec):
    doc = inspect.getdoc(spec)
    assert doc and doc.strip(), f"hook {name} has no docstring"
    parameters = inspect.signature(spec).parameters
    assert all(p.annotation is not inspect.Parameter.empty for p in parameters.values()), name


@pytest.mark.parametrize("name", [name for name, _ in hook_specs()])
def test_each_hook_is_exercised_by_a_test(name):
    # A test that implements the hook defines a function of that name (a plugin module, inline or on disk).
    implementation = re.compile(rf"def {name}\(")
    users = [path.name for path in TEST_FILES
             if path.name != Path(__file__).name and implementation.search(path.read_text(encoding="utf-8"))]
    assert users, f"no test implements the hook {name}"


def test_every_hook_is_documented_in_the_readme():
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    for name, _ in hook_specs():
        assert name in readme, f"README does not mention the hook {name}"

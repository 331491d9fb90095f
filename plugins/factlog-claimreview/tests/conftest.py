"""Load this plugin in its own tests whether or not it is installed.

CI installs only factlog (``pip install -e '.[test]'``); ``factlog.testing.use_plugin_from_source`` then lays the
plugin's entry point out as pip would, so factlog finds it exactly as it finds an installed plugin.
"""

from pathlib import Path

import pytest

import factlog.plugins
from factlog.testing import use_plugin_from_source

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def plugin(tmp_path_factory, monkeypatch):
    """The plugin's module, loadable by factlog for the duration of the test."""
    site = tmp_path_factory.mktemp("site")
    yield use_plugin_from_source(PROJECT, "factlog-claimreview", "factlog_claimreview", "claimreview", site,
                                 monkeypatch)
    factlog.plugins.reset()

"""Load this plugin in its own tests whether or not it is installed.

CI installs only factlog (``pip install -e '.[test]'``). When this plugin is not installed, its entry point is
laid out as pip would install it (a ``.dist-info`` folder) in a temporary folder on ``sys.path``, next to the
plugin's source, so factlog finds it through ``importlib.metadata`` exactly as it finds an installed plugin.
"""

import importlib
import importlib.metadata as metadata
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
DIST, MODULE, ENTRY = "factlog-html", "factlog_html", "html"


@pytest.fixture(autouse=True)
def plugin(tmp_path_factory, monkeypatch):
    """The plugin's module, loadable by factlog for the duration of the test."""
    import factlog.plugins

    monkeypatch.delenv("FACTLOG_LOAD_PLUGINS", raising=False)
    if not metadata.entry_points(group="factlog", name=ENTRY):
        site = tmp_path_factory.mktemp("site")
        info = site / f"{MODULE}-0.0.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {DIST}\nVersion: 0.0.0\n")
        (info / "entry_points.txt").write_text(f"[factlog]\n{ENTRY} = {MODULE}\n")
        monkeypatch.syspath_prepend(str(site))
        monkeypatch.syspath_prepend(str(PROJECT))
    factlog.plugins.reset()
    yield importlib.import_module(MODULE)
    factlog.plugins.reset()

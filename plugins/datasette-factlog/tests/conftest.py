"""Load this plugin in its own tests whether or not it is installed.

CI installs only factlog's test extra (which brings Datasette); as with factlog's own first-party plugins, the
plugin is then taken from this source tree: registered with Datasette's plugin manager for the test, and
unregistered after it. ``pip install ./plugins/datasette-factlog`` registers it through its entry point.
"""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SEED = PROJECT.parents[1] / "seeds" / "belgorod.db"
if importlib.util.find_spec("datasette_factlog") is None:  # not installed: the source tree (unique name)
    sys.path.append(str(PROJECT))


@pytest.fixture(autouse=True)
def plugin():
    """The plugin's module, registered with Datasette for the duration of the test."""
    from datasette.plugins import pm

    import datasette_factlog

    if pm.is_registered(datasette_factlog):
        yield datasette_factlog
        return
    pm.register(datasette_factlog, name="datasette-factlog-from-source")
    try:
        yield datasette_factlog
    finally:
        pm.unregister(name="datasette-factlog-from-source")


@pytest.fixture
def seed_log(tmp_path) -> Path:
    """A copy of the seed log, named as a desk would name it, opened once by factlog (as a desk would have): a
    seed written before the latest schema step is migrated to it."""
    from factlog import open_log

    path = tmp_path / "belgorod.db"
    shutil.copyfile(SEED, path)
    open_log(path).close()
    return path

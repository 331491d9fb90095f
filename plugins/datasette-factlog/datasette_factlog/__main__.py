"""``python -m datasette_factlog [NAME]``: the metadata as JSON, for ``datasette LOG.db --metadata FILE``
without the plugin (the search box on views needs the plugin). NAME is the database's name in Datasette: the
file name without ``.db`` (default ``factlog``)."""

import json
import sys

from .metadata import database_metadata

name = sys.argv[1] if len(sys.argv) > 1 else "factlog"
json.dump({"databases": {name: database_metadata()}}, sys.stdout, indent=2, ensure_ascii=False)
sys.stdout.write("\n")

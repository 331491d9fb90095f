"""datasette-factlog: ``datasette LOG.db`` made for a factlog log.

For every attached database that is a factlog log (it has factlog's migrations, events and views), the plugin
supplies Datasette metadata (table and column descriptions, facets, hidden bookkeeping tables, canned queries)
and a search box on the tables of events, facts and statements that searches factlog's own full-text index of
what was said. Other databases are left alone. Local metadata (``--metadata``) still wins over the plugin's.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite

from .metadata import SEARCH_KEYS, database_metadata

__version__ = "0.1.0"

FACTLOG_TABLES = {"events", "sources", "facts", "beliefs", "stances", "search_index", "_sqlite_migrations"}
INDEX = "search_index"


def factlog_databases(datasette: Any) -> set[str]:
    """The names of the attached databases found to be factlog logs (filled at start-up)."""
    found: set[str] = datasette.__dict__.setdefault("_factlog_databases", set())
    return found


async def is_factlog_log(database: Any) -> bool:
    if not FACTLOG_TABLES <= set(await database.table_names()):
        return False
    found = await database.execute(
        "select count(*) from _sqlite_migrations where migration_set = 'factlog'")
    return bool(found.first()[0])


@hookimpl
def startup(datasette: Any) -> Any:
    async def inner() -> None:
        for name, database in datasette.databases.items():
            if not name.startswith("_") and await is_factlog_log(database):
                factlog_databases(datasette).add(name)
        if factlog_databases(datasette):
            quiet_facet_suggestions(datasette)

    return inner


def quiet_facet_suggestions(datasette: Any) -> None:
    """Turn off Datasette's facet suggestions: the plugin names the facets worth having, and a suggestion
    counts every row of the view first without a guard, so on a log of 100,000 events the count of
    stances_view outlasts the 1 s SQL limit and Datasette 0.65 fails the whole page (simonw/datasette#2082)
    rather than skip the suggestion. Datasette has no public way to change a setting after start-up."""
    settings = getattr(datasette, "_settings", None)
    if isinstance(settings, dict):
        settings["suggest_facets"] = False


@hookimpl
def get_metadata(datasette: Any, key: Any, database: Any, table: Any) -> dict[str, Any]:
    names = factlog_databases(datasette)
    return {"databases": {name: database_metadata() for name in names}} if names else {}


@hookimpl(trylast=True)  # after Datasette's own search filter, so that its "no FTS table here" is overridden
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """``?_search=`` on the tables of events, facts and statements: rows whose event, or whose fact, has a
    statement, quote, note or retraction reason matching the words (``_searchmode=raw``: FTS5 syntax)."""
    if database not in factlog_databases(datasette) or table not in SEARCH_KEYS:
        return None
    search = request.args.get("_search", "")
    context = {"supports_search": True, "search": search}
    if not search.strip():
        return FilterArguments([], extra_context=context)
    column, indexed = SEARCH_KEYS[table]
    raw = request.args.get("_searchmode") == "raw"
    clause = (f"{escape_sqlite(column)} in (select {indexed} from {INDEX} where {INDEX} match "
              f"{':factlog_search' if raw else 'escape_fts(:factlog_search)'})")
    return FilterArguments([clause], {"factlog_search": search}, [f'search matches "{search}"'], context)

"""SQL views that make a log file readable without factlog: ``sqlite-utils``, Datasette, the ``sqlite3`` shell.

- ``event_log``: the log itself, one row per event, the JSON payload spread into columns (fact, source, quote,
  url, credibility, note, statement, reason, target ...);
- ``beliefs_view``: what is believed about each fact now, with the parties' stances as readable text;
- ``party_stances_view``: one row per fact and party (easy to facet in Datasette);
- ``stances_view``: each source's standing statement on each fact, with the source's name and who it speaks for.

Views read the projection tables by name, so they survive ``factlog rebuild`` (which drops and re-creates those
tables); ``rebuild`` also re-creates them. To change a view, append a migration that calls ``create_views``.
"""

from __future__ import annotations

import sqlite3

VIEWS: dict[str, str] = {
    "event_log": """
SELECT
  e.seq, e.id, e.type, e.observed_at, e.recorded_at, e.recorded_by,
  e.fact, e.source,
  json_extract(e.data, '$.statement') AS statement,
  json_extract(e.data, '$.quote') AS quote,
  json_extract(e.data, '$.url') AS url,
  json_extract(e.data, '$.credibility') AS credibility,
  json_extract(e.data, '$.note') AS note,
  json_extract(e.data, '$.cites') AS cites,
  json_extract(e.data, '$.target') AS target,
  json_extract(e.data, '$.reason') AS reason,
  json_extract(e.data, '$.name') AS name,
  json_extract(e.data, '$.kind') AS kind,
  json_extract(e.data, '$.party') AS party,
  json_extract(e.data, '$.reliability') AS reliability,
  json_extract(e.data, '$.occurred_at') AS occurred_at,
  json_extract(e.data, '$.parties') AS parties,
  json_extract(e.data, '$.tags') AS tags,
  e.version, e.data, e.hash
FROM events AS e""",
    "beliefs_view": """
SELECT
  b.fact, b.statement, b.status, b.label,
  json_extract(b.verdict, '$.rating') AS verdict, json_extract(b.verdict, '$.basis') AS verdict_basis,
  (SELECT group_concat(p.key || ': ' || p.value, '; ') FROM json_each(b.parties) AS p) AS party_stances,
  (SELECT group_concat(s.key || ': ' || s.value, '; ') FROM json_each(b.sources) AS s) AS source_stances,
  f.occurred_at, f.tags,
  b.statement_count, b.standing_count, b.withdrawn_count,
  b.updated_seq, e.recorded_at AS updated_at,
  b.parties, b.sources,
  b.independent_assertions, b.chains
FROM beliefs AS b
LEFT JOIN facts AS f ON f.id = b.fact
LEFT JOIN events AS e ON e.seq = b.updated_seq
ORDER BY b.fact""",
    "party_stances_view": """
SELECT b.fact, p.key AS party, p.value AS stance, b.status, b.statement
FROM beliefs AS b, json_each(b.parties) AS p
ORDER BY b.fact""",
    "stances_view": """
SELECT
  st.fact, b.statement, b.status,
  st.source, so.name AS source_name, so.kind AS source_kind, so.reliability,
  CASE WHEN so.kind = 'official' THEN so.party END AS speaks_for,
  st.stance, st.type, st.observed_at, st.quote, st.url,
  json_extract(e.data, '$.credibility') AS credibility,
  json_extract(e.data, '$.note') AS note,
  json_extract(e.data, '$.cites') AS cites,
  json_extract(b.chains, '$."' || st.source || '"') AS chain,
  st.event_id, e.seq
FROM stances AS st
LEFT JOIN beliefs AS b ON b.fact = st.fact
LEFT JOIN sources AS so ON so.id = st.source
LEFT JOIN events AS e ON e.id = st.event_id
ORDER BY st.fact, st.source""",
}


def create_views(conn: sqlite3.Connection) -> None:
    """(Re-)create every view; the caller holds the write transaction."""
    for name, select in VIEWS.items():
        conn.execute(f"DROP VIEW IF EXISTS {name}")
        conn.execute(f"CREATE VIEW {name} AS {select.strip()}")

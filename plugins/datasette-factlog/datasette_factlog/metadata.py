"""The Datasette metadata of a factlog log: what each table and column holds, the facets worth clicking, and the
canned queries a desk asks every day. Plain data: ``python -m datasette_factlog`` prints it as JSON for people
who would rather pass ``--metadata`` than install the plugin."""

from __future__ import annotations

from typing import Any

SAID = "claim, confirm, deny or decline"

EVENT_COLUMNS = {
    "seq": "Position in this log (1, 2, 3 …); the hash chain runs in this order.",
    "id": "The event's id (UUIDv7), the same in every log it is merged into.",
    "type": "source-registered, fact-opened, fact-reworded, claim, confirm, deny, decline or retract.",
    "observed_at": "Valid time: when the source said it (--at), or when the event was recorded.",
    "recorded_at": "Transaction time: when the event was written to a log (UTC).",
    "recorded_by": "The analyst who recorded it ($FACTLOG_USER, else the login).",
    "fact": "The fact the event is about, if any.",
    "source": "The source that spoke, or was registered.",
    "target": "For a retraction: the id of the statement it withdraws.",
    "data": "The event's payload as stored (JSON); the hash covers it.",
    "prev_hash": "The hash of the event at seq - 1.",
    "hash": "sha256 over prev_hash, seq and the stored content: factlog verify recomputes it.",
    "version": "The version of the event's schema.",
    "statement": "For fact-opened and fact-reworded: the proposition, as worded.",
    "quote": "What the source said, word for word.",
    "url": "Where it was said.",
    "credibility": "The analyst's credibility grade of the statement, 1 (confirmed) to 6 (cannot be judged).",
    "note": "The analyst's note.",
    "cites": "For a statement: the source it attributes its words to (--cites), if any.",
    "reason": "For a retraction or a rewording: the reason given.",
    "name": "For source-registered: the source's name.",
    "kind": "For source-registered: official, journalist, agency, media, witness, anonymous, document or other.",
    "party": "For source-registered: the party the source belongs to.",
    "reliability": "For source-registered: Admiralty reliability, A (reliable) to F (cannot be judged).",
    "occurred_at": "For fact-opened: when the event itself took place.",
    "parties": "For fact-opened: the parties whose stance is tracked (JSON list).",
    "tags": "For fact-opened: tags (JSON list).",
}

INDEPENDENT = ("Independent assertions: how many distinct origins the standing assertions have once each "
               "citation is followed (four outlets citing one ministry are one).")
CHAINS = "Origin chains (JSON): each standing statement that cites a source -> [speaker, cited, ..., origin]."

STATUS = ("What is believed: confirmed, claimed, denied, disputed, retracted or open "
          "(factlog's README, 'How beliefs are computed').")

TABLES: dict[str, dict[str, Any]] = {
    "event_log": {
        "description": "The log, one row per event, its JSON payload spread into columns. Search finds events "
                       "by their statements, quotes, notes and retraction reasons.",
        "columns": EVENT_COLUMNS,
        "facets": ["type", "source", "fact", "recorded_by"],
        "sort_desc": "seq",
    },
    "events": {
        "description": "The log as stored: immutable, hash-chained events (triggers refuse UPDATE and DELETE). "
                       "event_log shows the same rows with the payload as columns.",
        "columns": {k: v for k, v in EVENT_COLUMNS.items() if k in (
            "seq", "id", "type", "observed_at", "recorded_at", "recorded_by", "fact", "source", "target", "data",
            "prev_hash", "hash", "version")},
        "facets": ["type", "source", "recorded_by"],
        "sort_desc": "seq",
    },
    "beliefs_view": {
        "description": "What is believed about each fact now: status, the one-line label, each party's stance "
                       "and each source's standing stance. Search finds facts by their statement or by anything "
                       "said about them.",
        "columns": {
            "fact": "The fact's id.",
            "statement": "The proposition, as last worded.",
            "status": STATUS,
            "label": "The status read out in one line: who claims, confirms, denies, declines or stays silent.",
            "verdict": "The analyst's standing verdict (factlog verdict): true, mostly-true, mixed, mostly-false,"
                       " false or unproven; empty when none was given. It never changes status or label.",
            "verdict_basis": "What the verdict rests on, in the analyst's words.",
            "party_stances": "Each tracked party's stance: confirmed, denied, split, declined or unconfirmed.",
            "source_stances": "Each source's standing stance: asserts, denies or declines.",
            "occurred_at": "When the event itself took place, if known.",
            "tags": "Tags (JSON list).",
            "statement_count": f"Statements ({SAID}) made about the fact.",
            "standing_count": "Statements still standing (each source's latest, not withdrawn).",
            "withdrawn_count": "Statements withdrawn by a retraction.",
            "updated_seq": "The seq of the last event that touched the fact.",
            "updated_at": "When that event was recorded.",
            "parties": "Party stances (JSON).",
            "sources": "Source stances (JSON).",
            "independent_assertions": INDEPENDENT,
            "chains": CHAINS,
        },
        "facets": ["status", "verdict", "independent_assertions"],
        "label_column": "statement",
    },
    "beliefs": {
        "description": "The projection behind beliefs_view (rebuilt from the events by factlog rebuild).",
        "columns": {"status": STATUS, "parties": "Party stances (JSON).", "sources": "Source stances (JSON).",
                    "verdict": "The standing verdict (JSON: rating, value 1-5, basis, at, event, seq), or null.",
                    "independent_assertions": INDEPENDENT, "chains": CHAINS},
        "facets": ["status"],
        "label_column": "statement",
    },
    "stances_view": {
        "description": "Each source's standing statement on each fact, with who the source is and whom it "
                       "speaks for. Search finds the statements by their quote or note.",
        "columns": {
            "status": STATUS,
            "source_kind": "official, journalist, agency, media, witness, anonymous, document or other.",
            "reliability": "Admiralty reliability of the source, A (reliable) to F (cannot be judged).",
            "speaks_for": "The party an official source speaks for; others speak for themselves.",
            "stance": "asserts (claim, confirm), denies (deny) or declines (decline).",
            "type": SAID,
            "observed_at": "When the source said it.",
            "credibility": "The analyst's credibility grade, 1 to 6.",
            "event_id": "The statement's event id.",
            "cites": "The source the statement attributes its words to (--cites), if any.",
            "chain": "Its origin chain (JSON list): the speaker, whom it cites, whom that one cites … the origin.",
        },
        "facets": ["stance", "source_kind", "speaks_for", "status", "reliability"],
    },
    "party_stances_view": {
        "description": "One row per fact and tracked party: the party's stance, from its official sources only.",
        "columns": {
            "stance": "confirmed (its officials assert), denied, split, declined (only decline) or unconfirmed "
                      "(silent).",
            "status": STATUS,
        },
        "facets": ["party", "stance", "status"],
    },
    "sources": {
        "description": "Who speaks: each registered source.",
        "columns": {
            "kind": "official, journalist, agency, media, witness, anonymous, document or other. Only an "
                    "official source speaks for its party.",
            "party": "The party the source belongs to.",
            "reliability": "Admiralty reliability, A (reliable) to F (cannot be judged).",
            "seq": "The seq of the event that registered it.",
        },
        "facets": ["kind", "party", "reliability"],
        "label_column": "name",
    },
    "facts": {
        "description": "The propositions tracked, each with the parties whose stance is followed.",
        "columns": {"parties": "Parties whose stance is tracked (JSON list).", "tags": "Tags (JSON list).",
                    "opened_seq": "The seq of the fact-opened event."},
        "facets": [{"array": "parties"}, {"array": "tags"}],
        "label_column": "statement",
    },
    "stances": {
        "description": "The projection behind stances_view: each source's standing statement per fact.",
        "facets": ["stance", "type", "source"],
    },
    "search_index": {
        "description": "Full-text index (FTS5) of statements, quotes, notes and retraction reasons, kept in step "
                       "with every append.",
        "facets": ["field", "type", "source"],
    },
    "projection_state": {"hidden": True},
    "_sqlite_migrations": {"hidden": True},
}

QUERIES: dict[str, dict[str, Any]] = {
    "changed_this_week": {
        "title": "What changed this week",
        "description": "Events recorded in the last 7 days (or since the time given, ISO 8601 UTC), newest "
                       "first, with each fact's status now.",
        "sql": """select e.seq, e.recorded_at, e.type, e.fact, e.source, s.name as source_name,
  json_extract(e.data, '$.quote') as quote, json_extract(e.data, '$.reason') as reason,
  b.status as status_now, b.label as label_now
from events as e
left join sources as s on s.id = e.source
left join beliefs as b on b.fact = e.fact
where e.recorded_at >= coalesce(nullif(:since, ''), strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days'))
order by e.seq desc""",
    },
    "unconfirmed_by_party": {
        "title": "Facts unconfirmed by a party",
        "description": "Facts on which a tracked party's officials have said nothing (leave party blank for all "
                       "parties).",
        "sql": """select p.party, p.fact, p.statement, p.status, b.label
from party_stances_view as p
join beliefs as b on b.fact = p.fact
where p.stance = 'unconfirmed' and (coalesce(:party, '') = '' or p.party = :party)
order by p.party, p.fact""",
    },
    "sources_by_reliability": {
        "title": "Sources by reliability",
        "description": "Every source, most reliable first (Admiralty A to F, then ungraded), with how often it "
                       f"spoke ({SAID}) and how many of its statements stand or were withdrawn.",
        # one pass over the events per count, not one per source: 0.2 s instead of 0.5 s at 100,000 events
        "sql": """with said as (
  select source, count(*) as n from events
  where type in ('claim', 'confirm', 'deny', 'decline') group by source
), standing as (
  select source, count(*) as n from stances group by source
), withdrawn as (
  select e.source, count(*) as n from events as r join events as e on e.id = r.target
  where r.type = 'retract' group by e.source
)
select s.reliability, s.id as source, s.name, s.kind, s.party, coalesce(said.n, 0) as statements,
  coalesce(standing.n, 0) as standing, coalesce(withdrawn.n, 0) as withdrawn
from sources as s
left join said on said.source = s.id
left join standing on standing.source = s.id
left join withdrawn on withdrawn.source = s.id
order by s.reliability is null, s.reliability, s.name""",
    },
    "search_said": {
        "title": "Search what was said",
        "description": "The best 500 statements, quotes, notes and retraction reasons matching an FTS5 query "
                       "(words, \"phrases\", OR, NOT, prefix*).",
        # ranked inside the index, then joined: FTS5 stops at the best 500 (0.1 s, not 0.9 s, for a word
        # found 30,000 times in 100,000 events)
        "sql": """select s.fact, b.status, s.source, s.type, s.field, s.snippet, s.seq, s.event_id
from (
  select fact, source, type, field, seq, event_id, rank,
    snippet(search_index, 0, '[', ']', '…', 16) as snippet
  from search_index where search_index match :query order by rank limit 500
) as s
left join beliefs as b on b.fact = s.fact
order by s.rank, s.seq""",
    },
}

# Which key of each table the search box matches against the index: an event, a fact, or a statement's event.
SEARCH_KEYS = {
    "event_log": ("id", "event_id"),
    "events": ("id", "event_id"),
    "beliefs_view": ("fact", "fact"),
    "beliefs": ("fact", "fact"),
    "facts": ("id", "fact"),
    "party_stances_view": ("fact", "fact"),
    "stances_view": ("event_id", "event_id"),
    "stances": ("event_id", "event_id"),
}


def database_metadata(title: str | None = None) -> dict[str, Any]:
    """The metadata of one factlog database, as under ``databases: {NAME: ...}`` in a metadata file."""
    about = {
        "description": "A factlog log: who claimed, confirmed, denied or declined what, and what is believed. "
                       "Events are the record; the other tables are projections of them. Search boxes find "
                       "statements and quotes.",
        "tables": TABLES,
        "queries": QUERIES,
    }
    if title:
        about["title"] = title
    return about

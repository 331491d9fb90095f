"""Cited-source chains (DESIGN "cites"): where each standing statement of a fact comes from.

A statement that cites another source attributes its words to it. The origin of a standing statement follows
``cites`` from source to source through their standing statements on the same fact, and stops at a source that
cites no one, at a cited source with no standing statement on the fact (it never spoke directly: it is then the
origin itself), or where the chain comes back to a source already in it (a cycle). The sources of a cycle are
one origin, named by the first of them in id order, so that every member of the cycle reads the same origin
whichever of them the chain starts from. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .state import StatementRecord


def origin_chain(source: str, cites: Mapping[str, str | None]) -> tuple[str, ...]:
    """The chain from ``source``: itself, whom it cites, whom that one cites ... A chain that comes back to a
    source already in it ends with that source a second time, so a reader sees the cycle."""
    chain = [source]
    seen = {source}
    cited = cites.get(source)
    while cited is not None:
        chain.append(cited)
        if cited in seen:
            break
        seen.add(cited)
        cited = cites.get(cited)
    return tuple(chain)


def origin_of(chain: tuple[str, ...]) -> str:
    """The origin a chain ends at; for a cycle, the first in id order of the sources that form it."""
    last = chain[-1]
    if chain.index(last) == len(chain) - 1:
        return last
    return min(chain[chain.index(last):])


def citation_chains(standing: Iterable[StatementRecord]) -> dict[str, tuple[str, ...]]:
    """Each standing statement's origin chain, by its source (in the order of ``standing``)."""
    standing = list(standing)
    cites = {record.source: record.cites for record in standing}
    return {record.source: origin_chain(record.source, cites) for record in standing}


def independent_assertions(standing: Iterable[StatementRecord], chains: Mapping[str, tuple[str, ...]]) -> int:
    """The number of distinct origins among the standing assertions: four outlets citing one ministry are one."""
    return len({origin_of(chains[record.source]) for record in standing if record.stance == "asserts"})

"""The appends' cache of folded fact states: least recently used out first, never more than its capacity."""

from factlog.beliefs import FactState
from factlog.store.fact_cache import FactStateCache


def state(fact: str, seq: int = 1) -> FactState:
    return FactState(fact, f"Statement of {fact}", opened_seq=seq, updated_seq=seq)


def test_the_least_recently_used_fact_leaves_first():
    cache = FactStateCache(capacity=2)
    cache.put(state("a"))
    cache.put(state("b"))
    assert cache.get("a") is not None  # "a" is now the most recently used
    cache.put(state("c"))
    assert len(cache) == 2
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None


def test_a_newer_state_replaces_the_older_one_and_clear_forgets_all():
    cache = FactStateCache(capacity=2)
    cache.put(state("a", 1))
    cache.put(state("a", 7))
    assert len(cache) == 1 and cache.get("a").updated_seq == 7
    cache.put(state("b"))
    cache.clear()
    assert len(cache) == 0 and cache.get("a") is None and cache.get("b") is None

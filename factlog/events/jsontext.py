"""JSON text: the canonical spelling that hashes and exports rely on, and strict parsing.

The canonical spelling is the standard library encoder's (sorted keys, no spaces, text as it is). orjson writes
the same bytes for everything but floats (``1e+16`` against ``1e16``), at a fifth of the cost: a value that
holds no float goes through orjson, any other through ``json`` (a property test holds the two to the same bytes).
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

# One encoder, shared: JSONEncoder.encode keeps no state between calls (it builds its cycle markers afresh each
# call), so sharing it across calls and threads is safe.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """One spelling per value, so that hashes and exports are byte-identical across runs."""
    try:
        if _floatless(value):
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except (TypeError, RecursionError):  # a lone surrogate, an integer beyond 64 bits, a key that is not text,
        pass  # a cycle: json's words for it
    return _CANONICAL.encode(value)


def _floatless(value: Any) -> bool:
    """Whether ``value`` is JSON of text, integers, booleans and nulls only (no float, nothing else)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        return all(map(_floatless, value.values()))
    if kind is list or kind is tuple:
        return all(map(_floatless, value))
    return False


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"number {text} is out of range")
    return number


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice")
        result[key] = value
    return result


# json's decoder, refusing NaN, Infinity, out-of-range numbers and a key given twice in one object.
STRICT_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float,
                                  object_pairs_hook=_unique_keys)


def strict_json_loads(text: str | bytes) -> Any:
    """json.loads that refuses NaN, Infinity, out-of-range numbers and a key given twice in one object."""
    return STRICT_DECODER.decode(text.decode("utf-8") if isinstance(text, bytes) else text)

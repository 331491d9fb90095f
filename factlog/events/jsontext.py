"""JSON text: the canonical spelling that hashes and exports rely on, and strict parsing.

The standard library's encoder and decoder through their public API: orjson and msgspec were measured against
them (see the commit that removed the fast twins) and neither spells floats as ``json`` does, so neither can
keep stored hashes byte-identical.
"""

from __future__ import annotations

import json
import math
from typing import Any

# One encoder, shared: JSONEncoder.encode keeps no state between calls (it builds its cycle markers afresh each
# call), so sharing it across calls and threads is safe.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """One spelling per value, so that hashes and exports are byte-identical across runs."""
    return _CANONICAL.encode(value)


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

"""Upcasting: a type's data stored at an old version is brought to the current version on read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidInput
from .model import EVENT_CLASSES


def _fact_opened_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """fact-opened v2 replaced v1's single ``party`` with the list ``parties``."""
    data = dict(data)
    if "parties" in data:  # not a v1 key: refuse it rather than overwrite (and so hide) it
        raise InvalidInput("invalid fact-opened event: version 1 has no 'parties' (that is version 2)")
    party = data.pop("party", None)
    data["parties"] = [party] if party else []
    return data


UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("fact-opened", 1): _fact_opened_v1_to_v2,
}


def upcast(event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring ``data`` stored at ``version`` up to the current version of ``event_type``."""
    current = EVENT_CLASSES[event_type].VERSION
    if version > current:
        raise InvalidInput(f"{event_type} version {version} is newer than this factlog knows ({current}); upgrade")
    while version < current:
        step = UPCASTERS.get((event_type, version))
        if step is None:
            raise InvalidInput(f"no upcast from {event_type} version {version}")
        data = step(data)
        version += 1
    return data

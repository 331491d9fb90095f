"""The log's settings: which keys exist, what values each takes, and the fold of ``setting-changed`` events.

Settings are events so that they travel with the log (``import``, ``push`` and ``pull`` carry them) and have a
history like everything else. No I/O here: the Log folds the events the store gives it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

# The analyst's rating of a fact, on the scale DESIGN gives verdicts (ClaimReview's 1..5; unproven has no number).
RATINGS = {"true": 5, "mostly-true": 4, "mixed": 3, "mostly-false": 2, "false": 1, "unproven": None}
RATING_PREFIX = "claimreview.rating."
_FACT_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

KEYS = {
    "publisher.name": "the organisation that publishes the fact checks (ClaimReview author and publisher)",
    "publisher.url": "the publisher's web site, an http(s) URL",
    "claimreview.url": "the URL of a fact's page, an http(s) URL with {fact} where the fact's id goes",
}
# ``claimreview.rating.FACT`` was the analyst's rating before verdicts (``verdict-given``) existed. Logs that hold
# such settings stay readable (``check`` accepts the key), but nothing reads them any more and a new one is
# refused (``Log.set_setting``): a rating is a verdict now, with its basis and its time.


def check(key: str, value: str | None) -> None:
    """Raise ValueError (one sentence) unless ``value`` may be set for ``key``; None unsets any known key."""
    if rating_fact(key) is None and key not in KEYS:
        raise ValueError(f"unknown setting {key!r}; known: {', '.join(KEYS)}")
    if value is None:
        return
    if not value.strip():
        raise ValueError(f"{key} must not be empty")
    if key in ("publisher.url", "claimreview.url") and not is_web_url(value):
        raise ValueError(f"{key} {value!r} is not an http(s) URL")
    if key == "claimreview.url" and "{fact}" not in value:
        raise ValueError(f"claimreview.url {value!r} has no {{fact}} in it (where the fact's id goes)")
    if rating_fact(key) is not None and value not in RATINGS:
        raise ValueError(f"rating {value!r} is not one of {', '.join(RATINGS)}")


def rating_fact(key: str) -> str | None:
    """The fact a ``claimreview.rating.FACT`` key rates, else None."""
    if not key.startswith(RATING_PREFIX):
        return None
    fact = key[len(RATING_PREFIX):]
    return fact if _FACT_SLUG.fullmatch(fact) else None


def is_web_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and value == value.strip()


def fold(events: Iterable[Any]) -> dict[str, Any]:
    """The latest ``setting-changed`` event of each key, over events in log order, by key; a key whose latest
    event unset it is absent."""
    settings: dict[str, Any] = {}
    for event in events:
        if event.value is None:
            settings.pop(event.key, None)
        else:
            settings[event.key] = event
    return dict(sorted(settings.items()))

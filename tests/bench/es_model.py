"""The benchmark's events as ``eventsourcing`` aggregates: a Source per source, a Fact per fact.

A module of its own because eventsourcing finds event classes again by their import path (their "topic"),
and because it is optional: only the baselines import it.
"""

from __future__ import annotations

import uuid

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

NAMESPACE = uuid.UUID("6f6b8c52-6a0e-4c33-9a57-2d8f0d7b6a11")


class Source(Aggregate):
    @staticmethod
    def create_id(record: dict) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, "source:" + record["data"]["source"])

    @event("Registered")
    def __init__(self, record: dict):
        self.name = record["data"]["name"]


class Fact(Aggregate):
    """Folds what the sources said: each statement stands until it is retracted."""

    @staticmethod
    def create_id(record: dict) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, "fact:" + record["data"]["fact"])

    @event("Opened")
    def __init__(self, record: dict):
        self.statement = record["data"]["statement"]
        self.standing: dict[str, tuple] = {}
        self.withdrawn: list[str] = []

    @event("Reworded")
    def reword(self, record: dict) -> None:
        self.statement = record["data"]["statement"]

    @event("Stated")
    def state(self, record: dict) -> None:
        data = record["data"]
        self.standing[record["id"]] = (data["source"], record["type"], record["observed_at"])

    @event("Judged")
    def judge(self, record: dict) -> None:
        """The analyst's verdict (issue 16): the latest by valid time stands."""
        data = record["data"]
        self.verdict = max(getattr(self, "verdict", None) or ("", ""), (record["observed_at"], data["rating"]))

    @event("Retracted")
    def retract(self, record: dict) -> None:
        self.standing.pop(record["data"]["target"], None)
        self.withdrawn.append(record["data"]["target"])


class Investigation(Application):
    """The application: one SQLite file, the library's defaults otherwise."""

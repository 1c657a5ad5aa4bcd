"""Stores are made per request (`deps.get_commands`); the schema of an aggregate class is
generated once per process. Building a pydantic TypeAdapter per store took most of the
supervision service's CPU under load (py-spy, docs/performance.md)."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from lingban_supervision.groups.domain import Group
from lingban_supervision.inspections.domain import Inspection
from lingban_supervision.store import MongoStore


def test_stores_of_one_aggregate_class_share_its_adapter() -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        "mongodb://127.0.0.1:9", connect=False
    )
    db = client["adapters"]
    first, second = MongoStore(db, "inspections", Inspection), MongoStore(db, "x", Inspection)
    assert first.adapter is second.adapter
    groups: object = MongoStore(db, "groups", Group).adapter
    assert groups is not first.adapter

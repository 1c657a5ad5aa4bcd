"""Storing aggregates: one document each, state and pending events in one write.

`AggregateStore` is the port the use cases talk to; `MongoStore` implements it
and holds every query (tests use a hand-written in-memory fake subclassing the
port). Queries are simple criteria — equal fields, `$in` lists, a region
subtree, lower/upper bounds — that both MongoDB and FerretDB run well.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from lingban_contracts.regions import region_prefix
from lingban_kit.errors import Conflict
from lingban_kit.mongo import Collection, Database, Document
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_fields, with_events
from lingban_supervision.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)
_TRANSIENT = {"pending_events", "correlation_id"}


@dataclass(frozen=True)
class Criteria:
    """What to find: stored fields equal to / in / below / above values, or in a subtree."""

    equal: dict[str, Any] = field(default_factory=dict)
    any_of: dict[str, list[Any]] = field(default_factory=dict)
    below: dict[str, Any] = field(default_factory=dict)  # field < value
    at_least: dict[str, Any] = field(default_factory=dict)  # field >= value
    within: tuple[str, str] | None = None  # (field, region code): field in its subtree

    def matches(self, doc: Document) -> bool:
        """The same rule in Python, for fakes."""
        if any(doc.get(k) != v for k, v in self.equal.items()):
            return False
        if any(doc.get(k) not in v for k, v in self.any_of.items()):
            return False
        if any(doc.get(k) is None or not doc[k] < v for k, v in self.below.items()):
            return False
        if any(doc.get(k) is None or not doc[k] >= v for k, v in self.at_least.items()):
            return False
        if self.within is not None:
            name, code = self.within
            value = doc.get(name)
            return isinstance(value, str) and value.startswith(region_prefix(code))
        return True

    def to_query(self) -> Document:
        query: Document = dict(self.equal)
        for key, values in self.any_of.items():
            query[key] = {"$in": values}
        for key, value in self.below.items():
            query.setdefault(key, {})["$lt"] = value
        for key, value in self.at_least.items():
            query.setdefault(key, {})["$gte"] = value
        if self.within is not None:
            name, code = self.within
            query[name] = {"$regex": f"^{region_prefix(code)}"}
        return query


class AggregateStore(abc.ABC, Generic[A]):
    """The port: add, save against the version read, get, find."""

    def __init__(self, model: type[A]) -> None:
        self.model = model
        self.adapter: TypeAdapter[A] = TypeAdapter(model)

    def to_document(self, aggregate: A) -> Document:
        doc: Document = self.adapter.dump_python(aggregate, mode="json", exclude=_TRANSIENT)
        doc["_id"] = doc.pop("id")
        return doc

    def from_document(self, doc: Document) -> A:
        fields = {k: v for k, v in doc.items() if k not in ("_id", OUTBOX_FIELD, PENDING_FLAG)}
        return self.adapter.validate_python({**fields, "id": doc["_id"]})

    @abc.abstractmethod
    async def add(self, aggregate: A) -> bool:
        """Insert; False (and nothing written) when that id exists already."""

    @abc.abstractmethod
    async def save(self, aggregate: A, expected_version: int) -> None:
        """Store the new state and its events if nobody saved since `expected_version`."""

    @abc.abstractmethod
    async def get(self, aggregate_id: str) -> A | None: ...

    @abc.abstractmethod
    async def find(
        self, criteria: Criteria, *, sort: str = "_id", limit: int = 1000, offset: int = 0
    ) -> list[A]: ...


def changed_meanwhile(expected_version: int) -> Conflict:
    return Conflict(
        message="记录已被他人修改，请刷新后重试",
        message_en="The record was changed by someone else; reload and retry",
        extra={"expected_version": expected_version},
    )


class MongoStore(AggregateStore[A]):
    def __init__(self, db: Database, collection: str, model: type[A]) -> None:
        super().__init__(model)
        self.collection: Collection = db[collection]

    async def add(self, aggregate: A) -> bool:
        doc = self.to_document(aggregate) | outbox_fields(aggregate.pending_events)
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        aggregate.pending_events.clear()
        return True

    async def save(self, aggregate: A, expected_version: int) -> None:
        if not aggregate.pending_events:
            return
        state = self.to_document(aggregate)
        state.pop("_id")
        result = await self.collection.update_one(
            {"_id": aggregate.id, "version": expected_version},
            with_events({"$set": state}, aggregate.pending_events),
        )
        if result.matched_count == 0:
            raise changed_meanwhile(expected_version)
        aggregate.pending_events.clear()

    async def get(self, aggregate_id: str) -> A | None:
        doc = await self.collection.find_one(
            {"_id": aggregate_id}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0}
        )
        return self.from_document(doc) if doc else None

    async def find(
        self, criteria: Criteria, *, sort: str = "_id", limit: int = 1000, offset: int = 0
    ) -> list[A]:
        cursor = (
            self.collection.find(criteria.to_query(), {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
            .sort([(sort, ASCENDING), ("_id", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [self.from_document(d) async for d in cursor]

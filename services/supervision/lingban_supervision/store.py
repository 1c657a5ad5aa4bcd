"""Storing aggregates: one document each, state and pending events in one write.

`AggregateStore` is the port the use cases talk to; `MongoStore` implements it
and holds every query (tests use a hand-written in-memory fake subclassing the
port). Queries are criteria of equalities only — stored fields equal to values,
and a region subtree as an equality on the stored `region_path` — because that
is all FerretDB on PostgreSQL pushes down to an index (`$regex`, `$in`, ranges,
sorts and limits run in Go over every row the equalities select).
"""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from pymongo import ASCENDING

from lingban_kit.errors import Conflict
from lingban_kit.idempotency import insert_new
from lingban_kit.mongo import Collection, Database, Document
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_fields, update_with_events
from lingban_kit.regions import REGION_PATH, within
from lingban_supervision.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)
_TRANSIENT = {"pending_events", "correlation_id"}
# One adapter per aggregate class for the process: building one generates the class's
# whole validation schema (tens of milliseconds of CPU), and stores are made per request.
_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def adapter_for(model: type[A]) -> TypeAdapter[A]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


@dataclass(frozen=True)
class Criteria:
    """What to find: stored fields equal to values, and optionally inside a region subtree.

    Every condition is an equality an index can serve. The region is matched on
    `region_path`, which `Aggregate.query_fields` stores from the aggregate's unit.
    """

    equal: dict[str, Any] = field(default_factory=dict)
    within: str | None = None  # a region code: the document's unit is in its subtree

    def to_query(self) -> Document:
        query: Document = dict(self.equal)
        if self.within is not None:
            query.update(within(self.within))
        return query

    def matches(self, doc: Document) -> bool:
        """The same rule in Python, for fakes (`region_path` is an array: "contains")."""
        for key, value in self.to_query().items():
            stored = doc.get(key)
            if isinstance(stored, list) and key == REGION_PATH:
                if value not in stored:
                    return False
            elif stored != value:
                return False
        return True


class AggregateStore(abc.ABC, Generic[A]):
    """The port: add, save against the version read, get, find."""

    # Where the relay finds the outbox (the kit's `UnitOfWork` wakes it for this name).
    collection_name: str = ""

    def __init__(self, model: type[A]) -> None:
        self.model = model
        self.adapter: TypeAdapter[A] = adapter_for(model)
        self._state_fields = {f.name for f in dataclasses.fields(model)} - _TRANSIENT

    def to_document(self, aggregate: A) -> Document:
        doc: Document = self.adapter.dump_python(aggregate, mode="json", exclude=_TRANSIENT)
        doc["_id"] = doc.pop("id")
        # Derived from the state, so every add and save keeps them right.
        doc.update(aggregate.query_fields())
        return doc

    def from_document(self, doc: Document) -> A:
        # Only the aggregate's own fields: not the outbox nor the derived query fields.
        fields = {k: v for k, v in doc.items() if k in self._state_fields}
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
        self, criteria: Criteria, *, sort: str = "_id", limit: int | None = None, offset: int = 0
    ) -> list[A]:
        """Every match (no cap unless `limit` is given), sorted by `sort` then id."""

    @abc.abstractmethod
    async def fields(self, criteria: Criteria, names: tuple[str, ...]) -> list[Document]:
        """Only the named stored fields (dotted: into a sub-document) of every match.

        For figures over a month of a whole city: the database sends a few small
        fields per record instead of each aggregate with its history (LB-23).
        """


def project(doc: Document, names: tuple[str, ...]) -> Document:
    """The named (dotted) fields of a stored document, as a projection returns them."""
    out: Document = {"_id": doc["_id"]}
    for name in names:
        source: Any = doc
        target = out
        *parents, leaf = name.split(".")
        for part in parents:
            source = source.get(part) if isinstance(source, dict) else None
            target = target.setdefault(part, {})
        if isinstance(source, dict) and leaf in source:
            target[leaf] = source[leaf]
    return out


def changed_meanwhile(expected_version: int) -> Conflict:
    return Conflict(
        message="记录已被他人修改，请刷新后重试",
        message_en="The record was changed by someone else; reload and retry",
        extra={"expected_version": expected_version},
    )


class MongoStore(AggregateStore[A]):
    def __init__(self, db: Database, collection: str, model: type[A]) -> None:
        super().__init__(model)
        self.collection_name = collection
        self.collection: Collection = db[collection]

    async def add(self, aggregate: A) -> bool:
        doc = self.to_document(aggregate) | outbox_fields(aggregate.pending_events)
        # A retried keyed create raises `Replayed` (the kit's unit of work answers it).
        if not await insert_new(self.collection, doc):
            return False
        aggregate.pending_events.clear()
        return True

    async def save(self, aggregate: A, expected_version: int) -> None:
        if not aggregate.pending_events:
            return
        state = self.to_document(aggregate)
        state.pop("_id")
        # 503 when the document's unpublished events would pass the kit's bound (R16).
        saved = await update_with_events(
            self.collection,
            {"_id": aggregate.id, "version": expected_version},
            {"$set": state},
            aggregate.pending_events,
        )
        if not saved:
            raise changed_meanwhile(expected_version)
        aggregate.pending_events.clear()

    async def get(self, aggregate_id: str) -> A | None:
        doc = await self.collection.find_one(
            {"_id": aggregate_id}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0}
        )
        return self.from_document(doc) if doc else None

    async def find(
        self, criteria: Criteria, *, sort: str = "_id", limit: int | None = None, offset: int = 0
    ) -> list[A]:
        cursor = (
            self.collection.find(criteria.to_query(), {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
            .sort([(sort, ASCENDING), ("_id", ASCENDING)])
            .skip(offset)
            .limit(limit or 0)  # 0: no limit
        )
        return [self.from_document(d) async for d in cursor]

    async def fields(self, criteria: Criteria, names: tuple[str, ...]) -> list[Document]:
        cursor = self.collection.find(criteria.to_query(), dict.fromkeys(names, 1))
        return [d async for d in cursor]

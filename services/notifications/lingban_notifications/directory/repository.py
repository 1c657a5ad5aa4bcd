"""Every contact-directory query (collection `contacts`)."""

from __future__ import annotations

import abc
from typing import Any

from pymongo import ASCENDING

from lingban_contracts.regions import region_prefix
from lingban_kit.auth import Principal
from lingban_kit.mongo import Collection, Database, Document
from lingban_notifications.directory.domain import Recipient

CONTACTS = "contacts"


class Directory(abc.ABC):
    @abc.abstractmethod
    async def all(self) -> dict[str, Recipient]: ...

    @abc.abstractmethod
    async def get(self, recipient_id: str) -> Recipient | None: ...

    @abc.abstractmethod
    async def put(self, recipients: list[Recipient]) -> None:
        """Create or replace entries by id."""

    @abc.abstractmethod
    async def readable_ids(self, principal: Principal) -> list[str]:
        """The recipients whose inbox this user reads."""

    @abc.abstractmethod
    async def search(
        self, *, region_code: str, kind: str | None, limit: int, offset: int
    ) -> list[Recipient]: ...


def _to_doc(r: Recipient) -> Document:
    doc = r.model_dump(mode="json")
    doc["_id"] = doc.pop("id")
    return doc


def _from_doc(doc: Document) -> Recipient:
    fields = {k: v for k, v in doc.items() if k != "_id"}
    return Recipient.model_validate({**fields, "id": doc["_id"]})


async def ensure_directory_indexes(db: Database) -> None:
    await db[CONTACTS].create_index([("unit_code", ASCENDING)])
    await db[CONTACTS].create_index([("user_ids", ASCENDING)])


class MongoDirectory(Directory):
    def __init__(self, db: Database) -> None:
        self.collection: Collection = db[CONTACTS]

    async def all(self) -> dict[str, Recipient]:
        return {d["_id"]: _from_doc(d) async for d in self.collection.find({})}

    async def get(self, recipient_id: str) -> Recipient | None:
        doc = await self.collection.find_one({"_id": recipient_id})
        return _from_doc(doc) if doc else None

    async def put(self, recipients: list[Recipient]) -> None:
        for r in recipients:
            await self.collection.replace_one({"_id": r.id}, _to_doc(r), upsert=True)

    async def readable_ids(self, principal: Principal) -> list[str]:
        query = {
            "$or": [
                {"user_ids": principal.id},
                {"unit_code": principal.region_code, "roles": {"$in": list(principal.roles)}},
            ]
        }
        return [d["_id"] async for d in self.collection.find(query, {"_id": 1})]

    async def search(
        self, *, region_code: str, kind: str | None, limit: int, offset: int
    ) -> list[Recipient]:
        query: dict[str, Any] = {"unit_code": {"$regex": f"^{region_prefix(region_code)}"}}
        if kind:
            query["kind"] = kind
        cursor = self.collection.find(query).sort("_id", ASCENDING).skip(offset).limit(limit)
        return [_from_doc(d) async for d in cursor]

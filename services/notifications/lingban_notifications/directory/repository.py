"""Every contact-directory query (collection `contacts`).

Each query is an indexed equality (FerretDB on PostgreSQL pushes down only
top-level scalar equalities; `$or`, `$in` and `$regex` read every contact):
- the inbox mapping asks twice, by `user_ids` (an array: equality means
  "contains") and by `unit_code`, and checks the roles in Go;
- the subtree list asks by `ancestors`, a derived array of the unit's code and
  every level above it, so `{"ancestors": region}` is the whole subtree.

The scheduler, the event notices and the dispatcher need the whole directory
many times a minute. Each replica keeps it in memory (`DirectoryCache`) and
asks the database only whether it changed: every `put` writes a new token to
the `contacts-version` document, read by `_id` at most once per
`recheck_seconds` (not before every event's notices). Reading the token
*before* the contacts, and writing it *after* them, means a copy taken during a
write is stored under the old token and reloaded at the next check. A `put`
through this replica's copy drops it at once; other replicas see the change
within `recheck_seconds`.
"""

from __future__ import annotations

import abc
import uuid
from typing import Any

from pymongo import ASCENDING

from lingban_contracts.regions import region_path
from lingban_kit.auth import Principal
from lingban_kit.migrations import run_once
from lingban_kit.mongo import Collection, Database, Document, upsert_one
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.meta import META
from lingban_notifications.versioned_copy import VersionedCopy

CONTACTS = "contacts"
CONTACTS_VERSION = "contacts-version"
# Derived fields stored next to a recipient (not part of the model).
_DERIVED = ("ancestors",)


class Directory(abc.ABC):
    @abc.abstractmethod
    async def all(self) -> dict[str, Recipient]: ...

    @abc.abstractmethod
    async def get(self, recipient_id: str) -> Recipient | None: ...

    @abc.abstractmethod
    async def put(self, recipients: list[Recipient]) -> None:
        """Create or replace entries by id."""

    @abc.abstractmethod
    async def inboxes(self, principal: Principal) -> tuple[list[str], set[str]]:
        """The recipients whose inbox this user reads, and every entry of the user's unit.

        The second is what the same reads return anyway: it tells which of the unit's
        role inboxes have a directory entry, without asking again per inbox.
        """

    async def readable_ids(self, principal: Principal) -> list[str]:
        """The recipients whose inbox this user reads."""
        return (await self.inboxes(principal))[0]

    @abc.abstractmethod
    async def search(
        self, *, region_code: str, kind: str | None, limit: int, offset: int
    ) -> list[Recipient]: ...


def _to_doc(r: Recipient) -> Document:
    doc = r.model_dump(mode="json")
    doc["_id"] = doc.pop("id")
    doc["ancestors"] = region_path(r.unit_code)
    return doc


def _from_doc(doc: Document) -> Recipient:
    fields = {k: v for k, v in doc.items() if k != "_id" and k not in _DERIVED}
    return Recipient.model_validate({**fields, "id": doc["_id"]})


# ---- the filters (each served by an index below) ---------------------------------
def version_filter() -> Document:
    return {"_id": CONTACTS_VERSION}


def reader_filters(principal: Principal) -> list[Document]:
    """Contacts naming the user, and contacts of the user's unit (roles checked in Go)."""
    return [{"user_ids": principal.id}, {"unit_code": principal.region_code}]


def subtree_filter(region_code: str, kind: str | None) -> Document:
    query: Document = {"ancestors": region_code}
    if kind:
        query["kind"] = kind
    return query


async def ensure_directory_indexes(db: Database) -> None:
    await db[CONTACTS].create_index([("unit_code", ASCENDING)])
    await db[CONTACTS].create_index([("user_ids", ASCENDING)])
    await db[CONTACTS].create_index([("ancestors", ASCENDING), ("kind", ASCENDING)])


async def backfill_ancestors(db: Database) -> None:
    """Contacts stored before `ancestors` existed get it, once per database."""
    await run_once(db, "contact-ancestors-v1", lambda: _backfill_ancestors(db[CONTACTS]))


async def _backfill_ancestors(contacts: Collection) -> int:
    fixed = 0
    missing = {"ancestors": {"$exists": False}}
    async for doc in contacts.find(missing, {"unit_code": 1}):
        # Still missing: a `put` meanwhile wrote the whole entry with it.
        result = await contacts.update_one(
            {"_id": doc["_id"], **missing},
            {"$set": {"ancestors": region_path(doc["unit_code"])}},
        )
        fixed += result.modified_count
    return fixed


class DirectoryCache(VersionedCopy[dict[str, Recipient]]):
    """One replica's copy of the whole directory (`max_age_seconds`: contacts written by
    something other than `put`)."""


class MongoDirectory(Directory):
    def __init__(self, db: Database, cache: DirectoryCache | None = None) -> None:
        self.collection: Collection = db[CONTACTS]
        self.meta: Collection = db[META]
        self.cache = cache

    async def all(self) -> dict[str, Recipient]:
        if self.cache is None:
            return await self._load()
        return dict(await self.cache.get(self._version, self._load))

    async def _load(self) -> dict[str, Recipient]:
        return {d["_id"]: _from_doc(d) async for d in self.collection.find({})}

    async def _version(self) -> Any:
        doc = await self.meta.find_one(version_filter())
        return doc.get("token") if doc else None

    async def get(self, recipient_id: str) -> Recipient | None:
        doc = await self.collection.find_one({"_id": recipient_id})
        return _from_doc(doc) if doc else None

    async def put(self, recipients: list[Recipient]) -> None:
        for r in recipients:
            await self.collection.replace_one({"_id": r.id}, _to_doc(r), upsert=True)
        # After the contacts: every replica's copy is now out of date.
        await upsert_one(self.meta, version_filter(), {"$set": {"token": uuid.uuid4().hex}})
        if self.cache is not None:
            self.cache.drop()

    async def inboxes(self, principal: Principal) -> tuple[list[str], set[str]]:
        by_user, by_unit = reader_filters(principal)
        ids = [d["_id"] async for d in self.collection.find(by_user, {"_id": 1})]
        unit = [d async for d in self.collection.find(by_unit, {"_id": 1, "roles": 1})]
        ids += [d["_id"] for d in unit if any(r in principal.roles for r in d.get("roles", []))]
        return list(dict.fromkeys(ids)), {d["_id"] for d in unit}

    async def search(
        self, *, region_code: str, kind: str | None, limit: int, offset: int
    ) -> list[Recipient]:
        query = subtree_filter(region_code, kind)
        cursor = self.collection.find(query).sort("_id", ASCENDING).skip(offset).limit(limit)
        return [_from_doc(d) async for d in cursor]

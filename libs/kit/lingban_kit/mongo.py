"""MongoDB through PyMongo's async API (the official successor of Motor).

Our code must run on real MongoDB 7/8 and on FerretDB: no multi-document
transactions, no change streams, and aggregation kept to $match/$group/$sort/
$project/$limit/$skip/$count/$unwind.
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

Document = dict[str, Any]
Collection = AsyncCollection[Document]
Database = AsyncDatabase[Document]

DUPLICATE_KEY = 11000


def connect(uri: str) -> AsyncMongoClient[Document]:
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000, appname="lingban")


async def ping(client: AsyncMongoClient[Document]) -> None:
    await client.admin.command("ping")


async def upsert_one(collection: Collection, query: Document, update: Document) -> None:
    """Update the document `query` selects, creating it if none does.

    Two first upserts at once may both insert; the loser's duplicate-key error
    means the document exists now, so its update is simply tried again.
    """
    try:
        await collection.update_one(query, update, upsert=True)
    except DuplicateKeyError:
        await collection.update_one(query, update, upsert=True)


async def insert_new(collection: Collection, docs: list[Document]) -> set[int]:
    """Insert the documents unordered; returns the positions refused because a
    unique key (the `_id`) exists already, as when another replica inserted the
    same document first. Any other write error raises."""
    if not docs:
        return set()
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as failed:
        errors = failed.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        return {int(error["index"]) for error in errors}
    return set()


async def apply_if_newer(
    collection: Collection, doc_id: str, version: int, update: Document
) -> bool:
    """Apply `update` only if the stored version is older than `version`.

    This is how consumers stay idempotent without transactions: a duplicate or
    stale event matches no document, and its upsert collides with the existing
    `_id`, which we read as "already applied". Returns whether it was applied.
    """
    update = dict(update)
    sets = dict(update.get("$set", {}))
    sets["version"] = version
    update["$set"] = sets
    try:
        result = await collection.update_one(
            {"_id": doc_id, "version": {"$lt": version}}, update, upsert=True
        )
    except DuplicateKeyError:
        return False
    return result.modified_count > 0 or result.upserted_id is not None

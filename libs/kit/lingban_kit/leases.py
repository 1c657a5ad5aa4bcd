"""Leases in the database: one holder at a time for singleton background work.

Several replicas of a service may run; the outbox relay and schedulers use a
lease so only one of them works, and another takes over when it dies.
"""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from lingban_kit.mongo import Collection


def holder_id() -> str:
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, collection: Collection, name: str, ttl: timedelta, holder: str) -> None:
        self.collection = collection
        self.name = name
        self.ttl = ttl
        self.holder = holder

    async def acquire(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; False when another live holder has it."""
        now = now or datetime.now(UTC)
        try:
            doc = await self.collection.find_one_and_update(
                {
                    "_id": self.name,
                    "$or": [{"holder": self.holder}, {"expires_at": {"$lt": now}}],
                },
                {"$set": {"holder": self.holder, "expires_at": now + self.ttl}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return False
        return doc is not None and doc.get("holder") == self.holder

    async def release(self) -> None:
        await self.collection.delete_one({"_id": self.name, "holder": self.holder})

"""Leases in the database: one holder at a time for singleton background work.

Several replicas of a service may run; the outbox relay and schedulers use a
lease so only one of them works, and another takes over when it dies.

Expiry is judged on the database's clock, never a replica's (R12): a lease's
`expires_at` is written by one replica and compared with "now" by another, so
with their own clocks a replica running ahead by more than the TTL would take a
live lease (two relays, two schedulers), and a dead holder's lease would stay
"held" for its skew on top of the TTL. MongoDB's `$$NOW` in an update pipeline
would read that clock inside the write, but FerretDB 1.24 implements no pipeline
updates, so the time is read just before the write (`database_time`); the only
error left is that round trip, milliseconds against TTLs of seconds to minutes.
"""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime, timedelta
from time import monotonic

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from lingban_kit.mongo import Collection


def holder_id() -> str:
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


async def database_time(collection: Collection) -> datetime:
    """Now on the database server's clock (`hello`'s localTime, the server the client
    talks to: the primary of a replica set), in UTC."""
    reply = await collection.database.client.admin.command("hello")
    local: datetime = reply["localTime"]
    return local if local.tzinfo is not None else local.replace(tzinfo=UTC)


class Lease:
    def __init__(self, collection: Collection, name: str, ttl: timedelta, holder: str) -> None:
        self.collection = collection
        self.name = name
        self.ttl = ttl
        self.holder = holder
        # When our last successful renewal was sent, on this process's monotonic clock.
        self._renewal_sent: float | None = None

    async def hold(self) -> bool:
        """`acquire`, skipped while this holder's last renewal is recent.

        For a loop that checks the lease before every short cycle (the outbox
        relay cycles after every local write): it then pays the two database round
        trips of a renewal once per third of the TTL, not per cycle. No clocks
        need to agree: the expiry written is the database's time, read after the
        renewal was sent, plus the TTL, so the lease is ours for at least the TTL
        after that moment; a third of it on our own monotonic clock (which also
        counts any time this process stood still) is well inside.
        """
        sent = self._renewal_sent
        if sent is not None and monotonic() - sent < self.ttl.total_seconds() / 3:
            return True
        sending = monotonic()
        held = await self.acquire()
        self._renewal_sent = sending if held else None
        return held

    async def acquire(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; False when another live holder has it.

        `now` is a time on the database's clock (tests pass one to move time on);
        by default the database is asked.
        """
        now = now or await database_time(self.collection)
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
        self._renewal_sent = None
        await self.collection.delete_one({"_id": self.name, "holder": self.holder})

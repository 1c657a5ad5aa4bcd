"""Idempotency guard and leases on the real MongoDB-wire database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from lingban_kit.leases import Lease
from lingban_kit.mongo import Database, apply_if_newer

pytestmark = pytest.mark.integration


async def test_apply_if_newer_ignores_duplicates_and_stale_versions(database: Database) -> None:
    views = database["views"]
    assert await apply_if_newer(views, "p1", 1, {"$set": {"status": "declared"}, "$inc": {"n": 1}})
    assert not await apply_if_newer(views, "p1", 1, {"$set": {"status": "x"}, "$inc": {"n": 1}})
    assert await apply_if_newer(views, "p1", 2, {"$set": {"status": "approved"}, "$inc": {"n": 1}})
    assert not await apply_if_newer(views, "p1", 1, {"$set": {"status": "late"}, "$inc": {"n": 1}})
    doc = await views.find_one({"_id": "p1"})
    assert doc == {"_id": "p1", "status": "approved", "version": 2, "n": 2}


async def test_only_one_holder_has_a_lease_until_it_expires(database: Database) -> None:
    now = datetime.now(UTC)
    a = Lease(database["leases"], "relay", timedelta(seconds=10), "a")
    b = Lease(database["leases"], "relay", timedelta(seconds=10), "b")
    assert await a.acquire(now)
    assert not await b.acquire(now)
    assert await a.acquire(now + timedelta(seconds=5))  # renewal by the holder
    assert not await b.acquire(now + timedelta(seconds=14))
    assert await b.acquire(now + timedelta(seconds=16))  # a stopped renewing
    assert not await a.acquire(now + timedelta(seconds=17))
    await b.release()
    assert await a.acquire(now + timedelta(seconds=18))


async def test_concurrent_writes_to_one_document_are_each_applied(database: Database) -> None:
    """Single-document atomicity: what the outbox, leases and version checks rely on.

    MongoDB guarantees it; FerretDB v1 alone does not (it reads and writes an
    update separately), which is why infra/ferretdb serializes write commands.
    """
    docs = database["atomic"]
    await docs.insert_one({"_id": 1, "a": 0, "b": 0, "outbox": []})

    async def increment(field: str) -> None:
        for _ in range(100):
            await docs.update_one({"_id": 1}, {"$inc": {field: 1}})

    async def push_then_pull() -> None:
        for i in range(50):
            await docs.update_one({"_id": 1}, {"$push": {"outbox": {"i": i}}})
            await docs.update_one({"_id": 1}, {"$pullAll": {"outbox": [{"i": i}]}})

    await asyncio.gather(increment("a"), increment("b"), push_then_pull())
    assert await docs.find_one({"_id": 1}) == {"_id": 1, "a": 100, "b": 100, "outbox": []}

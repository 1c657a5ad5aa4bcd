"""Idempotency guard and leases on the real MongoDB-wire database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from devstack.postgres import POOL_MAX_CONNECTIONS
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


async def test_concurrent_version_checked_upserts_apply_each_version_once(
    database: Database,
) -> None:
    """The consumers' guard under concurrency: many writers, some to one document.

    On FerretDB the serializer lets writes to different documents run side by
    side and holds back only writes to the same one; this is what must hold.
    """
    views = database["views_concurrent"]

    async def deliver(doc_id: str, version: int) -> bool:
        return await apply_if_newer(views, doc_id, version, {"$inc": {"applied": 1}})

    # Each of 3 documents gets versions 1..20 delivered twice, all at once.
    deliveries = [(f"p{d}", v) for _ in range(2) for d in range(3) for v in range(1, 21)]
    outcomes = await asyncio.gather(*(deliver(doc_id, v) for doc_id, v in deliveries))
    applied = [delivery for delivery, ok in zip(deliveries, outcomes, strict=True) if ok]
    assert len(applied) == len(set(applied)), "a version was applied twice"
    for d in range(3):
        doc = await views.find_one({"_id": f"p{d}"})
        assert doc is not None
        assert doc["version"] == 20
        # Every write that reported "applied" was counted, and no other.
        assert doc["applied"] == sum(1 for doc_id, _ in applied if doc_id == f"p{d}")


async def test_concurrent_writes_to_many_documents_are_each_applied(database: Database) -> None:
    docs = database["atomic_many"]
    await docs.insert_many([{"_id": f"d{i}", "n": 0, "outbox": []} for i in range(5)])

    async def work(i: int) -> None:
        for k in range(40):
            await docs.update_one({"_id": f"d{i % 5}"}, {"$inc": {"n": 1}})
            await docs.update_one({"_id": f"d{i % 5}"}, {"$push": {"outbox": {"w": i, "k": k}}})

    async def sweep() -> None:
        # A collection-wide write (no _id in the filter) racing the per-document ones.
        for _ in range(20):
            await docs.update_many({"n": {"$gte": 0}}, {"$inc": {"sweeps": 1}})

    await asyncio.gather(*(work(i) for i in range(10)), sweep())
    for i in range(5):
        doc = await docs.find_one({"_id": f"d{i}"})
        assert doc is not None
        assert doc["n"] == 80
        assert len(doc["outbox"]) == 80
        assert doc["sweeps"] == 20


async def test_an_update_command_of_more_statements_than_the_server_has_connections_completes(
    database: Database,
) -> None:
    """One `update` command of many statements, as the scheduler's refiling and the
    read models' bulk writes send them. FerretDB 1.24 kept each statement's query
    open until the whole command returned: past its PostgreSQL pool (200) the
    command waited for a connection it held itself, and every client with it
    (infra/ferretdb/patches/0002). A wedge fails here after a minute, not never."""
    docs = database["many_statements"]
    count = POOL_MAX_CONNECTIONS + 50
    # String ids and some body, like the subjects the scheduler refiles.
    ids = [f"project-{i}" for i in range(count)]
    await docs.insert_many([{"_id": id_, "slot": None, "body": "x" * 2000} for id_ in ids])
    updates = [{"q": {"_id": id_}, "u": {"$set": {"slot": f"s-{id_}"}}} for id_ in ids]

    command = {"update": docs.name, "updates": updates, "ordered": False}
    result = await asyncio.wait_for(database.command(command), timeout=60)

    assert result["nModified"] == count
    assert not result.get("writeErrors")
    assert await docs.count_documents({"slot": {"$ne": None}}) == count
    # The server still answers others afterwards.
    last = await asyncio.wait_for(docs.find_one({"_id": ids[-1]}, {"slot": 1}), timeout=10)
    assert last == {"_id": ids[-1], "slot": f"s-{ids[-1]}"}

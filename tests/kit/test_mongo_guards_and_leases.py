"""Idempotency guard and leases on the real MongoDB-wire database."""

from __future__ import annotations

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

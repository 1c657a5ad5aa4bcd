"""Leases with a replica whose clock is 10 minutes ahead (R12), on the real database.

A lease's expiry is written by one replica and judged by another. The replica running
ahead is simulated by injecting its clock: the lease module's `datetime` answers 10
minutes late. Expiry is judged on the database's clock, so that replica neither takes
a live lease nor leaves its own "held" for 10 minutes after it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo

import pytest

from lingban_kit import leases
from lingban_kit.leases import Lease, database_time
from lingban_kit.mongo import Database

pytestmark = pytest.mark.integration

SKEW = timedelta(minutes=10)


class _AheadDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _AheadDatetime:
        real = datetime.now(tz)
        ahead = real + SKEW
        return cls.fromtimestamp(ahead.timestamp(), tz)


@contextlib.contextmanager
def clock_ahead(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """While inside: this process is the replica whose clock runs 10 minutes ahead."""
    with monkeypatch.context() as patch:
        patch.setattr(leases, "datetime", _AheadDatetime)
        yield


async def test_the_database_clock_is_the_servers_not_the_replicas(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with clock_ahead(monkeypatch):
        told = await database_time(database["leases"])
    assert told.tzinfo is not None
    assert abs(told - datetime.now(UTC)) < timedelta(minutes=1)


async def test_a_replica_ahead_does_not_take_a_live_lease(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_time = Lease(database["leases"], "relay", timedelta(seconds=30), "on-time")
    ahead = Lease(database["leases"], "relay", timedelta(seconds=30), "ahead")
    assert await on_time.acquire()
    with clock_ahead(monkeypatch):
        assert not await ahead.acquire()  # its clock says the lease ran out 9.5 min ago
    assert await on_time.acquire()  # still the one holder: it renews
    with clock_ahead(monkeypatch):
        assert not await ahead.acquire()


async def test_a_dead_replica_that_ran_ahead_loses_its_lease_after_the_ttl(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ttl = timedelta(seconds=1)
    ahead = Lease(database["leases"], "scheduler", ttl, "ahead")
    on_time = Lease(database["leases"], "scheduler", ttl, "on-time")
    with clock_ahead(monkeypatch):
        assert await ahead.acquire()
    # `ahead` dies (no release). The other replica takes over once the TTL has passed
    # on the database's clock, not after the 10 minutes of skew.
    assert not await on_time.acquire()
    for _ in range(75):  # the TTL is 1 s; give it up to 15 s on a loaded machine
        if await on_time.acquire():
            break
        await asyncio.sleep(0.2)
    else:
        pytest.fail("the lease of a dead replica that ran ahead was never free again")
    doc = await database["leases"].find_one({"_id": "scheduler"})
    assert doc is not None
    assert doc["holder"] == "on-time"

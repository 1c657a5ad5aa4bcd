"""Two replicas of each service while secretaries work (issue 15): one of them killed,
or one whose clock runs 10 minutes ahead.

Each second replica is a process of its own on the same database and in the same
consumer group, as a second pod is; the workload sends its requests round both
projects replicas, the way a load balancer would.

- One of two killed (kill -9, each service in turn, the first replica, which holds
  the relay lease and the periodic leases): the survivor takes the relay lease once
  the dead holder's lapses, the consumer groups rebalance the dead one's partitions
  to it, and everything the dead one had accepted still goes out.
- Replicas whose clocks run 10 minutes ahead next to normal ones: the killed first
  replicas start again under libfaketime (devstack.faketime), which moves only their
  process's wall clock — every way Python reads it, so the kit's Clock, token and
  event times, log times — not the database's. Leases and delivery claims are judged
  on the database's clock (R12), so they take no live lease (watched on every
  service's leases throughout) and no notice or SMS goes out twice.

Afterwards the usual checks, read through the replicas still running.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from devstack.faketime import clock_ahead_env
from lingban_kit.leases import database_time
from tests.faults.checks import assert_nothing_lost_or_doubled, eventually, record_recovery
from tests.faults.conftest import REPLICAS, SPECS, Platform
from tests.faults.records import dead_letter_marks, dead_letters_since
from tests.faults.workload import stream_until

pytestmark = pytest.mark.integration

ORDER = ("projects", "notifications", "reporting", "supervision")
CLOCK_AHEAD_SECONDS = 600
CLOCK_SKEW_STREAM_SECONDS = 20.0
LEASE_SAMPLE_SECONDS = 0.5
# The services with an outbox, so a relay and its lease (reporting publishes nothing).
RELAYING = ("projects", "supervision", "notifications")


async def assert_nothing_dead_lettered(p: Platform, marks: Any) -> None:
    found = await dead_letters_since(p.infra, marks)
    assert all(not per_record for per_record in found.values()), found


async def test_one_of_two_replicas_killed(platform: Platform, contacts_stored: None) -> None:
    p, rng = platform, random.Random()
    marks = await dead_letter_marks(p.infra)
    survivors = await p.start_replicas(REPLICAS)

    async def kill_the_first_of_each() -> None:
        for name in ORDER:
            await asyncio.sleep(rng.uniform(1.0, 4.0))
            await p.kill(name)  # not restarted: the survivor carries on alone

    async with httpx.AsyncClient(timeout=60) as http:
        results = await stream_until(
            http, p.all_urls("projects"), asyncio.create_task(kill_the_first_of_each())
        )
        for spec in SPECS:  # the first replicas are dead, the checks read the second ones
            with pytest.raises(httpx.ConnectError):
                await http.get(f"{p.urls[spec.name]}/readyz")
        record_recovery(
            "one of two replicas killed",
            await assert_nothing_lost_or_doubled(http, p.served_by(survivors), results),
        )
    await assert_nothing_dead_lettered(p, marks)


@dataclass(frozen=True)
class Taken:
    """A lease that changed hands while its holder's term had not run out."""

    service: str
    lease: str
    from_holder: str
    expires_at: datetime
    to_holder: str
    at: datetime


async def watch_leases(p: Platform, until: asyncio.Event) -> list[Taken]:
    """Every lease of every service, sampled until `until`: each time one changed
    holder although the previous holder's term was still running on the database's
    clock (a live lease taken)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(p.infra.mongodb_uri, tz_aware=True)
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    taken: list[Taken] = []
    try:
        while not until.is_set():
            for spec in SPECS:
                leases = client[p.env[f"{spec.env_prefix}MONGODB_DATABASE"]]["leases"]
                docs = await leases.find().to_list(None)
                now = await database_time(leases)
                for doc in docs:
                    key = (spec.name, str(doc["_id"]))
                    before = seen.get(key)
                    if (
                        before is not None
                        and before["holder"] != doc["holder"]
                        and before["expires_at"] > now
                    ):
                        taken.append(
                            Taken(*key, before["holder"], before["expires_at"], doc["holder"], now)
                        )
                    seen[key] = doc
            await asyncio.sleep(LEASE_SAMPLE_SECONDS)
    finally:
        await client.close()
    return taken


async def relay_leases(p: Platform) -> dict[str, tuple[dict[str, Any] | None, datetime]]:
    """Each relay's lease, and the database's time when it was read."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(p.infra.mongodb_uri, tz_aware=True)
    found: dict[str, tuple[dict[str, Any] | None, datetime]] = {}
    try:
        for name in RELAYING:
            leases = client[p.env[f"LINGBAN_{name.upper()}_MONGODB_DATABASE"]]["leases"]
            lease = await leases.find_one({"_id": f"{name}:outbox-relay"})
            found[name] = (lease, await database_time(leases))
    finally:
        await client.close()
    return found


async def relay_leases_held(p: Platform) -> bool:
    """Whether every relay's lease is held by a live holder now."""
    return all(
        lease is not None and lease["expires_at"] > now
        for lease, now in (await relay_leases(p)).values()
    )


async def test_a_replica_with_its_clock_ten_minutes_ahead(
    platform: Platform, contacts_stored: None
) -> None:
    """The first replicas (killed above, or stopped here) start again with their clocks
    10 minutes ahead, next to the second ones, whose clocks are right."""
    p = platform
    marks = await dead_letter_marks(p.infra)
    normal = await p.start_replicas(REPLICAS)  # already running after the test above
    await p.stop(SPECS)  # already dead after the test above
    # The normal replicas hold the leases when the ones ahead arrive.
    assert await eventually(lambda: relay_leases_held(p), 60), await relay_leases(p)
    done = asyncio.Event()
    watching = asyncio.create_task(watch_leases(p, done))
    await p.restart_dead(clock_ahead_env(CLOCK_AHEAD_SECONDS))

    async with httpx.AsyncClient(timeout=60) as http:
        # The clock is really ahead in those processes: what they say the time is.
        ahead = await http.get(f"{p.urls['projects']}/readyz")
        right = await http.get(f"{normal['projects']}/readyz")
        skew = parsedate_to_datetime(ahead.headers["date"]) - parsedate_to_datetime(
            right.headers["date"]
        )
        assert CLOCK_AHEAD_SECONDS - 5 <= skew.total_seconds() <= CLOCK_AHEAD_SECONDS + 5, skew

        results = await stream_until(
            http,
            p.all_urls("projects"),
            asyncio.create_task(asyncio.sleep(CLOCK_SKEW_STREAM_SECONDS)),
        )
        record_recovery(
            "a replica with its clock 10 minutes ahead",
            await assert_nothing_lost_or_doubled(http, p, results, no_resend=True),
        )
    done.set()
    assert await watching == []
    await assert_nothing_dead_lettered(p, marks)

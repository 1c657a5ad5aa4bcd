"""The broker and the database fail while secretaries work (issue 15): killed and
restarted, or frozen for 30 s. Afterwards every read model and channel matches the
owning service exactly once, no event was dead-lettered (an outage is waited out, not
taken for poison), and every consumer group has read to the end.

One platform for the module: each fault starts from where the last one left off, the
way a real deployment lives through them one after another.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.faults.checks import assert_nothing_lost_or_doubled, dead_lettered, record_recovery
from tests.faults.conftest import Platform
from tests.faults.workload import stream_until

pytestmark = pytest.mark.integration

OUTAGE_SECONDS = 10.0
FREEZE_SECONDS = 30.0


async def _survives(p: Platform, fault: asyncio.Task[None], name: str) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        results = await stream_until(http, p.urls["projects"], fault)
        record_recovery(name, await assert_nothing_lost_or_doubled(http, p, results))
        assert await dead_lettered(http, p) == 0


async def test_the_broker_killed_and_restarted(platform: Platform, contacts_stored: None) -> None:
    async def fault() -> None:
        await asyncio.sleep(2.0)
        await platform.kill_broker()
        await asyncio.sleep(OUTAGE_SECONDS)  # commands keep landing in the outboxes
        await platform.restart_servers()

    await _survives(platform, asyncio.create_task(fault()), "broker killed and restarted")


async def test_the_database_killed_and_restarted(platform: Platform, contacts_stored: None) -> None:
    async def fault() -> None:
        await asyncio.sleep(2.0)
        await platform.kill_database()
        await asyncio.sleep(OUTAGE_SECONDS)
        await platform.restart_servers()

    await _survives(platform, asyncio.create_task(fault()), "database killed and restarted")


async def test_the_database_frozen_for_30_seconds(
    platform: Platform, contacts_stored: None
) -> None:
    async def fault() -> None:
        await asyncio.sleep(2.0)
        async with platform.frozen_database():
            await asyncio.sleep(FREEZE_SECONDS)

    await _survives(platform, asyncio.create_task(fault()), "database frozen for 30 s")

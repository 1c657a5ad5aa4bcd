"""Leased periodic jobs on the real database: one replica works, a failure is retried."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sized
from typing import Any, cast

import pytest

from lingban_kit.mongo import Database
from lingban_kit.periodic import leased_loop
from lingban_kit.runtime import ServiceRuntime

pytestmark = pytest.mark.integration


class Replica:
    """What the loop uses of a ServiceRuntime."""

    def __init__(self, db: Database, holder: str) -> None:
        self.db = db
        self.service = "kit-test"
        self.holder = holder
        self.woken = 0

    def wake_relay(self) -> None:
        self.woken += 1


async def test_only_the_lease_holder_runs_the_job(database: Database) -> None:
    runs: list[str] = []

    async def job(runtime: ServiceRuntime) -> Mapping[str, Sized]:
        runs.append(runtime.holder)
        return {"done": [runtime.holder]}

    loop = leased_loop("job", lambda runtime: 0.1, job)
    replicas = [Replica(database, "a"), Replica(database, "b")]
    tasks = [asyncio.create_task(loop(cast(ServiceRuntime, r))) for r in replicas]
    await asyncio.sleep(1.0)
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert len(runs) >= 3
    assert len(set(runs)) == 1  # the other replica never ran it
    [holder] = set(runs)
    assert next(r for r in replicas if r.holder == holder).woken == len(runs)
    lease = await database["leases"].find_one({"_id": "kit-test:job"})
    assert lease is not None
    assert lease["holder"] == holder


async def test_a_failing_run_is_retried_at_the_next_interval(database: Database) -> None:
    attempts: list[Any] = []

    async def job(runtime: ServiceRuntime) -> Mapping[str, Sized]:
        attempts.append(runtime.holder)
        if len(attempts) == 1:
            raise RuntimeError("database hiccup")
        return {}

    task = asyncio.create_task(
        leased_loop("flaky", lambda runtime: 0.1, job)(cast(ServiceRuntime, Replica(database, "a")))
    )
    await asyncio.sleep(0.5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert len(attempts) >= 2  # the loop survived the failure

"""Leased periodic jobs on the real database: one replica works, a failure is retried
soon, and a stopping replica hands the job over at once (R9)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sized
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from lingban_kit import periodic
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
    # Stopped cleanly, the holder released the lease for the next replica.
    assert await database["leases"].find_one({"_id": "kit-test:job"}) is None


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


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_a_failed_run_is_retried_after_a_short_pause_not_a_whole_interval(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(periodic, "RETRY_FIRST_SECONDS", 0.05)
    second_attempt = asyncio.Event()
    attempts = 0

    async def job(runtime: ServiceRuntime) -> Mapping[str, Sized]:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("database hiccup")
        second_attempt.set()
        return {}

    replica = Replica(database, "a")
    task = asyncio.create_task(
        leased_loop("daily", lambda runtime: 3600, job)(cast(ServiceRuntime, replica))
    )
    try:
        await asyncio.wait_for(second_attempt.wait(), 10)  # an hour-long interval, retried in ms
    finally:
        await _stop(task)
    assert attempts == 2


async def test_a_stopping_replica_hands_the_job_over_and_a_run_is_not_repeated_early(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(periodic, "LEASE_SECONDS", 1.5)  # replicas look every 0.5 s
    runs: list[str] = []
    ran = asyncio.Event()

    async def job(runtime: ServiceRuntime) -> Mapping[str, Sized]:
        runs.append(runtime.holder)
        ran.set()
        return {}

    loop = leased_loop("hourly", lambda runtime: 3600, job)
    first = asyncio.create_task(loop(cast(ServiceRuntime, Replica(database, "a"))))
    await asyncio.wait_for(ran.wait(), 10)
    # The run is recorded just after the job returns; stop a once it is.
    for _ in range(200):
        if await database["periodic_runs"].find_one({"_id": "kit-test:hourly"}):
            break
        await asyncio.sleep(0.05)
    await _stop(first)  # a rolling deploy: the replica stops cleanly
    assert await database["leases"].find_one({"_id": "kit-test:hourly"}) is None

    ran.clear()
    second = asyncio.create_task(loop(cast(ServiceRuntime, Replica(database, "b"))))
    try:
        # b takes the lease at once (no waiting out a two-hour lease) ...
        for _ in range(200):
            lease = await database["leases"].find_one({"_id": "kit-test:hourly"})
            if lease is not None:
                break
            await asyncio.sleep(0.05)
        assert lease is not None
        assert lease["holder"] == "b"
        # ... but does not run again: the last run succeeded less than an interval ago.
        assert runs == ["a"]
        # Once the interval has passed since that run, b runs it.
        await database["periodic_runs"].update_one(
            {"_id": "kit-test:hourly"},
            {"$set": {"last_success_at": datetime.now(UTC) - timedelta(hours=2)}},
        )
        await asyncio.wait_for(ran.wait(), 10)
    finally:
        await _stop(second)
    assert runs == ["a", "b"]

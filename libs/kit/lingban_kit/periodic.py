"""Periodic jobs (daily checks, overdue detection) run by one replica at a time.

Every replica runs the loop. A short lease in the database lets one of them
work; whether a run is due is decided by when the last run *succeeded*
(recorded in `periodic_runs`), not by how long a lease lasts. So (R9):
- a restart or a rolling deploy does not pause the job: the stopping replica
  releases its lease, and a crashed one's lease lapses within a minute or two,
  after which the next replica runs at once if a run is due;
- a failed run is retried after a short, growing pause, not a whole interval;
- two runs overlapping (a run longer than the lease) are harmless: the jobs
  are state-based and lose optimistic-concurrency races instead of doubling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sized
from datetime import datetime, timedelta

from lingban_kit.leases import Lease, database_time
from lingban_kit.mongo import Collection
from lingban_kit.retry import backoff_delays
from lingban_kit.runtime import BackgroundLoop, ServiceRuntime

log = logging.getLogger(__name__)

Job = Callable[[ServiceRuntime], Awaitable[Mapping[str, Sized]]]

# How long a replica's claim on the job outlives the replica (a crash, a kill -9).
LEASE_SECONDS = 120.0
# A failed run is retried after 5 s, 10 s, 20 s … but never later than the interval.
RETRY_FIRST_SECONDS = 5.0
RELEASE_TIMEOUT_SECONDS = 5.0


def leased_loop(
    name: str, interval_seconds: Callable[[ServiceRuntime], float], job: Job
) -> BackgroundLoop:
    """A background loop running `job` every interval under the lease `<service>:<name>`.

    `job` returns what it did by kind (e.g. ids of stages found overdue); the
    counts are logged. Events it wrote are published at once (the relay is woken).
    """

    async def loop(runtime: ServiceRuntime) -> None:
        interval = interval_seconds(runtime)
        key = f"{runtime.service}:{name}"
        lease = Lease(runtime.db["leases"], key, timedelta(seconds=LEASE_SECONDS), runtime.holder)
        runs = runtime.db["periodic_runs"]
        # Look again often enough to renew the lease and to notice a due run.
        tick = min(interval, LEASE_SECONDS / 3)

        retries = backoff_delays(min(RETRY_FIRST_SECONDS, interval), interval)
        try:
            while True:
                pause = tick
                try:
                    if await lease.acquire() and await _due(runs, key, interval):
                        result = await job(runtime)
                        await runs.update_one(
                            {"_id": key},
                            # The database's clock, as `_due` reads it (R12).
                            {"$set": {"last_success_at": await database_time(runs)}},
                            upsert=True,
                        )
                        runtime.wake_relay()
                        retries = backoff_delays(min(RETRY_FIRST_SECONDS, interval), interval)
                        log.info(f"{name} done", extra={k: len(v) for k, v in result.items()})
                except asyncio.CancelledError:
                    raise
                except Exception:
                    pause = next(retries)
                    log.exception(f"{name} failed; retrying", extra={"retry_in_seconds": pause})
                await asyncio.sleep(pause)
        finally:
            # Hand the job over at once on a clean stop, instead of after the lease lapses.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(lease.release(), RELEASE_TIMEOUT_SECONDS)

    return loop


async def _due(runs: Collection, key: str, interval: float) -> bool:
    last = await runs.find_one({"_id": key})
    if last is None:
        return True
    succeeded: datetime = last["last_success_at"]
    return await database_time(runs) - succeeded >= timedelta(seconds=interval)

"""Periodic jobs (daily checks, overdue detection) run by one replica at a time.

Every replica runs the loop; a lease in the database lets one of them do the
work each interval, and another takes over when it dies (the lease lasts two
intervals). A failed run is logged and retried at the next interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sized
from datetime import timedelta

from lingban_kit.leases import Lease
from lingban_kit.runtime import BackgroundLoop, ServiceRuntime

log = logging.getLogger(__name__)

Job = Callable[[ServiceRuntime], Awaitable[Mapping[str, Sized]]]


def leased_loop(
    name: str, interval_seconds: Callable[[ServiceRuntime], float], job: Job
) -> BackgroundLoop:
    """A background loop running `job` every interval under the lease `<service>:<name>`.

    `job` returns what it did by kind (e.g. ids of stages found overdue); the
    counts are logged. Events it wrote are published at once (the relay is woken).
    """

    async def loop(runtime: ServiceRuntime) -> None:
        interval = interval_seconds(runtime)
        lease = Lease(
            runtime.db["leases"],
            f"{runtime.service}:{name}",
            timedelta(seconds=interval * 2),
            runtime.holder,
        )
        while True:
            try:
                if await lease.acquire():
                    result = await job(runtime)
                    runtime.wake_relay()
                    log.info(f"{name} done", extra={k: len(v) for k, v in result.items()})
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(f"{name} failed; retrying at the next interval")
            await asyncio.sleep(interval)

    return loop

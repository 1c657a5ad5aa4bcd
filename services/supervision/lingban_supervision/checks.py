"""The periodic checks (overdue rectifications), run by one replica at a time and on demand."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from fastapi import APIRouter

from lingban_contracts.divisions import default_tree
from lingban_kit.auth import Role
from lingban_kit.clock import Clock
from lingban_kit.deps import PrincipalDep, RuntimeDep
from lingban_kit.leases import Lease
from lingban_kit.runtime import BackgroundLoop, ServiceRuntime
from lingban_supervision.deps import Commands, CommandsDep
from lingban_supervision.metrics import RECTIFICATIONS_OVERDUE
from lingban_supervision.settings import SupervisionSettings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/operations", tags=["operations"])


@router.post("/checks", summary="Run the periodic checks now (overdue rectifications)")
async def run_now(
    principal: PrincipalDep, commands: CommandsDep, runtime: RuntimeDep
) -> dict[str, list[str]]:
    principal.require_any(Role.CITY_ORG, Role.SUPERVISOR)
    result = await commands.inspections.run_checks()
    RECTIFICATIONS_OVERDUE.inc(len(result["rectifications_overdue"]))
    runtime.wake_relay()
    return result


def checks_loop(clock: Clock) -> BackgroundLoop:
    async def loop(runtime: ServiceRuntime) -> None:
        settings = runtime.settings
        assert isinstance(settings, SupervisionSettings)
        interval = settings.checks_interval_seconds
        lease = Lease(
            runtime.db["leases"],
            "supervision:checks",
            timedelta(seconds=interval * 2),
            runtime.holder,
        )
        commands = Commands(runtime.db, settings, clock, default_tree())
        while True:
            try:
                if await lease.acquire():
                    result = await commands.inspections.run_checks()
                    RECTIFICATIONS_OVERDUE.inc(len(result["rectifications_overdue"]))
                    runtime.wake_relay()
                    log.info("checks done", extra={k: len(v) for k, v in result.items()})
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("checks failed; retrying at the next interval")
            await asyncio.sleep(interval)

    return loop

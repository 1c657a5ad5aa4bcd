"""The daily checks, run by one replica at a time and on demand by operators."""

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
from lingban_projects.deps import CommandsDep
from lingban_projects.projects.repository import MongoProjectRepository
from lingban_projects.projects.service import ProjectCommands
from lingban_projects.settings import ProjectsSettings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/operations", tags=["operations"])


@router.post("/daily-checks", summary="Run the daily checks now (execution start, overdue stages)")
async def run_now(
    principal: PrincipalDep, commands: CommandsDep, runtime: RuntimeDep
) -> dict[str, list[str]]:
    principal.require_any(Role.CITY_ORG)
    principal.require_jurisdiction(principal.region_code)
    result = await commands.run_daily_checks()
    runtime.wake_relay()
    return result


def daily_checks_loop(clock: Clock) -> BackgroundLoop:
    async def loop(runtime: ServiceRuntime) -> None:
        settings = runtime.settings
        assert isinstance(settings, ProjectsSettings)
        interval = settings.daily_checks_interval_seconds
        lease = Lease(
            runtime.db["leases"],
            "projects:daily-checks",
            timedelta(seconds=interval * 2),
            runtime.holder,
        )
        commands = ProjectCommands(
            MongoProjectRepository(runtime.db), default_tree(), clock, settings.categories
        )
        while True:
            try:
                if await lease.acquire():
                    result = await commands.run_daily_checks()
                    runtime.wake_relay()
                    log.info("daily checks done", extra={k: len(v) for k, v in result.items()})
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("daily checks failed; retrying at the next interval")
            await asyncio.sleep(interval)

    return loop

"""The daily checks, run by one replica at a time and on demand by operators."""

from __future__ import annotations

from fastapi import APIRouter

from lingban_contracts.divisions import default_tree
from lingban_kit.auth import require_root_city_org
from lingban_kit.clock import Clock
from lingban_kit.deps import PrincipalDep
from lingban_kit.periodic import leased_loop
from lingban_kit.runtime import BackgroundLoop, ServiceRuntime
from lingban_projects.deps import CommandsDep, TreeDep
from lingban_projects.projects.repository import (
    MongoProjectRepository,
    backfill_first_unflagged_month,
    pack_stored_lists,
)
from lingban_projects.projects.schemas import DailyChecksOut
from lingban_projects.projects.service import ProjectCommands
from lingban_projects.settings import ProjectsSettings

router = APIRouter(prefix="/v1/operations", tags=["operations"])


@router.post("/daily-checks", summary="Run the daily checks now (execution start, overdue stages)")
async def run_now(principal: PrincipalDep, commands: CommandsDep, tree: TreeDep) -> DailyChecksOut:
    # The checks act on every region's projects: only the city_org at the top of the
    # division tree, not a township's (LB-16).
    require_root_city_org(principal, tree)
    result = await commands.run_daily_checks()
    return DailyChecksOut.model_validate(result)


def daily_checks_loop(clock: Clock) -> BackgroundLoop:
    def interval(runtime: ServiceRuntime) -> float:
        settings = runtime.settings
        assert isinstance(settings, ProjectsSettings)
        return settings.daily_checks_interval_seconds

    async def run(runtime: ServiceRuntime) -> dict[str, list[str]]:
        settings = runtime.settings
        assert isinstance(settings, ProjectsSettings)
        commands = ProjectCommands(
            MongoProjectRepository(runtime.db),
            default_tree(),
            clock,
            settings.categories,
            wake_relay=runtime.wake_relay,
        )
        await backfill_first_unflagged_month(runtime.db)  # once: projects stored before it
        await pack_stored_lists(runtime.db)  # once: projects stored with nested lists
        return await commands.run_daily_checks()

    return leased_loop("daily-checks", interval, run)

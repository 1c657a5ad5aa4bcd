"""The periodic checks (overdue rectifications), run by one replica at a time and on demand."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lingban_contracts.divisions import default_tree
from lingban_kit.auth import require_root_city_org
from lingban_kit.clock import Clock
from lingban_kit.deps import PrincipalDep
from lingban_kit.periodic import leased_loop
from lingban_kit.runtime import BackgroundLoop, ServiceRuntime
from lingban_supervision.deps import Commands, CommandsDep
from lingban_supervision.metrics import RECTIFICATIONS_OVERDUE
from lingban_supervision.settings import SupervisionSettings

router = APIRouter(prefix="/v1/operations", tags=["operations"])


class ChecksOut(BaseModel):
    """What one run of the periodic checks found."""

    rectifications_overdue: list[str] = Field(
        description="Ids of rectifications flagged overdue by this run"
    )


@router.post(
    "/checks",
    summary="Run the periodic checks now (overdue rectifications; city organisation department)",
)
async def run_now(principal: PrincipalDep, commands: CommandsDep) -> ChecksOut:
    # The checks flag every region's rectifications: only the city_org at the top of
    # the division tree, not a township's supervisor or city_org (LB-16).
    require_root_city_org(principal, default_tree())
    result = await commands.inspections.run_checks()
    RECTIFICATIONS_OVERDUE.inc(len(result["rectifications_overdue"]))
    return ChecksOut.model_validate(result)


def checks_loop(clock: Clock) -> BackgroundLoop:
    def interval(runtime: ServiceRuntime) -> float:
        settings = runtime.settings
        assert isinstance(settings, SupervisionSettings)
        return settings.checks_interval_seconds

    async def run(runtime: ServiceRuntime) -> dict[str, list[str]]:
        settings = runtime.settings
        assert isinstance(settings, SupervisionSettings)
        commands = Commands(runtime.db, settings, clock, default_tree(), runtime.wake_relay)
        result = await commands.inspections.run_checks()
        RECTIFICATIONS_OVERDUE.inc(len(result["rectifications_overdue"]))
        return result

    return leased_loop("checks", interval, run)

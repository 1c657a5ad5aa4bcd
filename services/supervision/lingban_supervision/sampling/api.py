"""HTTP routes of random draws (随机抽查) and their audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.events.supervision import HALF_MONTH_PATTERN
from lingban_kit.auth import Principal
from lingban_kit.deps import PrincipalDep
from lingban_supervision.access import is_group_side
from lingban_supervision.deps import CommandsDep
from lingban_supervision.sampling.domain import Sample
from lingban_supervision.sampling.schemas import AuditOut, SampleOut

router = APIRouter(prefix="/v1/samples", tags=["random draws"])


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_id: str
    half_month: str = Field(pattern=HALF_MONTH_PATTERN, examples=["2026-03-H1"])
    per_stratum: int = Field(default=1, ge=1, le=50, description="Projects per township × category")
    sealed: bool = Field(
        default=False, description="For unannounced inspections: withhold seed and result"
    )
    # No `seed`: the server draws it (a caller-chosen seed could pick the projects),
    # and `extra="forbid"` answers 422 to a client that still sends one.


def render(sample: Sample, principal: Principal) -> SampleOut:
    return SampleOut.of(
        sample, withheld=sample.sealed and not is_group_side(principal, sample.region_code)
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Draw projects to inspect (server-chosen seed; one draw per group and half month)",
    responses={
        404: {"description": "The group named in the body does not exist"},
        409: {"description": "The group has drawn for this half month already"},
    },
)
async def draw(body: DrawIn, principal: PrincipalDep, commands: CommandsDep) -> SampleOut:
    sample = await commands.samples.draw(
        principal,
        group_id=body.group_id,
        half_month=body.half_month,
        per_stratum=body.per_stratum,
        sealed=body.sealed,
    )
    return render(sample, principal)


@router.get("", summary="The group's draw for a half month (an empty list if none)")
async def of_half_month(
    principal: PrincipalDep,
    commands: CommandsDep,
    group_id: str,
    half_month: Annotated[str, Query(pattern=HALF_MONTH_PATTERN, examples=["2026-03-H1"])],
) -> list[SampleOut]:
    sample = await commands.samples.of_half_month(principal, group_id, half_month)
    return [render(sample, principal)] if sample else []


@router.get("/{sample_id}", summary="Read one draw (seed and result withheld while sealed)")
async def read(sample_id: str, principal: PrincipalDep, commands: CommandsDep) -> SampleOut:
    return render(await commands.samples.load(principal, sample_id), principal)


@router.post(
    "/{sample_id}/disclosure", summary="Disclose a sealed draw once its inspections are recorded"
)
async def disclose(sample_id: str, principal: PrincipalDep, commands: CommandsDep) -> SampleOut:
    sample = await commands.samples.disclose(principal, sample_id)
    return render(sample, principal)


@router.get("/{sample_id}/audit", summary="Re-draw from the recorded seed and pool and compare")
async def audit(sample_id: str, principal: PrincipalDep, commands: CommandsDep) -> AuditOut:
    return AuditOut.model_validate(await commands.samples.audit(principal, sample_id))

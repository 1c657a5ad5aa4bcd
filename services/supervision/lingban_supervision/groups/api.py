"""HTTP routes of supervision groups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.events.supervision import GroupMember
from lingban_contracts.regions import RegionCode
from lingban_kit.auth import Principal
from lingban_kit.deps import IDEMPOTENT, ExpectedVersionDep, PrincipalDep
from lingban_kit.params import OptionalYearQuery
from lingban_supervision.deps import CommandsDep
from lingban_supervision.groups.domain import Composition, Group
from lingban_supervision.groups.schemas import CadenceOut, GroupOut

router = APIRouter(prefix="/v1/groups", tags=["groups"])


class CompositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    members: list[GroupMember] = Field(max_length=100)
    covered_units: list[RegionCode] = Field(max_length=1000)

    def to_domain(self) -> Composition:
        return Composition(self.name, tuple(self.members), tuple(self.covered_units))


class GroupIn(CompositionIn):
    region_code: RegionCode = Field(description="The city or township the group belongs to")
    year: int = Field(ge=2000, le=2100)


def _render(group: Group, principal: Principal, response: Response | None = None) -> GroupOut:
    if response is not None:
        response.headers["ETag"] = f'"{group.version}"'
    out = GroupOut.model_validate(group)
    return out.public() if principal.reads_public_view() else out


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Form a supervision group (督导组)",
    dependencies=[IDEMPOTENT],  # a retry after a lost answer forms nothing more
)
async def form(
    body: GroupIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    response: Response,
) -> GroupOut:
    group = await commands.groups.form(principal, body.region_code, body.year, body.to_domain())
    return _render(group, principal, response)


@router.get("", summary="Groups at your level and above you")
async def list_groups(
    principal: PrincipalDep, commands: CommandsDep, year: OptionalYearQuery = None
) -> list[GroupOut]:
    return [_render(g, principal) for g in await commands.groups.list(principal, year)]


@router.get("/{group_id}", summary="Read one group")
async def read(
    group_id: str, principal: PrincipalDep, commands: CommandsDep, response: Response
) -> GroupOut:
    return _render(await commands.groups.load(principal, group_id), principal, response)


@router.put("/{group_id}/composition", summary="Change members or covered units")
async def change(
    group_id: str,
    body: CompositionIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> GroupOut:
    group = await commands.groups.change(principal, group_id, body.to_domain(), version)
    return _render(group, principal, response)


@router.get("/{group_id}/cadence", summary="Half-monthly cadence and ≥ 2 on-site a month check")
async def cadence(
    group_id: str,
    principal: PrincipalDep,
    commands: CommandsDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
) -> CadenceOut:
    group = await commands.groups.load(principal, group_id)
    return CadenceOut.model_validate(await commands.inspections.cadence(principal, group, month))

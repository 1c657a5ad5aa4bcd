"""HTTP routes of stationed-contact visits (驻点联系) and their monthly figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.attachments import Attachment
from lingban_contracts.events.stationing import PERSON_ID_PATTERN
from lingban_contracts.events.supervision import (
    MONTH_PATTERN,
    HouseholdVisit,
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    VisitorRole,
)
from lingban_contracts.regions import RegionCode
from lingban_kit.auth import Principal
from lingban_kit.deps import IDEMPOTENT, PrincipalDep
from lingban_supervision.deps import CommandsDep
from lingban_supervision.visits.domain import Opinion, Visit
from lingban_supervision.visits.schemas import MonthlyFiguresOut, VisitOut

router = APIRouter(prefix="/v1/visits", tags=["stationed contact"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpinionIn(_In):
    description: str = Field(min_length=1, max_length=4000)
    category: str = Field(min_length=1, max_length=50)
    level: ProblemLevel = ProblemLevel.ORGANISATION
    source: ProblemSource = ProblemSource.RESIDENTS
    channel: ProblemChannel = ProblemChannel.VISIT


class VisitIn(_In):
    unit_code: RegionCode = Field(description="The village or community visited")
    visited_on: date
    visitor: str = Field(min_length=1, max_length=100)
    visitor_role: VisitorRole
    team: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    households: list[HouseholdVisit] = Field(default_factory=list, max_length=500)
    opinions: list[OpinionIn] = Field(default_factory=list, max_length=100)
    notes: str | None = Field(default=None, max_length=4000)
    attachments: list[Attachment] = Field(
        default_factory=list,
        max_length=20,
        description="Photos and records: upload to POST /v1/files first, then send its answer",
    )
    person_id: str | None = Field(
        default=None,
        pattern=PERSON_ID_PATTERN,
        description="The stationed person of the township's roster (驻点名册) who visited; "
        "label each household (e.g. its house number) so it counts towards the visit rate",
    )


def _render(visit: Visit, principal: Principal) -> VisitOut:
    out = VisitOut.model_validate(visit)
    return out.public() if principal.reads_public_view() else out


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Log a visit (opinions enter the problem list)",
    dependencies=[IDEMPOTENT],  # a retry after a lost answer logs nothing more
)
async def log_visit(body: VisitIn, principal: PrincipalDep, commands: CommandsDep) -> VisitOut:
    visit = await commands.visits.log(
        principal,
        unit_code=body.unit_code,
        visited_on=body.visited_on,
        visitor=body.visitor,
        visitor_role=body.visitor_role,
        team=body.team,
        households=body.households,
        opinions=[Opinion(**o.model_dump()) for o in body.opinions],
        notes=body.notes,
        attachments=tuple(body.attachments),
        person_id=body.person_id,
    )
    return _render(visit, principal)


@router.get(
    "/figures",
    summary="Monthly visit rate (households covered) and resolution rate per township",
    responses={404: {"description": "The region (or, by default, your unit) is no known township"}},
)
async def figures(
    principal: PrincipalDep,
    commands: CommandsDep,
    month: Annotated[str, Query(pattern=MONTH_PATTERN)],
    region: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> list[MonthlyFiguresOut]:
    result = await commands.visits.figures(principal, region or principal.region_code, month)
    return [MonthlyFiguresOut.model_validate(f) for f in result]


@router.get("", summary="Visit logs of a month in your jurisdiction, the latest first")
async def list_visits(
    principal: PrincipalDep,
    commands: CommandsDep,
    month: Annotated[str, Query(pattern=MONTH_PATTERN)],
    region: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> list[VisitOut]:
    found = await commands.visits.search(principal, region or principal.region_code, month)
    return [_render(v, principal) for v in found]


@router.get("/{visit_id}", summary="Read one visit log")
async def read(visit_id: str, principal: PrincipalDep, commands: CommandsDep) -> VisitOut:
    return _render(await commands.visits.load(principal, visit_id), principal)

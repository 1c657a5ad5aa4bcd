"""HTTP routes of stationed contact (驻点联系): rosters and each stationed person's month."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from lingban_contracts.events.stationing import Leave
from lingban_contracts.events.supervision import MONTH_PATTERN
from lingban_kit.deps import ExpectedVersionDep, PrincipalDep
from lingban_kit.params import YearQuery
from lingban_supervision.deps import CommandsDep
from lingban_supervision.stationing.domain import Roster, StationedMonth
from lingban_supervision.stationing.schemas import (
    LeaveIn,
    PlanIn,
    ResidenceIn,
    RosterChangeIn,
    RosterIn,
    RosterOut,
    StationedMonthOut,
    VillagesIn,
)

router = APIRouter(prefix="/v1/rosters", tags=["stationed contact"])
MonthPath = Annotated[str, Path(pattern=MONTH_PATTERN)]


def _roster(roster: Roster, response: Response | None = None) -> RosterOut:
    if response is not None:
        response.headers["ETag"] = f'"{roster.version}"'
    return RosterOut.model_validate(roster)


def _month(record: StationedMonth) -> StationedMonthOut:
    return StationedMonthOut.model_validate(record)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Set up a township's roster for a year (驻点名册: 三个固定)",
    responses={409: {"description": "The township's roster of that year exists"}},
)
async def create(
    body: RosterIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    response: Response,
) -> RosterOut:
    roster = await commands.rosters.create(
        principal, body.township_code, body.year, body.assignments, body.villages
    )
    return _roster(roster, response)


@router.get("", summary="The rosters of a year in a region (a village: its township's)")
async def list_rosters(
    principal: PrincipalDep,
    commands: CommandsDep,
    year: YearQuery,
    region: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> list[RosterOut]:
    found = await commands.rosters.list_rosters(principal, region or principal.region_code, year)
    return [_roster(r) for r in found]


@router.get("/{roster_id}", summary="Read one roster with its changes")
async def read(
    roster_id: str, principal: PrincipalDep, commands: CommandsDep, response: Response
) -> RosterOut:
    return _roster(await commands.rosters.load(principal, roster_id), response)


@router.post(
    "/{roster_id}/changes",
    summary="Change the roster from a date (assigned, reassigned, ended); nothing is overwritten",
)
async def change(
    roster_id: str,
    body: RosterChangeIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> RosterOut:
    roster = await commands.rosters.change(
        principal,
        roster_id,
        version,
        kind=body.kind,
        person_id=body.person_id,
        effective_from=body.effective_from,
        fields=body.fields(),
        reason=body.reason,
    )
    return _roster(roster, response)


@router.put(
    "/{roster_id}/villages", summary="Households and four-must-visit counts (四必访) per village"
)
async def villages(
    roster_id: str,
    body: VillagesIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> RosterOut:
    roster = await commands.rosters.set_villages(
        principal, roster_id, version, body.villages, body.reason
    )
    return _roster(roster, response)


@router.get(
    "/{roster_id}/months/{month}",
    summary="Every stationed person's month: stationed days, residence rule, leave",
)
async def months(
    roster_id: str, month: MonthPath, principal: PrincipalDep, commands: CommandsDep
) -> list[StationedMonthOut]:
    return [_month(m) for m in await commands.rosters.months_of(principal, roster_id, month)]


@router.get("/{roster_id}/people/{person_id}/months/{month}", summary="One person's month")
async def month(
    roster_id: str,
    person_id: str,
    month: MonthPath,
    principal: PrincipalDep,
    commands: CommandsDep,
) -> StationedMonthOut:
    return _month(await commands.rosters.month(principal, roster_id, person_id, month))


@router.put(
    "/{roster_id}/people/{person_id}/months/{month}/plan",
    summary="Set the month's visit plan (每月初制订走访任务)",
)
async def plan(
    roster_id: str,
    person_id: str,
    month: MonthPath,
    body: PlanIn,
    principal: PrincipalDep,
    commands: CommandsDep,
) -> StationedMonthOut:
    record = await commands.rosters.set_plan(principal, roster_id, person_id, month, body.items)
    return _month(record)


@router.post(
    "/{roster_id}/people/{person_id}/months/{month}/residence",
    summary="Record days resided in the village (住村, ≥ N days a month)",
)
async def residence(
    roster_id: str,
    person_id: str,
    month: MonthPath,
    body: ResidenceIn,
    principal: PrincipalDep,
    commands: CommandsDep,
) -> StationedMonthOut:
    record = await commands.rosters.record_residence(
        principal, roster_id, person_id, month, body.days
    )
    return _month(record)


@router.post(
    "/{roster_id}/people/{person_id}/months/{month}/leave",
    summary="Record a leave (请假); it excuses the stationed days it covers",
)
async def leave(
    roster_id: str,
    person_id: str,
    month: MonthPath,
    body: LeaveIn,
    principal: PrincipalDep,
    commands: CommandsDep,
) -> StationedMonthOut:
    record = await commands.rosters.record_leave(
        principal, roster_id, person_id, month, Leave.model_validate(body.model_dump())
    )
    return _month(record)

"""Query routes of the dispatch follow-up (调度与交办跟踪)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lingban_reporting.deps import ModelsDep, ScopeDep, TreeDep
from lingban_reporting.dispatch.reads import (
    DispatchReads,
    meetings_per_month,
    tasks_per_department,
    tasks_per_unit,
)

router = APIRouter(prefix="/v1/dispatch", tags=["dispatch"])


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeetingMonth(_Out):
    region_code: str = Field(description="The city or township that held the meetings")
    region_name: str
    month: str = Field(examples=["2026-03"])
    held: int
    by_level: dict[str, int] = Field(
        description="Meetings by level: city_monthly, township_quarterly, township_monthly"
    )


class MeetingsPerMonthOut(_Out):
    """Dispatch meetings held in the region subtree, per holding region and month (一月一调度)."""

    year: int
    region: str
    total: int
    rows: list[MeetingMonth]


class TaskFigures(_Out):
    assigned: int = Field(description="交办总数")
    open: int = Field(description="Not closed yet: waiting + reported")
    waiting: int = Field(description="待反馈")
    reported: int = Field(description="已反馈，待销号")
    closed: int = Field(description="已办结销号")
    closed_on_time: int = Field(description="Closed, reported by the deadline")
    overdue: int = Field(description="Overdue now: flagged for the current deadline, not closed")
    ever_overdue: int = Field(description="Flagged overdue at some point")
    closure_rate: float = Field(description="办结率: closed / assigned, 4 decimals; 0 when none")


class UnitTaskFigures(TaskFigures):
    unit_code: str
    unit_name: str


class DepartmentTaskFigures(TaskFigures):
    department: str = Field(
        description="The member department's id (成员单位; the notifications directory's "
        "`member-department:<slug>`)"
    )
    unit_code: str = Field(description="The city the department belongs to")


class TasksPerUnitOut(_Out):
    """Assigned tasks (交办事项) of the year per assigned unit in the region subtree."""

    year: int
    region: str
    total: TaskFigures = Field(description="Every task, the departments' included")
    units: list[UnitTaskFigures] = Field(description="Tasks to units (not to departments)")
    departments: list[DepartmentTaskFigures] = Field(
        default_factory=list, description="Tasks to the city's member departments (成员单位)"
    )


@router.get("/meetings-per-month", summary="Dispatch meetings per region and month")
async def meetings(scope: ScopeDep, models: ModelsDep, tree: TreeDep) -> MeetingsPerMonthOut:
    docs = await DispatchReads(models, tree).meetings(scope.year, scope.region)
    return MeetingsPerMonthOut(
        year=scope.year,
        region=scope.region.code,
        total=len(docs),
        rows=[MeetingMonth.model_validate(r) for r in meetings_per_month(tree, docs)],
    )


@router.get(
    "/tasks-per-unit", summary="Assigned tasks open, closed, overdue per unit; closure rate"
)
async def tasks(scope: ScopeDep, models: ModelsDep, tree: TreeDep) -> TasksPerUnitOut:
    docs = await DispatchReads(models, tree).tasks(scope.year, scope.region)
    rows, total = tasks_per_unit(tree, docs)
    return TasksPerUnitOut(
        year=scope.year,
        region=scope.region.code,
        total=TaskFigures.model_validate(total),
        units=[UnitTaskFigures.model_validate(r) for r in rows],
        departments=[DepartmentTaskFigures.model_validate(r) for r in tasks_per_department(docs)],
    )

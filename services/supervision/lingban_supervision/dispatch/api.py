"""HTTP routes of dispatch meetings (调度会) and assigned tasks (交办事项)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from lingban_contracts.divisions import default_tree
from lingban_contracts.events.dispatch import DEPARTMENT_PATTERN, TaskStatus
from lingban_contracts.events.supervision import MONTH_PATTERN
from lingban_kit.auth import Principal, require_root_city_org
from lingban_kit.deps import (
    IDEMPOTENT,
    DatabaseDep,
    ExpectedVersionDep,
    PrincipalDep,
    RuntimeDep,
)
from lingban_kit.params import OptionalYearQuery
from lingban_supervision.deps import ClockDep
from lingban_supervision.dispatch.access import reads_public_task
from lingban_supervision.dispatch.checks import TASKS_OVERDUE
from lingban_supervision.dispatch.domain import Meeting, Minutes, Task
from lingban_supervision.dispatch.schemas import (
    ChecksOut,
    ClosingIn,
    MeetingIn,
    MeetingOut,
    ReportIn,
    ReturnIn,
    TaskIn,
    TaskOut,
)
from lingban_supervision.dispatch.service import (
    TASKS_COLLECTION,
    DispatchCommands,
    TaskOrder,
    checks_now,
    dispatch_commands,
)
from lingban_supervision.settings import SupervisionSettings

router = APIRouter(prefix="/v1/dispatch", tags=["dispatch"])
RegionQuery = Annotated[str | None, Query(pattern=r"^\d{12}$")]
MonthQuery = Annotated[str | None, Query(pattern=MONTH_PATTERN)]
DepartmentQuery = Annotated[
    str | None,
    Query(
        pattern=DEPARTMENT_PATTERN,
        description="Only this member department's tasks (成员单位: its directory slug, e.g. "
        "`agriculture`); a member department's staff list their own anyway",
    ),
]


def get_dispatch(db: DatabaseDep, runtime: RuntimeDep, clock: ClockDep) -> DispatchCommands:
    settings = runtime.settings
    assert isinstance(settings, SupervisionSettings)
    return dispatch_commands(db, settings, clock, default_tree(), runtime.wake_relay)


DispatchDep = Annotated[DispatchCommands, Depends(get_dispatch)]


def _meeting(
    meeting: Meeting, principal: Principal, response: Response | None = None
) -> MeetingOut:
    if response is not None:
        response.headers["ETag"] = f'"{meeting.version}"'
    return MeetingOut.of(meeting, principal.reads_public_view())


def _task(task: Task, principal: Principal, response: Response | None = None) -> TaskOut:
    if response is not None:
        response.headers["ETag"] = f'"{task.version}"'
    return TaskOut.of(task, reads_public_task(principal, task))


# ---- meetings ----------------------------------------------------------------------
@router.post(
    "/meetings",
    status_code=status.HTTP_201_CREATED,
    summary="Record a dispatch meeting held (调度会: 一月一调度 / 季调度)",
    dependencies=[IDEMPOTENT],  # a retry after a lost answer creates nothing more
)
async def hold_meeting(
    body: MeetingIn,
    principal: PrincipalDep,
    dispatch: DispatchDep,
    response: Response,
) -> MeetingOut:
    minutes = Minutes(
        chair=body.chair,
        attendees=body.attendees,
        projects_reviewed=body.projects_reviewed,
        problems_raised=body.problems_raised,
        next_steps=body.next_steps,
    )
    meeting = await dispatch.hold(principal, body.level, body.region_code, body.held_on, minutes)
    return _meeting(meeting, principal, response)


@router.get("/meetings", summary="Dispatch meetings of a region (default: yours and attended)")
async def list_meetings(
    principal: PrincipalDep,
    dispatch: DispatchDep,
    region: RegionQuery = None,
    year: OptionalYearQuery = None,
    month: MonthQuery = None,
) -> list[MeetingOut]:
    found = await dispatch.list_meetings(principal, region, year=year, month=month)
    return [_meeting(m, principal) for m in found]


@router.get("/meetings/{meeting_id}", summary="Read one dispatch meeting")
async def read_meeting(
    meeting_id: str, principal: PrincipalDep, dispatch: DispatchDep, response: Response
) -> MeetingOut:
    return _meeting(await dispatch.meeting(principal, meeting_id), principal, response)


@router.post(
    "/meetings/{meeting_id}/tasks",
    status_code=status.HTTP_201_CREATED,
    summary="Assign a task raised by the meeting (交办)",
    dependencies=[IDEMPOTENT],  # a retry after a lost answer creates nothing more
)
async def assign_from_meeting(
    meeting_id: str,
    body: TaskIn,
    principal: PrincipalDep,
    dispatch: DispatchDep,
    response: Response,
) -> TaskOut:
    order = TaskOrder(body.unit_code, body.content, body.owner, body.deadline, body.department)
    task = await dispatch.assign(principal, meeting_id, order)
    return _task(task, principal, response)


# ---- tasks -------------------------------------------------------------------------
@router.post(
    "/tasks",
    status_code=status.HTTP_201_CREATED,
    summary="Assign a task directly, without a meeting (组织部门直接交办)",
    dependencies=[IDEMPOTENT],  # a retry after a lost answer creates nothing more
)
async def assign_directly(
    body: TaskIn,
    principal: PrincipalDep,
    dispatch: DispatchDep,
    response: Response,
) -> TaskOut:
    order = TaskOrder(body.unit_code, body.content, body.owner, body.deadline, body.department)
    task = await dispatch.assign(principal, None, order)
    return _task(task, principal, response)


@router.get(
    "/tasks",
    summary="Assigned tasks of units in a region, or of one meeting; optionally of one "
    "member department",
    responses={404: {"description": "`meeting_id` names no meeting in the caller's reach"}},
)
async def list_tasks(
    principal: PrincipalDep,
    dispatch: DispatchDep,
    region: RegionQuery = None,
    year: OptionalYearQuery = None,
    status: TaskStatus | None = None,
    meeting_id: Annotated[str | None, Query(max_length=64)] = None,
    department: DepartmentQuery = None,
) -> list[TaskOut]:
    found = await dispatch.list_tasks(
        principal, region, year=year, status=status, meeting_id=meeting_id, department=department
    )
    return [_task(t, principal) for t in found]


@router.get("/tasks/{task_id}", summary="Read one assigned task")
async def read_task(
    task_id: str, principal: PrincipalDep, dispatch: DispatchDep, response: Response
) -> TaskOut:
    return _task(await dispatch.task(principal, task_id), principal, response)


@router.post("/tasks/{task_id}/report", summary="Report back on the task (反馈; the unit)")
async def report(
    task_id: str,
    body: ReportIn,
    principal: PrincipalDep,
    dispatch: DispatchDep,
    version: ExpectedVersionDep,
    response: Response,
) -> TaskOut:
    task = await dispatch.report(principal, task_id, body.report, version, tuple(body.attachments))
    return _task(task, principal, response)


@router.post("/tasks/{task_id}/closing", summary="Close the task (办结销号; the assigner)")
async def close(
    task_id: str,
    body: ClosingIn,
    principal: PrincipalDep,
    dispatch: DispatchDep,
    version: ExpectedVersionDep,
    response: Response,
) -> TaskOut:
    task = await dispatch.close(principal, task_id, body.comment, version)
    return _task(task, principal, response)


@router.post("/tasks/{task_id}/return", summary="Send the report back (退回重办; the assigner)")
async def send_back(
    task_id: str,
    body: ReturnIn,
    principal: PrincipalDep,
    dispatch: DispatchDep,
    version: ExpectedVersionDep,
    response: Response,
) -> TaskOut:
    task = await dispatch.send_back(principal, task_id, body.reasons, body.deadline, version)
    return _task(task, principal, response)


# ---- the overdue check on demand ---------------------------------------------------
@router.post(
    "/checks",
    summary="Run the overdue check of assigned tasks now (city organisation department)",
)
async def run_checks(
    principal: PrincipalDep, dispatch: DispatchDep, runtime: RuntimeDep
) -> ChecksOut:
    # The check flags every region's tasks: only the city_org at the top of the tree (LB-16).
    require_root_city_org(principal, default_tree())
    flagged = await dispatch.run_checks(
        await checks_now(dispatch.clock, runtime.db[TASKS_COLLECTION])
    )
    TASKS_OVERDUE.inc(len(flagged))
    return ChecksOut(tasks_overdue=flagged)

"""HTTP routes of inspections and their rectification (thin: parse, call, render)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.events.supervision import (
    HALF_MONTH_PATTERN,
    ChecklistScore,
    InspectionMethod,
    Photo,
)
from lingban_kit.deps import IDEMPOTENT, ExpectedVersionDep, PrincipalDep
from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_kit.params import OptionalYearQuery
from lingban_supervision.deps import CommandsDep
from lingban_supervision.inspections.domain import Inspection
from lingban_supervision.inspections.schemas import InspectionOut, RulesOut
from lingban_supervision.inspections.scoring import FULL_MARKS
from lingban_supervision.metrics import INSPECTIONS_RECORDED

router = APIRouter(prefix="/v1/inspections", tags=["inspections"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Every list item is bounded too: a list's length alone does not bound the
# event a command writes (and an event must fit the kit's event budget).
Item = Annotated[str, Field(max_length=1000)]


class PlanIn(_In):
    group_id: str
    planned_on: date
    method: InspectionMethod
    unit_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    project_id: str | None = None
    sample_id: str | None = Field(default=None, description="The draw the project came from")
    days: int = Field(default=1, ge=1, le=31, description="Planned length (≥ 1 day)")


class RecordIn(_In):
    inspected_on: date = Field(description="The first day on site")
    days: int = Field(default=1, ge=1, le=31, description="Days spent on site (≥ 1)")
    checklist: list[ChecklistScore] = Field(min_length=1, max_length=50)
    team_absent: bool = Field(default=False, description="专班不在岗: all points lost")
    findings: list[Item] = Field(default_factory=list, max_length=50)
    photos: list[Photo] = Field(default_factory=list, max_length=50)
    rectification_measures: list[Item] = Field(
        default_factory=list, max_length=20, description="Measures required if it fails"
    )
    rectification_deadline: date | None = Field(
        default=None, description="Deadline if it fails (default: RECTIFICATION_DAYS later)"
    )


class SubmissionIn(_In):
    measures: list[Item] = Field(min_length=1, max_length=50)
    narrative: str = Field(min_length=1, max_length=4000)
    photos: list[Photo] = Field(default_factory=list, max_length=50)


class VerificationIn(_In):
    decision: str = Field(pattern="^(close|reopen)$", description="close (销号) or reopen")
    comment: str | None = Field(default=None, max_length=2000)
    reasons: list[Item] = Field(default_factory=list, max_length=20)
    deadline: date | None = Field(default=None, description="The new deadline when reopening")


def _render(inspection: Inspection, response: Response | None = None) -> InspectionOut:
    if response is not None:
        response.headers["ETag"] = f'"{inspection.version}"'
    return InspectionOut.model_validate(inspection)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Plan an inspection",
    dependencies=[IDEMPOTENT],  # a retry after a lost answer plans nothing more
    responses={404: {"description": "The group or project named in the body does not exist"}},
)
async def plan(
    body: PlanIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    response: Response,
) -> InspectionOut:
    inspection = await commands.inspections.plan(
        principal,
        group_id=body.group_id,
        planned_on=body.planned_on,
        method=body.method,
        unit_code=body.unit_code,
        project_id=body.project_id,
        sample_id=body.sample_id,
        days=body.days,
    )
    return _render(inspection, response)


@router.get("", summary="Inspections you may see (unannounced ones only for the group side)")
async def list_inspections(
    principal: PrincipalDep,
    commands: CommandsDep,
    group_id: str | None = None,
    year: OptionalYearQuery = None,
    half_month: Annotated[str | None, Query(pattern=HALF_MONTH_PATTERN)] = None,
    status: str | None = None,
) -> list[InspectionOut]:
    found = await commands.inspections.search(
        principal, group_id=group_id, year=year, half_month=half_month, status=status
    )
    return [_render(i) for i in found]


@router.get("/rules", summary="Full marks, pass mark and rectification days (for the form)")
async def rules(principal: PrincipalDep, commands: CommandsDep) -> RulesOut:
    del principal  # any signed-in reader
    found = commands.inspections.rules
    return RulesOut(
        full_marks=FULL_MARKS,
        pass_mark=found.pass_mark,
        rectification_days=found.rectification_days,
        min_on_site_per_month=found.min_on_site_per_month,
    )


@router.get("/{inspection_id}", summary="Read one inspection")
async def read(
    inspection_id: str, principal: PrincipalDep, commands: CommandsDep, response: Response
) -> InspectionOut:
    return _render(await commands.inspections.load(principal, inspection_id), response)


@router.post(
    "/{inspection_id}/result", summary="Record the result: checklist, deductions, findings"
)
async def record(
    inspection_id: str,
    body: RecordIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> InspectionOut:
    inspection = await commands.inspections.record(
        principal,
        inspection_id,
        inspected_on=body.inspected_on,
        checklist=body.checklist,
        team_absent=body.team_absent,
        findings=body.findings,
        photos=body.photos,
        expected=version,
        measures=body.rectification_measures,
        deadline=body.rectification_deadline,
        days=body.days,
    )
    if inspection.result is not None:
        INSPECTIONS_RECORDED.labels("passed" if inspection.result.passed else "failed").inc()
    return _render(inspection, response)


@router.post(
    "/{inspection_id}/rectification/submission",
    summary="The inspected unit submits its rectification (整改报告)",
)
async def submit(
    inspection_id: str,
    body: SubmissionIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> InspectionOut:
    inspection = await commands.inspections.submit(
        principal,
        inspection_id,
        measures=body.measures,
        narrative=body.narrative,
        photos=body.photos,
        expected=version,
    )
    return _render(inspection, response)


@router.post(
    "/{inspection_id}/rectification/verification",
    summary="The group verifies (close, 销号) or reopens the rectification",
)
async def verify(
    inspection_id: str,
    body: VerificationIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> InspectionOut:
    if body.decision == "close":
        inspection = await commands.inspections.verify(
            principal, inspection_id, body.comment, version
        )
    else:
        if body.deadline is None:
            raise ValidationFailed(
                message="退回整改须给出新的整改时限",
                message_en="Reopening needs a new deadline",
                details=[FieldProblem("deadline", "必填", "required")],
            )
        inspection = await commands.inspections.reopen(
            principal, inspection_id, body.reasons, body.deadline, version
        )
    return _render(inspection, response)

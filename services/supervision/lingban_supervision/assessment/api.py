"""HTTP routes of the year-end assessment (考核), its results' use and the model-case library."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from lingban_kit.deps import IDEMPOTENT, ExpectedVersionDep, PrincipalDep
from lingban_kit.params import OptionalYearQuery, YearQuery
from lingban_supervision.assessment.domain import Assessment
from lingban_supervision.assessment.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    AssessmentOut,
    FinalizationIn,
    ListChangeIn,
    ListChangeOut,
    ModelCaseIn,
    ModelCaseOut,
    SchemeIn,
    SchemeOut,
    TalkIn,
    TalkOut,
    WithdrawalIn,
)
from lingban_supervision.deps import CommandsDep

router = APIRouter(prefix="/v1/assessments", tags=["assessment"])
cases_router = APIRouter(prefix="/v1/model-cases", tags=["model cases"])

RegionQuery = Annotated[
    str | None, Query(pattern=r"^\d{12}$", description="A unit; default: your own")
]


def _scheme(assessment: Assessment, response: Response | None = None) -> SchemeOut:
    if response is not None:
        response.headers["ETag"] = f'"{assessment.version}"'
    return SchemeOut(
        assessment_id=assessment.id,
        region_code=assessment.region_code,
        year=assessment.year,
        version=assessment.version,
        status=assessment.status,
        defaults=not assessment.scheme_set,
        scheme=assessment.scheme,
    )


@router.get(
    "",
    summary="Scores, ranks, praise and 约谈 lists of a year (the draft until finalized)",
    responses={403: {"description": "The region is outside your jurisdiction"}},
)
async def read(
    principal: PrincipalDep,
    commands: CommandsDep,
    response: Response,
    year: YearQuery,
    region: RegionQuery = None,
) -> AssessmentOut:
    view = await commands.assessments.view(principal, region or principal.region_code, year)
    response.headers["ETag"] = f'"{view.assessment.version}"'
    return AssessmentOut.of(view, principal.reads_public_view())


@router.get("/scheme", summary="A city's assessment scheme: weights and the lists' rules")
async def read_scheme(
    principal: PrincipalDep,
    commands: CommandsDep,
    response: Response,
    year: YearQuery,
    region: RegionQuery = None,
) -> SchemeOut:
    found = await commands.assessments.scheme(principal, region or principal.region_code, year)
    return _scheme(found, response)


@router.put("/scheme", summary="Set the weights and rules (city organisation department)")
async def set_scheme(
    body: SchemeIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> SchemeOut:
    assessment = await commands.assessments.set_scheme(
        principal, body.region_code, body.year, body.scheme(), version
    )
    return _scheme(assessment, response)


@router.post(
    "/adjustments",
    status_code=status.HTTP_201_CREATED,
    summary="A manual 加分 or 扣分 of one unit, with its reason (before finalizing)",
    dependencies=[IDEMPOTENT],  # a retry after a lost answer adds nothing more
)
async def adjust(
    body: AdjustmentIn, principal: PrincipalDep, commands: CommandsDep
) -> AdjustmentOut:
    _, made = await commands.assessments.adjust(
        principal, body.year, body.unit_code, body.points, body.reason
    )
    return AdjustmentOut.model_validate(made)


@router.post(
    "/list-changes",
    summary="Put a unit on or take it off the praise or 约谈 list, with a reason",
)
async def change_list(
    body: ListChangeIn, principal: PrincipalDep, commands: CommandsDep
) -> ListChangeOut:
    assessment = await commands.assessments.change_list(
        principal, body.year, body.unit_code, body.list, body.action, body.reason
    )
    return ListChangeOut.model_validate(assessment.list_changes[-1])


@router.post(
    "/finalization",
    summary="Freeze and publish the scores, ranking and lists (city organisation department)",
)
async def finalize(
    body: FinalizationIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
) -> AssessmentOut:
    await commands.assessments.finalize(principal, body.region_code, body.year, version)
    view = await commands.assessments.view(principal, body.region_code, body.year)
    return AssessmentOut.of(view, principal.reads_public_view())


@router.post(
    "/talks",
    status_code=status.HTTP_201_CREATED,
    summary="Record that a 约谈 of a unit on the finalized list took place",
)
async def record_talk(body: TalkIn, principal: PrincipalDep, commands: CommandsDep) -> TalkOut:
    _, talk = await commands.assessments.record_talk(
        principal,
        year=body.year,
        unit_code=body.unit_code,
        held_on=body.held_on,
        held_by=body.held_by,
        attendees=list(body.attendees),
        notes=body.notes,
    )
    return TalkOut.model_validate(talk)


# ---- the model-case library ------------------------------------------------------------
def _case(case: object, response: Response | None = None) -> ModelCaseOut:
    out = ModelCaseOut.model_validate(case)
    if response is not None:
        response.headers["ETag"] = f'"{out.version}"'
    return out


@cases_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Nominate a completed project, a 样板镇 or a 示范村 as a model case",
)
async def nominate(
    body: ModelCaseIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    response: Response,
) -> ModelCaseOut:
    case = await commands.model_cases.nominate(
        principal,
        kind=body.kind,
        unit_code=body.unit_code,
        project_id=body.project_id,
        year=body.year,
        title=body.title,
        summary=body.summary,
    )
    return _case(case, response)


@cases_router.get(
    "", summary="The model cases of your region (leaders and subscribers: the published ones)"
)
async def list_cases(
    principal: PrincipalDep,
    commands: CommandsDep,
    region: RegionQuery = None,
    year: OptionalYearQuery = None,
) -> list[ModelCaseOut]:
    found = await commands.model_cases.search(principal, region or principal.region_code, year)
    return [_case(c) for c in found]


@cases_router.get("/{case_id}", summary="Read one model case")
async def read_case(
    case_id: str, principal: PrincipalDep, commands: CommandsDep, response: Response
) -> ModelCaseOut:
    return _case(await commands.model_cases.load(principal, case_id), response)


@cases_router.post("/{case_id}/publication", summary="Publish it in the model-case library")
async def publish(
    case_id: str,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> ModelCaseOut:
    case = await commands.model_cases.publish(principal, case_id, version)
    return _case(case, response)


@cases_router.post("/{case_id}/withdrawal", summary="Withdraw it from the library, with a reason")
async def withdraw(
    case_id: str,
    body: WithdrawalIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> ModelCaseOut:
    case = await commands.model_cases.withdraw(principal, case_id, body.reason, version)
    return _case(case, response)

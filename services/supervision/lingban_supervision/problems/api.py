"""HTTP routes of the problem list (问题清单)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.attachments import Attachment
from lingban_contracts.events.supervision import (
    MONTH_PATTERN,
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
)
from lingban_contracts.regions import RegionCode
from lingban_kit.auth import Principal
from lingban_kit.deps import IDEMPOTENT, ExpectedVersionDep, PrincipalDep
from lingban_kit.params import OptionalYearQuery
from lingban_supervision.aggregate import township_code
from lingban_supervision.deps import CommandsDep
from lingban_supervision.problems.domain import Facts, Problem
from lingban_supervision.problems.schemas import ProblemCountsOut, ProblemOut
from lingban_supervision.problems.service import counts, verified_above

router = APIRouter(prefix="/v1/problems", tags=["problem list"])
RegionQuery = Annotated[str | None, Query(pattern=r"^\d{12}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Every list item is bounded too: a list's length alone does not bound the
# event a command writes (and an event must fit the kit's event budget).
Item = Annotated[str, Field(max_length=1000)]


class ProblemIn(_In):
    unit_code: RegionCode
    year: int = Field(ge=2000, le=2100)
    project_id: str | None = None
    source: ProblemSource = Field(description="群众提 / 自己找 / 上级点 / 相互帮")
    channel: ProblemChannel
    category: str = Field(min_length=1, max_length=50)
    level: ProblemLevel = Field(description="组织层面 / 个人层面")
    description: str = Field(min_length=1, max_length=4000)
    measures: list[Item] = Field(default_factory=list, max_length=20)
    inspection_id: str | None = None
    attachments: list[Attachment] = Field(
        default_factory=list,
        max_length=20,
        description="Photos and papers: upload to POST /v1/files first, then send its answer",
    )


class StatusIn(_In):
    status: ProblemStatus
    measures: list[Item] | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, max_length=2000)


class ResolutionIn(_In):
    resolution: str = Field(min_length=1, max_length=4000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


def _render(problem: Problem, principal: Principal, response: Response | None = None) -> ProblemOut:
    if response is not None:
        response.headers["ETag"] = f'"{problem.version}"'
    out = ProblemOut.model_validate(problem).model_copy(
        update={"verified_above": verified_above(problem.facts)}
    )
    return out.public() if principal.reads_public_view() else out


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a problem",
    dependencies=[IDEMPOTENT],  # a retry after a lost answer registers nothing more
)
async def register(
    body: ProblemIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    response: Response,
) -> ProblemOut:
    facts = Facts(
        unit_code=body.unit_code,
        township_code=township_code(commands.problems.tree, body.unit_code),
        project_id=body.project_id,
        year=body.year,
        source=body.source,
        channel=body.channel,
        category=body.category,
        level=body.level,
        description=body.description,
        inspection_id=body.inspection_id,
    )
    problem = await commands.problems.register(
        principal, facts, body.measures, tuple(body.attachments)
    )
    return _render(problem, principal, response)


@router.get("", summary="Problems in your jurisdiction")
async def list_problems(
    principal: PrincipalDep,
    commands: CommandsDep,
    region: RegionQuery = None,
    year: OptionalYearQuery = None,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    status: ProblemStatus | None = None,
) -> list[ProblemOut]:
    found = await commands.problems.search(
        principal,
        region or principal.region_code,
        year=year,
        month=month,
        status=status.value if status else None,
    )
    return [_render(p, principal) for p in found]


@router.get("/counts", summary="Counts per category and level, source, channel, status")
async def problem_counts(
    principal: PrincipalDep,
    commands: CommandsDep,
    region: RegionQuery = None,
    year: OptionalYearQuery = None,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
) -> ProblemCountsOut:
    root = region or principal.region_code
    found = await commands.problems.count_rows(principal, root, year=year, month=month)
    return ProblemCountsOut.model_validate(
        {"region": root, "year": year, "month": month, **counts(found)}
    )


@router.get("/{problem_id}", summary="Read one problem")
async def read(
    problem_id: str, principal: PrincipalDep, commands: CommandsDep, response: Response
) -> ProblemOut:
    return _render(await commands.problems.load(principal, problem_id), principal, response)


@router.post("/{problem_id}/status", summary="Move a problem on (待整改 → 整改中)")
async def change_status(
    problem_id: str,
    body: StatusIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> ProblemOut:
    problem = await commands.problems.change_status(
        principal, problem_id, body.status, body.measures, body.note, version
    )
    return _render(problem, principal, response)


@router.post("/{problem_id}/resolution", summary="Resolve and strike off (办结销号)")
async def resolve(
    problem_id: str,
    body: ResolutionIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    response: Response,
) -> ProblemOut:
    problem = await commands.problems.resolve(
        principal, problem_id, body.resolution, version, tuple(body.attachments)
    )
    return _render(problem, principal, response)

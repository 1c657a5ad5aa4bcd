"""HTTP routes of the project year (thin: parse, call the use case, render).

Every command route is the same three lines: the use case of the same name on
`ProjectCommands` (which checks who may act and writes through the kit's unit
of work), then `_render`, which sets the ETag a client sends back as If-Match.
Routes that create or append take an optional `Idempotency-Key` (`IDEMPOTENT`):
a retry after a lost answer is answered from what the first attempt stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from lingban_kit.deps import IDEMPOTENT, ExpectedVersionDep, PrincipalDep
from lingban_kit.params import OffsetQuery, OptionalYearQuery
from lingban_projects.deps import CommandsDep, TreeDep
from lingban_projects.projects import schemas as s
from lingban_projects.projects.domain import Project
from lingban_projects.projects.listing import list_page
from lingban_projects.projects.repository import Where

router = APIRouter(prefix="/v1/projects", tags=["projects"])
MonthPath = Annotated[str, "YYYY-MM"]


def _render(project: Project, tree: TreeDep, response: Response) -> s.ProjectOut:
    response.headers["ETag"] = f'"{project.version}"'
    return s.ProjectOut.of(project, tree)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Declare a project (申报), as a draft",
    dependencies=[IDEMPOTENT],
)
async def declare(
    body: s.DeclarationIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.declare(principal, body.unit_code, body.year, body.to_domain())
    return _render(project, tree, response)


@router.get("", summary="List projects in your jurisdiction")
async def list_projects(
    principal: PrincipalDep,
    commands: CommandsDep,
    tree: TreeDep,
    year: OptionalYearQuery = None,
    region: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    status: str | None = None,
    category: str | None = None,
    own: Annotated[
        bool,
        Query(description="Only the projects of the unit `region` itself, not of those below it"),
    ] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: OffsetQuery = 0,
) -> list[s.ProjectOut]:
    """Ordered by unit code, then id; a page reads about its own size, whatever the region's."""
    root = region or principal.region_code
    principal.require_jurisdiction(root)
    where = Where(root, year=year, status=status, category=category, unit_only=own)
    found = await list_page(commands.repo, tree, where, limit, offset)
    public = principal.reads_public_view()
    return [s.ProjectOut.of(p, tree, public=public) for p in found]


@router.get("/{project_id}", summary="Read one project")
async def read(
    project_id: str,
    principal: PrincipalDep,
    commands: CommandsDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.load(principal, project_id)
    response.headers["ETag"] = f'"{project.version}"'
    return s.ProjectOut.of(project, tree, public=principal.reads_public_view())


@router.get("/{project_id}/history", summary="Every change, declaration version and review")
async def history(project_id: str, principal: PrincipalDep, commands: CommandsDep) -> s.HistoryOut:
    project = await commands.load(principal, project_id)
    return s.HistoryOut.of(project, public=principal.reads_public_view())


@router.put(
    "/{project_id}/declaration", summary="Revise the declaration (re-declare after a return)"
)
async def revise(
    project_id: str,
    body: s.DeclarationFormIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.revise(principal, project_id, version, body)
    return _render(project, tree, response)


@router.delete(
    "/{project_id}/declaration/attachments/{file_id}",
    summary="Remove a file from the declaration (only while it is a draft)",
)
async def remove_attachment(
    project_id: str,
    file_id: str,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.remove_attachment(principal, project_id, version, file_id)
    return _render(project, tree, response)


@router.post("/{project_id}/submission", summary="Submit to the level above for review (上报)")
async def submit(
    project_id: str,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.submit(principal, project_id, version)
    return _render(project, tree, response)


@router.post("/{project_id}/review", summary="Review (研判): approve, or return for re-declaration")
async def review(
    project_id: str,
    body: s.ReviewIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.review(principal, project_id, version, body)
    return _render(project, tree, response)


@router.post(
    "/{project_id}/objections",
    status_code=status.HTTP_201_CREATED,
    summary="Object to the announced project (公示异议); blocks execution until resolved",
)
async def raise_objection(
    project_id: str,
    body: s.ObjectionIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.raise_objection(principal, project_id, version, body)
    return _render(project, tree, response)


@router.post(
    "/{project_id}/objections/{objection_id}/resolution",
    summary="Resolve an objection: uphold (back for re-declaration) or dismiss with a reason",
)
async def resolve_objection(
    project_id: str,
    objection_id: str,
    body: s.ObjectionResolutionIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.resolve_objection(principal, project_id, objection_id, version, body)
    return _render(project, tree, response)


@router.post("/{project_id}/filing", summary="File the approved project (备案)")
async def file(
    project_id: str,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.file(principal, project_id, version)
    return _render(project, tree, response)


@router.post("/{project_id}/announcement", summary="Announce publicly for a period (公示)")
async def announce(
    project_id: str,
    body: s.AnnouncementIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.announce(principal, project_id, version, body)
    return _render(project, tree, response)


@router.post(
    "/{project_id}/execution", summary="Start execution once the announcement period is over"
)
async def start_execution(
    project_id: str,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.start_execution(principal, project_id, version)
    return _render(project, tree, response)


@router.post(
    "/{project_id}/stages/{month}/reports",
    summary="Monthly progress on a stage (月报告)",
    dependencies=[IDEMPOTENT],
)
async def report_stage(
    project_id: str,
    month: MonthPath,
    body: s.StageReportIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.report_stage(principal, project_id, version, month, body)
    return _render(project, tree, response)


@router.post(
    "/{project_id}/weekly-reports",
    summary="Weekly report on key tasks (一周一报告)",
    dependencies=[IDEMPOTENT],
)
async def weekly_report(
    project_id: str,
    body: s.WeeklyReportIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.weekly_report(principal, project_id, version, body)
    return _render(project, tree, response)


@router.post(
    "/{project_id}/change-requests",
    status_code=status.HTTP_201_CREATED,
    summary="Request a mid-year change (变更) or withdrawal (撤销) of the approved project",
)
async def request_change(
    project_id: str,
    body: s.ChangeRequestIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.request_change(principal, project_id, version, body)
    return _render(project, tree, response)


@router.post(
    "/{project_id}/change-requests/{request_id}/decision",
    summary="Approve or reject a change or withdrawal request (the level above)",
)
async def decide_change(
    project_id: str,
    request_id: str,
    body: s.ChangeDecisionIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.decide_change(principal, project_id, request_id, version, body)
    return _render(project, tree, response)


@router.post(
    "/{project_id}/completion-request", summary="Request acceptance of the finished project"
)
async def request_completion(
    project_id: str,
    body: s.CompletionRequestIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.request_completion(principal, project_id, version, body)
    return _render(project, tree, response)


@router.post("/{project_id}/completion-decision", summary="Accept the completion, or send it back")
async def decide_completion(
    project_id: str,
    body: s.CompletionDecisionIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.decide_completion(principal, project_id, version, body)
    return _render(project, tree, response)


@router.post("/{project_id}/evaluation", summary="Year-end evaluation (年底评)")
async def evaluate(
    project_id: str,
    body: s.EvaluationIn,
    principal: PrincipalDep,
    commands: CommandsDep,
    version: ExpectedVersionDep,
    tree: TreeDep,
    response: Response,
) -> s.ProjectOut:
    project = await commands.evaluate(principal, project_id, version, body)
    return _render(project, tree, response)

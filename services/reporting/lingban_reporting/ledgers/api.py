"""`/v1/ledgers/…`: the offices' ledgers (台账) and forms as XLSX files and printable pages.

Each list ledger has the query API's filters (`?year=`, `?region=` with the
same jurisdiction: 403 outside the viewer's subtree) plus its own; each form
is one record, 404 outside the viewer's subtree like `GET /v1/projects/{id}`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, StreamingResponse

from lingban_contracts.events.supervision import ProblemChannel, ProblemSource, ProblemStatus
from lingban_contracts.statuses import ProjectStatus
from lingban_kit.auth import Principal
from lingban_kit.deps import PrincipalDep
from lingban_kit.errors import NotFound
from lingban_reporting.deps import ClockDep, ModelsDep, Scope, ScopeDep, TreeDep
from lingban_reporting.ledgers.columns import (
    PROBLEMS,
    PROJECTS,
    RECTIFICATIONS,
    VISITS,
    Context,
    Ledger,
)
from lingban_reporting.ledgers.forms import Form, declaration_form, inspection_record
from lingban_reporting.ledgers.html import form_page, table_page
from lingban_reporting.ledgers.labels import (
    CHANNEL_ZH,
    PROBLEM_STATUS_ZH,
    RECTIFICATION_VIEW_ZH,
    SOURCE_ZH,
    STATUS_ZH,
    yes_no,
    zh,
)
from lingban_reporting.ledgers.reads import Doc, LedgerQuery, LedgerReads
from lingban_reporting.ledgers.xlsx import XLSX, SheetWriter, chunks, size_of, write_sheet
from lingban_reporting.overview.schemas import RectificationView
from lingban_reporting.projects.repository import ProjectFilter

router = APIRouter(prefix="/v1/ledgers", tags=["ledgers"])


class XlsxResponse(StreamingResponse):
    media_type = XLSX


FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
}
PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}}
}
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


def attachment(name: str, fallback: str) -> dict[str, str]:
    """RFC 6266/5987: an ASCII name for old clients, the Chinese one as `filename*`."""
    return {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    }


def _subtitle(scope: Scope, ctx: Context, filters: dict[str, Any]) -> str:
    shown = "，".join(f"{k}：{v}" for k, v in filters.items() if v not in (None, ""))
    parts = [scope.region.name, f"{scope.year}年度", f"导出日期 {ctx.today.isoformat()}"]
    return "　".join([*parts, *([f"筛选 {shown}"] if shown else [])])


async def _numbered(
    ledger: Ledger, docs: AsyncIterator[Doc], ctx: Context
) -> AsyncIterator[list[Any]]:
    number = 0
    async for doc in docs:
        number += 1
        yield ledger.row(doc, ctx, number)


async def _xlsx(
    ledger: Ledger, scope: Scope, ctx: Context, docs: AsyncIterator[Doc], filters: dict[str, Any]
) -> XlsxResponse:
    title = f"{scope.region.name}{scope.year}年度{ledger.title}"
    writer = SheetWriter(ledger.title, title, _subtitle(scope, ctx, filters), ledger.headers)
    file = await write_sheet(writer, ledger.widths, _numbered(ledger, docs, ctx))
    name = f"{ledger.title}-{scope.region.name}-{scope.year}.xlsx"
    fallback = f"ledger-{ledger.slug}-{scope.region.code}-{scope.year}.xlsx"
    headers = {**attachment(name, fallback), "Content-Length": str(size_of(file))}
    return XlsxResponse(chunks(file), headers=headers)


def _page(
    ledger: Ledger, scope: Scope, ctx: Context, docs: AsyncIterator[Doc], filters: dict[str, Any]
) -> StreamingResponse:
    title = f"{scope.region.name}{scope.year}年度{ledger.title}"
    rows = _numbered(ledger, docs, ctx)
    body = table_page(title, _subtitle(scope, ctx, filters), ledger.headers, rows)
    return StreamingResponse(body, media_type="text/html; charset=utf-8")


# ---- 项目清单 ------------------------------------------------------------------------
def _projects(
    models: ModelsDep,
    tree: TreeDep,
    clock: ClockDep,
    scope: ScopeDep,
    category: str | None,
    status: ProjectStatus | None,
    overdue: bool | None,
) -> tuple[Context, AsyncIterator[Doc], dict[str, Any]]:
    where = ProjectFilter(scope.year, scope.region.code, category, status, overdue)
    shown_overdue = None if overdue is None else yes_no(overdue)
    filters = {"类别": category, "状态": zh(STATUS_ZH, status), "逾期": shown_overdue}
    return Context(tree, clock.today()), LedgerReads(models, tree).projects(where), filters


@router.get(
    "/projects.xlsx",
    summary="项目清单 as XLSX: every project of the region and year (the list API's filters)",
    response_class=XlsxResponse,
    responses=FILE,
)
async def projects_xlsx(
    models: ModelsDep,
    tree: TreeDep,
    clock: ClockDep,
    scope: ScopeDep,
    category: str | None = None,
    status: ProjectStatus | None = None,
    overdue: bool | None = None,
) -> XlsxResponse:
    ctx, docs, filters = _projects(models, tree, clock, scope, category, status, overdue)
    return await _xlsx(PROJECTS, scope, ctx, docs, filters)


@router.get(
    "/projects.html",
    summary="项目清单 as a printable page (A4)",
    response_class=HTMLResponse,
    responses=PAGE,
)
async def projects_html(
    models: ModelsDep,
    tree: TreeDep,
    clock: ClockDep,
    scope: ScopeDep,
    category: str | None = None,
    status: ProjectStatus | None = None,
    overdue: bool | None = None,
) -> StreamingResponse:
    ctx, docs, filters = _projects(models, tree, clock, scope, category, status, overdue)
    return _page(PROJECTS, scope, ctx, docs, filters)


# ---- 问题清单 ------------------------------------------------------------------------
def _problems(
    models: ModelsDep,
    tree: TreeDep,
    clock: ClockDep,
    scope: ScopeDep,
    source: ProblemSource | None,
    channel: ProblemChannel | None,
    category: str | None,
    status: ProblemStatus | None,
) -> tuple[Context, AsyncIterator[Doc], dict[str, Any]]:
    given = {"source": source, "channel": channel, "category": category, "status": status}
    equal = {k: str(v) for k, v in given.items() if v is not None}
    query = LedgerQuery(scope.year, scope.region.code, equal)
    filters = {
        "来源": zh(SOURCE_ZH, source),
        "渠道": zh(CHANNEL_ZH, channel),
        "类别": category,
        "状态": zh(PROBLEM_STATUS_ZH, status),
    }
    return Context(tree, clock.today()), LedgerReads(models, tree).problems(query), filters


@router.get(
    "/problems.xlsx",
    summary="问题清单 as XLSX, by source, channel, category and status",
    response_class=XlsxResponse,
    responses=FILE,
)
async def problems_xlsx(
    models: ModelsDep,
    tree: TreeDep,
    clock: ClockDep,
    scope: ScopeDep,
    source: ProblemSource | None = None,
    channel: ProblemChannel | None = None,
    category: str | None = None,
    status: ProblemStatus | None = None,
) -> XlsxResponse:
    ctx, docs, filters = _problems(models, tree, clock, scope, source, channel, category, status)
    return await _xlsx(PROBLEMS, scope, ctx, docs, filters)


@router.get(
    "/problems.html",
    summary="问题清单 as a printable page (A4)",
    response_class=HTMLResponse,
    responses=PAGE,
)
async def problems_html(
    models: ModelsDep,
    tree: TreeDep,
    clock: ClockDep,
    scope: ScopeDep,
    source: ProblemSource | None = None,
    channel: ProblemChannel | None = None,
    category: str | None = None,
    status: ProblemStatus | None = None,
) -> StreamingResponse:
    ctx, docs, filters = _problems(models, tree, clock, scope, source, channel, category, status)
    return _page(PROBLEMS, scope, ctx, docs, filters)


# ---- 整改台账 ------------------------------------------------------------------------
def _rectifications(
    models: ModelsDep, tree: TreeDep, clock: ClockDep, scope: ScopeDep, status: str | None
) -> tuple[Context, AsyncIterator[Doc], dict[str, Any]]:
    ctx = Context(tree, clock.today())
    query = LedgerQuery(scope.year, scope.region.code)
    docs = LedgerReads(models, tree).rectifications(query, status, ctx.today)
    return ctx, docs, {"状态": RECTIFICATION_VIEW_ZH[status] if status else None}


@router.get(
    "/rectifications.xlsx",
    summary="整改台账 as XLSX: deadlines, submissions and verification",
    response_class=XlsxResponse,
    responses=FILE,
)
async def rectifications_xlsx(
    models: ModelsDep,
    tree: TreeDep,
    clock: ClockDep,
    scope: ScopeDep,
    status: RectificationView | None = None,
) -> XlsxResponse:
    ctx, docs, filters = _rectifications(models, tree, clock, scope, status)
    return await _xlsx(RECTIFICATIONS, scope, ctx, docs, filters)


@router.get(
    "/rectifications.html",
    summary="整改台账 as a printable page (A4)",
    response_class=HTMLResponse,
    responses=PAGE,
)
async def rectifications_html(
    models: ModelsDep,
    tree: TreeDep,
    clock: ClockDep,
    scope: ScopeDep,
    status: RectificationView | None = None,
) -> StreamingResponse:
    ctx, docs, filters = _rectifications(models, tree, clock, scope, status)
    return _page(RECTIFICATIONS, scope, ctx, docs, filters)


# ---- 走访台账 ------------------------------------------------------------------------
def _visits(
    models: ModelsDep, tree: TreeDep, clock: ClockDep, scope: ScopeDep, month: str | None
) -> tuple[Context, AsyncIterator[Doc], dict[str, Any]]:
    query = LedgerQuery(scope.year, scope.region.code, {"month": month} if month else {})
    docs = LedgerReads(models, tree).visits(query)
    return Context(tree, clock.today()), docs, {"月份": month}


@router.get(
    "/visits.xlsx",
    summary="走访台账 as XLSX: stationed-contact visits (驻点联系走访)",
    response_class=XlsxResponse,
    responses=FILE,
)
async def visits_xlsx(
    models: ModelsDep, tree: TreeDep, clock: ClockDep, scope: ScopeDep, month: Month = None
) -> XlsxResponse:
    ctx, docs, filters = _visits(models, tree, clock, scope, month)
    return await _xlsx(VISITS, scope, ctx, docs, filters)


@router.get(
    "/visits.html",
    summary="走访台账 as a printable page (A4)",
    response_class=HTMLResponse,
    responses=PAGE,
)
async def visits_html(
    models: ModelsDep, tree: TreeDep, clock: ClockDep, scope: ScopeDep, month: Month = None
) -> StreamingResponse:
    ctx, docs, filters = _visits(models, tree, clock, scope, month)
    return _page(VISITS, scope, ctx, docs, filters)


# ---- forms: 申报表, 督导记录 ------------------------------------------------------------
def _visible(principal: Principal, doc: Doc | None, what: str, record_id: str) -> Doc:
    """404 for a record outside the viewer's subtree, as the record APIs answer."""
    if doc is None or not doc.get("unit_code") or not principal.can_see(str(doc["unit_code"])):
        raise NotFound(message=f"未找到{what} {record_id}", message_en=f"{record_id} not found")
    return doc


async def _declaration(
    project_id: str, principal: Principal, models: ModelsDep, ctx: Context
) -> Form:
    doc = await models.projects.find_one({"_id": project_id})
    return declaration_form(_visible(principal, doc, "项目", project_id), ctx)


async def _inspection(
    inspection_id: str, principal: Principal, models: ModelsDep, ctx: Context
) -> Form:
    found = await models.inspections.find_one({"_id": inspection_id})
    doc = _visible(principal, found, "督导检查", inspection_id)
    rectification = None
    if doc.get("rectification_id"):
        rectification = await models.rectifications.find_one({"_id": doc["rectification_id"]})
    return inspection_record(doc, ctx, rectification)


async def _form_xlsx(form: Form, name: str, fallback: str) -> XlsxResponse:
    writer = SheetWriter(form.title, form.title, form.subtitle, ["项目", "内容"])

    async def rows() -> AsyncIterator[list[Any]]:
        for row in form.sheet_rows():
            yield row

    file = await write_sheet(writer, [24, 80, 20, 30], rows())
    headers = {**attachment(name, fallback), "Content-Length": str(size_of(file))}
    return XlsxResponse(chunks(file), headers=headers)


@router.get(
    "/projects/{project_id}/declaration.html",
    summary="One project's declaration form (申报表), printable (A4)",
    response_class=HTMLResponse,
    responses=PAGE,
)
async def declaration_html(
    project_id: str, principal: PrincipalDep, models: ModelsDep, tree: TreeDep, clock: ClockDep
) -> HTMLResponse:
    form = await _declaration(project_id, principal, models, Context(tree, clock.today()))
    return HTMLResponse(form_page(form))


@router.get(
    "/projects/{project_id}/declaration.xlsx",
    summary="One project's declaration form (申报表) as XLSX",
    response_class=XlsxResponse,
    responses=FILE,
)
async def declaration_xlsx(
    project_id: str, principal: PrincipalDep, models: ModelsDep, tree: TreeDep, clock: ClockDep
) -> XlsxResponse:
    form = await _declaration(project_id, principal, models, Context(tree, clock.today()))
    name = f"申报表-{form.fields[0][1]}.xlsx"
    return await _form_xlsx(form, name, f"declaration-{project_id}.xlsx")


@router.get(
    "/inspections/{inspection_id}/record.html",
    summary="One inspection's record (督导检查记录), printable (A4)",
    response_class=HTMLResponse,
    responses=PAGE,
)
async def inspection_html(
    inspection_id: str, principal: PrincipalDep, models: ModelsDep, tree: TreeDep, clock: ClockDep
) -> HTMLResponse:
    form = await _inspection(inspection_id, principal, models, Context(tree, clock.today()))
    return HTMLResponse(form_page(form))


@router.get(
    "/inspections/{inspection_id}/record.xlsx",
    summary="One inspection's record (督导检查记录) as XLSX",
    response_class=XlsxResponse,
    responses=FILE,
)
async def inspection_xlsx(
    inspection_id: str, principal: PrincipalDep, models: ModelsDep, tree: TreeDep, clock: ClockDep
) -> XlsxResponse:
    form = await _inspection(inspection_id, principal, models, Context(tree, clock.today()))
    name = f"督导检查记录-{form.subtitle}-{inspection_id}.xlsx"
    return await _form_xlsx(form, name, f"inspection-{inspection_id}.xlsx")

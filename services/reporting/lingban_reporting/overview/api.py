"""Figures, breakdowns, coverage, overdue stages, rectifications, rankings, freshness."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from lingban_kit.deps import PrincipalDep
from lingban_reporting.deps import ClockDep, ModelsDep, ReportsDep, TreeDep
from lingban_reporting.freshness import freshness
from lingban_reporting.overview.service import resolve_region

router = APIRouter(prefix="/v1", tags=["figures"])

Region = Annotated[str | None, Query(pattern=r"^\d{12}$", description="12-digit unit code")]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/overview", summary="Figures of a region subtree for a year (驾驶舱总览)")
async def overview(
    principal: PrincipalDep,
    reports: ReportsDep,
    tree: TreeDep,
    clock: ClockDep,
    year: Year = None,
    region: Region = None,
) -> dict[str, Any]:
    root = resolve_region(tree, principal, region)
    return await reports.overview(year or clock.today().year, root)


@router.get("/breakdown/units", summary="Figures per direct child unit (drill-down)")
async def breakdown_units(
    principal: PrincipalDep,
    reports: ReportsDep,
    tree: TreeDep,
    clock: ClockDep,
    year: Year = None,
    region: Region = None,
) -> dict[str, Any]:
    root = resolve_region(tree, principal, region)
    return await reports.units(year or clock.today().year, root)


@router.get("/breakdown/categories", summary="Figures per project category")
async def breakdown_categories(
    principal: PrincipalDep,
    reports: ReportsDep,
    tree: TreeDep,
    clock: ClockDep,
    year: Year = None,
    region: Region = None,
) -> dict[str, Any]:
    root = resolve_region(tree, principal, region)
    return await reports.categories(year or clock.today().year, root)


@router.get("/coverage", summary="Units with and without a project (申报领办全覆盖)")
async def coverage(
    principal: PrincipalDep,
    reports: ReportsDep,
    tree: TreeDep,
    clock: ClockDep,
    year: Year = None,
    region: Region = None,
) -> dict[str, Any]:
    root = resolve_region(tree, principal, region)
    return await reports.coverage(year or clock.today().year, root)


@router.get("/overdue-stages", summary="Stages whose month passed without being struck off")
async def overdue_stages(
    principal: PrincipalDep,
    reports: ReportsDep,
    tree: TreeDep,
    clock: ClockDep,
    year: Year = None,
    region: Region = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    root = resolve_region(tree, principal, region)
    return await reports.overdue_stages(year or clock.today().year, root, limit)


@router.get("/rectifications", summary="Rectifications (整改) by status")
async def rectifications(
    principal: PrincipalDep,
    reports: ReportsDep,
    tree: TreeDep,
    region: Region = None,
    status: Literal["open", "overdue", "closed"] | None = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    root = resolve_region(tree, principal, region)
    return await reports.rectifications(root, status, limit)


@router.get("/rankings/townships", summary="Township rankings (比学赶超), best first")
async def rankings(
    principal: PrincipalDep,
    reports: ReportsDep,
    tree: TreeDep,
    clock: ClockDep,
    year: Year = None,
    metric: Literal["completion_rate", "overdue_rate", "deduction_score"] = "completion_rate",
) -> dict[str, Any]:
    root = resolve_region(tree, principal, None)
    return await reports.rankings(year or clock.today().year, root, metric)


@router.get("/freshness", summary="Events applied and the newest event time (cheap to poll)")
async def read_freshness(principal: PrincipalDep, models: ModelsDep) -> dict[str, Any]:
    return await freshness(models)

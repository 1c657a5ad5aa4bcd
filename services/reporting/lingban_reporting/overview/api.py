"""Figures, breakdowns, coverage, overdue stages, rectifications, rankings, freshness."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from lingban_kit.deps import PrincipalDep
from lingban_reporting.deps import ClockDep, ModelsDep, Region, ReportsDep, ScopeDep, TreeDep, Year
from lingban_reporting.freshness import freshness
from lingban_reporting.overview.service import resolve_region

router = APIRouter(prefix="/v1", tags=["figures"])

Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/overview", summary="Figures of a region subtree for a year (驾驶舱总览)")
async def overview(reports: ReportsDep, scope: ScopeDep) -> dict[str, Any]:
    return await reports.overview(scope.year, scope.region)


@router.get("/breakdown/units", summary="Figures per direct child unit (drill-down)")
async def breakdown_units(reports: ReportsDep, scope: ScopeDep) -> dict[str, Any]:
    return await reports.units(scope.year, scope.region)


@router.get("/breakdown/categories", summary="Figures per project category")
async def breakdown_categories(reports: ReportsDep, scope: ScopeDep) -> dict[str, Any]:
    return await reports.categories(scope.year, scope.region)


@router.get("/coverage", summary="Units with and without a project (申报领办全覆盖)")
async def coverage(reports: ReportsDep, scope: ScopeDep) -> dict[str, Any]:
    return await reports.coverage(scope.year, scope.region)


@router.get("/overdue-stages", summary="Stages whose month passed without being struck off")
async def overdue_stages(
    reports: ReportsDep, scope: ScopeDep, limit: Limit = 100
) -> dict[str, Any]:
    return await reports.overdue_stages(scope.year, scope.region, limit)


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

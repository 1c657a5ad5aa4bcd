"""Figures, breakdowns, coverage, overdue stages, rectifications, rankings, freshness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lingban_kit.deps import PrincipalDep
from lingban_reporting.deps import ClockDep, ModelsDep, Region, ReportsDep, ScopeDep, TreeDep, Year
from lingban_reporting.freshness import freshness
from lingban_reporting.overview.schemas import (
    CategoryBreakdownOut,
    CoverageOut,
    FreshnessOut,
    OverdueStagesOut,
    OverviewOut,
    RankingMetric,
    RankingsOut,
    RectificationsOut,
    RectificationView,
    UnitBreakdownOut,
)
from lingban_reporting.overview.service import resolve_region

router = APIRouter(prefix="/v1", tags=["figures"])

Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/overview", summary="Figures of a region subtree for a year (驾驶舱总览)")
async def overview(reports: ReportsDep, scope: ScopeDep) -> OverviewOut:
    return OverviewOut.model_validate(await reports.overview(scope.year, scope.region))


@router.get("/breakdown/units", summary="Figures per direct child unit (drill-down)")
async def breakdown_units(reports: ReportsDep, scope: ScopeDep) -> UnitBreakdownOut:
    return UnitBreakdownOut.model_validate(await reports.units(scope.year, scope.region))


@router.get("/breakdown/categories", summary="Figures per project category")
async def breakdown_categories(reports: ReportsDep, scope: ScopeDep) -> CategoryBreakdownOut:
    found = await reports.categories(scope.year, scope.region)
    return CategoryBreakdownOut.model_validate(found)


@router.get("/coverage", summary="Units with and without a project (申报领办全覆盖)")
async def coverage(reports: ReportsDep, scope: ScopeDep) -> CoverageOut:
    return CoverageOut.model_validate(await reports.coverage(scope.year, scope.region))


@router.get("/overdue-stages", summary="Stages whose month passed without being struck off")
async def overdue_stages(
    reports: ReportsDep, scope: ScopeDep, limit: Limit = 100
) -> OverdueStagesOut:
    found = await reports.overdue_stages(scope.year, scope.region, limit)
    return OverdueStagesOut.model_validate(found)


@router.get("/rectifications", summary="Rectifications (整改) by status")
async def rectifications(
    principal: PrincipalDep,
    reports: ReportsDep,
    tree: TreeDep,
    region: Region = None,
    status: RectificationView | None = None,
    limit: Limit = 100,
) -> RectificationsOut:
    root = resolve_region(tree, principal, region)
    return RectificationsOut.model_validate(await reports.rectifications(root, status, limit))


@router.get("/rankings/townships", summary="Township rankings (比学赶超), best first")
async def rankings(
    principal: PrincipalDep,
    reports: ReportsDep,
    tree: TreeDep,
    clock: ClockDep,
    year: Year = None,
    metric: RankingMetric = "completion_rate",
) -> RankingsOut:
    root = resolve_region(tree, principal, None)
    found = await reports.rankings(year or clock.today().year, root, metric)
    return RankingsOut.model_validate(found)


@router.get("/freshness", summary="Events applied and the newest event time (cheap to poll)")
async def read_freshness(principal: PrincipalDep, models: ModelsDep) -> FreshnessOut:
    return FreshnessOut.model_validate(await freshness(models))

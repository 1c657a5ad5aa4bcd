"""`Annotated[..., Depends()]` aliases of the reporting service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from lingban_contracts.divisions import DivisionTree, Unit, default_tree
from lingban_kit.clock import Clock
from lingban_kit.deps import DatabaseDep, PrincipalDep
from lingban_reporting.overview.service import Reports, resolve_region
from lingban_reporting.read_models.generations import ReadModels, active_models


def get_clock(request: Request) -> Clock:
    clock: Clock = getattr(request.app.state, "clock", None) or Clock()
    return clock


def get_tree() -> DivisionTree:
    return default_tree()


async def get_models(db: DatabaseDep) -> ReadModels:
    # Read the pointer per request: a rebuild's swap is seen by the next request.
    return await active_models(db)


ClockDep = Annotated[Clock, Depends(get_clock)]
TreeDep = Annotated[DivisionTree, Depends(get_tree)]
ModelsDep = Annotated[ReadModels, Depends(get_models)]


def get_reports(models: ModelsDep, tree: TreeDep, clock: ClockDep) -> Reports:
    return Reports(models, tree, clock.today())


ReportsDep = Annotated[Reports, Depends(get_reports)]


Region = Annotated[str | None, Query(pattern=r"^\d{12}$", description="12-digit unit code")]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")]


@dataclass(frozen=True)
class Scope:
    """What a figure query covers: a year and a region subtree the viewer may see."""

    year: int
    region: Unit


def report_scope(
    principal: PrincipalDep,
    tree: TreeDep,
    clock: ClockDep,
    year: Year = None,
    region: Region = None,
) -> Scope:
    """`?year=` (default: this year) and `?region=` (default: the viewer's own; 403 outside it)."""
    return Scope(year or clock.today().year, resolve_region(tree, principal, region))


ScopeDep = Annotated[Scope, Depends(report_scope)]

"""`Annotated[..., Depends()]` aliases of the reporting service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lingban_contracts.divisions import DivisionTree, default_tree
from lingban_kit.clock import Clock
from lingban_kit.deps import DatabaseDep
from lingban_reporting.overview.service import Reports
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

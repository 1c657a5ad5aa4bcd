"""HTTP route of the inspectable pool: the projects a draw would pick from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lingban_contracts.events.supervision import PooledProject
from lingban_kit.deps import DatabaseDep, PrincipalDep
from lingban_kit.params import YearQuery
from lingban_supervision.access import require_group_side
from lingban_supervision.projects.inspectable import MongoInspectableProjects

router = APIRouter(prefix="/v1/inspectable-projects", tags=["random draws"])


@router.get("", summary="Projects in execution that may be inspected (the draw's pool)")
async def inspectable(
    principal: PrincipalDep,
    db: DatabaseDep,
    year: YearQuery,
    region: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> list[PooledProject]:
    root = region or principal.region_code
    require_group_side(principal, root)
    return await MongoInspectableProjects(db).pool([root], year)

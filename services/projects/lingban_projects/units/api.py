"""Units of the tree and the coverage rule: every unit declares ≥ 1 project a year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lingban_contracts.divisions import Unit
from lingban_kit.deps import PrincipalDep
from lingban_kit.errors import NotFound
from lingban_projects.deps import CommandsDep, TreeDep
from lingban_projects.projects.schemas import CoverageOut, UnitOut

router = APIRouter(tags=["units"])
RegionQuery = Annotated[
    str | None, Query(pattern=r"^\d{12}$", description="subtree root; default your own unit")
]


def _out(unit: Unit) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=unit.name,
        level=unit.level.value,
        parent=unit.parent,
        secretary=unit.secretary,
    )


@router.get("/v1/units", summary="Units of a subtree")
async def list_units(
    principal: PrincipalDep, tree: TreeDep, region: RegionQuery = None
) -> list[UnitOut]:
    root = region or principal.region_code
    principal.require_jurisdiction(root)
    return [_out(u) for u in tree.subtree(root)]


@router.get("/v1/units/{code}", summary="One unit")
async def read_unit(code: str, principal: PrincipalDep, tree: TreeDep) -> UnitOut:
    unit = tree.get(code)
    if unit is None or not principal.can_see(code):
        raise NotFound(message=f"未找到单位 {code}", message_en=f"Unit {code} not found")
    return _out(unit)


@router.get("/v1/coverage", summary="Units of a subtree without a project for the year (全覆盖)")
async def coverage(
    principal: PrincipalDep,
    tree: TreeDep,
    commands: CommandsDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    region: RegionQuery = None,
) -> CoverageOut:
    root = region or principal.region_code
    principal.require_jurisdiction(root)
    units = tree.subtree(root)
    covered = await commands.repo.units_with_projects(root, year)
    missing = [_out(u) for u in units if u.code not in covered]
    return CoverageOut(
        region=root, year=year, units=len(units), covered=len(units) - len(missing), missing=missing
    )

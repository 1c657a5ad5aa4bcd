"""The division tree's routes: read, change (register, update, merge), Excel import,
and the coverage rule (every unit declares ≥ 1 project a year)."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, UploadFile, status
from fastapi.responses import Response

from lingban_contracts.divisions import Unit
from lingban_kit.auth import Role
from lingban_kit.deps import DatabaseDep, PrincipalDep, RuntimeDep
from lingban_kit.errors import ValidationFailed
from lingban_kit.sheets import XLSX, ImportRefusedOut, SheetUnreadable, refused_error
from lingban_projects.deps import ClockDep, CommandsDep, TreeDep
from lingban_projects.projects.schemas import CoverageOut, UnitOut
from lingban_projects.units.domain import unit_not_found
from lingban_projects.units.repository import DivisionRepository
from lingban_projects.units.schemas import MergeIn, UnitImportOut, UnitIn, UnitPatch
from lingban_projects.units.service import UnitCommands
from lingban_projects.units.sheet import read_rows, template
from lingban_projects.units.transfers import ProjectTransfers

router = APIRouter(tags=["units"])
RegionQuery = Annotated[
    str | None, Query(pattern=r"^\d{12}$", description="subtree root; default your own unit")
]
IMPORT_PATH = "/v1/units/import"
IMPORT_MAX_BYTES = 2 * 1024 * 1024
TEMPLATE_NAME = "行政区划导入模板.xlsx"


def get_unit_commands(db: DatabaseDep, runtime: RuntimeDep, clock: ClockDep) -> UnitCommands:
    return UnitCommands(
        DivisionRepository(db), clock, runtime.wake_relay, ProjectTransfers(db, runtime.wake_relay)
    )


UnitCommandsDep = Annotated[UnitCommands, Depends(get_unit_commands)]


def _out(unit: Unit) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=unit.name,
        level=unit.level.value,
        parent=unit.parent,
        secretary=unit.secretary,
        active=unit.active,
        merged_into=unit.merged_into,
    )


@router.get("/v1/units", summary="Units of a subtree")
async def list_units(
    principal: PrincipalDep, tree: TreeDep, region: RegionQuery = None
) -> list[UnitOut]:
    root = region or principal.region_code
    principal.require_jurisdiction(root)
    return [_out(u) for u in tree.subtree(root)]


@router.get(
    "/v1/units/import-template",
    summary="The empty division sheet (导入模板), for POST /v1/units/import",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def import_template(principal: PrincipalDep) -> Response:
    principal.require_any(Role.CITY_ORG)
    disposition = (
        f"attachment; filename=\"divisions-template.xlsx\"; filename*=UTF-8''{quote(TEMPLATE_NAME)}"
    )
    return Response(
        await asyncio.to_thread(template),
        media_type=XLSX,
        headers={"Content-Disposition": disposition},
    )


@router.post(
    IMPORT_PATH,
    summary="Import units from an Excel sheet: new codes registered, known codes updated, "
    "all rows or none",
    responses={
        413: {"description": f"The file is over {IMPORT_MAX_BYTES // (1024 * 1024)} MB"},
        422: {"model": ImportRefusedOut, "description": "Rows refused: nothing was changed"},
    },
)
async def import_units(
    file: Annotated[UploadFile, File(description="The sheet (.xlsx), as the template")],
    principal: PrincipalDep,
    commands: UnitCommandsDep,
) -> UnitImportOut:
    principal.require_any(Role.CITY_ORG)
    try:
        rows, unreadable = await asyncio.to_thread(read_rows, file.file)
    except SheetUnreadable as error:
        raise error.as_error() from None
    if not rows and not unreadable:
        raise ValidationFailed(message="表格中没有单位", message_en="The sheet has no units")
    result = await commands.import_rows(principal, rows, unreadable)
    if isinstance(result, list):
        raise refused_error(result, "未导入任何单位")
    return UnitImportOut(**result.__dict__)


@router.post(
    "/v1/units",
    status_code=status.HTTP_201_CREATED,
    summary="Register a unit below a parent (a new village, community or district)",
)
async def register_unit(
    body: UnitIn, principal: PrincipalDep, commands: UnitCommandsDep
) -> UnitOut:
    unit = Unit(body.code, body.name, body.level, body.parent, body.secretary)
    return _out(await commands.register(principal, unit, body.reason))


@router.get("/v1/units/{code}", summary="One unit (also one merged into another)")
async def read_unit(code: str, principal: PrincipalDep, tree: TreeDep) -> UnitOut:
    unit = tree.get(code)
    if unit is None or not principal.can_see(code):
        raise unit_not_found(code)
    return _out(unit)


@router.patch("/v1/units/{code}", summary="Rename a unit, record its new secretary, or move it")
async def update_unit(
    code: str, body: UnitPatch, principal: PrincipalDep, commands: UnitCommandsDep
) -> UnitOut:
    if body.name is None and body.secretary is None and body.parent is None:
        raise ValidationFailed(
            message="请至少填写名称、书记或上级单位中的一项",
            message_en="Give at least one of name, secretary or parent",
        )
    return _out(
        await commands.update(
            principal,
            code,
            name=body.name,
            secretary=body.secretary,
            parent=body.parent,
            reason=body.reason,
        )
    )


@router.post(
    "/v1/units/{code}/merge",
    summary="Merge a unit into another of its level (村并村、撤并); its open projects move "
    "to the successor (the same request again finishes a transfer and changes nothing else)",
)
async def merge_unit(
    code: str, body: MergeIn, principal: PrincipalDep, commands: UnitCommandsDep
) -> UnitOut:
    return _out(await commands.merge(principal, code, body.into, body.reason))


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

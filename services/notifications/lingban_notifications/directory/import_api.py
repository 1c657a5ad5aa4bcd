"""`POST /v1/contacts/import` (an Excel sheet of contacts) and its template.

Registered before the contact routes, so `import-template` is not read as a
contact id. The upload may be larger than other bodies (`IMPORT_MAX_BYTES`,
allowed for this path only, `app.py`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from lingban_kit.deps import PrincipalDep
from lingban_kit.errors import ValidationFailed
from lingban_kit.sheets import XLSX, ImportRefusedOut, refused_error
from lingban_notifications.deps import DirectoryDep, WiringDep
from lingban_notifications.directory.access import EDITORS
from lingban_notifications.directory.importing import check_rows
from lingban_notifications.directory.sheet import SheetUnreadable, read_rows, template

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])
log = logging.getLogger(__name__)

IMPORT_PATH = "/v1/contacts/import"
IMPORT_MAX_BYTES = 5 * 1024 * 1024
TEMPLATE_NAME = "联系人导入模板.xlsx"


class ContactImportOut(BaseModel):
    rows: int = Field(ge=0, description="Contacts read from the sheet")
    created: int = Field(ge=0)
    replaced: int = Field(ge=0)


@router.get(
    "/import-template",
    summary="The empty contact sheet with its headers (导入模板), for POST /v1/contacts/import",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def import_template(principal: PrincipalDep) -> Response:
    principal.require_any(*EDITORS)
    disposition = (
        f"attachment; filename=\"contacts-template.xlsx\"; filename*=UTF-8''{quote(TEMPLATE_NAME)}"
    )
    return Response(
        await asyncio.to_thread(template),
        media_type=XLSX,
        headers={"Content-Disposition": disposition},
    )


@router.post(
    "/import",
    summary="Import contacts from an Excel sheet: every row checked, all stored or none",
    responses={
        413: {"description": f"The file is over {IMPORT_MAX_BYTES // (1024 * 1024)} MB"},
        422: {"model": ImportRefusedOut, "description": "Rows refused: nothing was stored"},
    },
)
async def import_contacts(
    file: Annotated[UploadFile, File(description="The sheet (.xlsx), as the template")],
    principal: PrincipalDep,
    directory: DirectoryDep,
    wiring: WiringDep,
) -> ContactImportOut:
    principal.require_any(*EDITORS)
    try:
        rows, unreadable = await asyncio.to_thread(read_rows, file.file)
    except SheetUnreadable as error:
        raise error.as_error() from None
    if not rows and not unreadable:
        raise ValidationFailed(message="表格中没有联系人", message_en="The sheet has no contacts")
    checked = await check_rows(principal, rows, directory, wiring)
    refused = sorted([*unreadable, *checked.refused], key=lambda r: r.row)
    if refused:
        raise refused_error(refused, "未导入任何联系人")
    await directory.put(checked.recipients)
    for r in checked.recipients:
        log.info(
            "contact imported",
            extra={"actor": principal.id, "contact": r.id, "unit_code": r.unit_code},
        )
    stored = len(checked.recipients)
    return ContactImportOut(rows=stored, created=checked.created, replaced=stored - checked.created)

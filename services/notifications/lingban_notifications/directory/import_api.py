"""`POST /v1/contacts/import` (an Excel sheet of contacts) and its template.

Registered before the contact routes, so `import-template` is not read as a
contact id. The upload may be larger than other bodies (`IMPORT_MAX_BYTES`,
allowed for this path only, `app.py`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from lingban_kit.deps import PrincipalDep
from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_notifications.deps import DirectoryDep, WiringDep
from lingban_notifications.directory.access import EDITORS
from lingban_notifications.directory.importing import check_rows
from lingban_notifications.directory.sheet import Refusal, SheetUnreadable, read_rows, template

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])
log = logging.getLogger(__name__)

IMPORT_PATH = "/v1/contacts/import"
IMPORT_MAX_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "联系人导入模板.xlsx"


class RefusedRow(BaseModel):
    row: int = Field(description="Row number in the sheet (the headers are row 1)")
    column: str | None = Field(description="The column at fault (its Chinese header)")
    message: str
    message_en: str


class ContactImportOut(BaseModel):
    rows: int = Field(ge=0, description="Contacts read from the sheet")
    created: int = Field(ge=0)
    replaced: int = Field(ge=0)


class ImportRefusedOut(BaseModel):
    """The 422 body when any row is refused (then nothing was stored)."""

    error: dict[str, Any] = Field(
        description="code `validation_failed`, message, details, `imported: 0` and `refused` "
        "(a list of RefusedRow)"
    )


def _refused(refusals: list[Refusal]) -> ValidationFailed:
    rows = sorted({r.row for r in refusals})
    shown = "、".join(str(n) for n in rows[:20]) + ("…" if len(rows) > 20 else "")
    return ValidationFailed(
        message=f"第 {shown} 行有误，未导入任何联系人",
        message_en=f"Rows {', '.join(map(str, rows[:20]))} are refused: nothing was imported",
        details=[
            FieldProblem(
                f"第{r.row}行" + (f"·{r.column}" if r.column else ""), r.message, r.message_en
            )
            for r in refusals
        ],
        extra={
            "imported": 0,
            "refused": [RefusedRow(**r.__dict__).model_dump() for r in refusals],
        },
    )


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
        raise ValidationFailed(
            message=error.message,
            message_en=error.message_en,
            details=[FieldProblem("file", error.message, error.message_en)],
        ) from None
    if not rows and not unreadable:
        raise ValidationFailed(message="表格中没有联系人", message_en="The sheet has no contacts")
    checked = await check_rows(principal, rows, directory, wiring)
    refused = sorted([*unreadable, *checked.refused], key=lambda r: r.row)
    if refused:
        raise _refused(refused)
    await directory.put(checked.recipients)
    for r in checked.recipients:
        log.info(
            "contact imported",
            extra={"actor": principal.id, "contact": r.id, "unit_code": r.unit_code},
        )
    stored = len(checked.recipients)
    return ContactImportOut(rows=stored, created=checked.created, replaced=stored - checked.created)

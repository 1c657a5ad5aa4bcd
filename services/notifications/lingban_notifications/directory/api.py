"""Contact directory API: read inside your jurisdiction; edit as the level responsible."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lingban_kit.auth import Principal, Role
from lingban_kit.deps import PrincipalDep
from lingban_kit.errors import NotFound, ValidationFailed
from lingban_notifications.deps import DirectoryDep
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.directory.schemas import ContactsStoredOut

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])
EDITORS = (Role.CITY_ORG, Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF)


def _require_editor(principal: Principal, recipients: list[Recipient]) -> None:
    principal.require_any(*EDITORS)
    for r in recipients:
        principal.require_jurisdiction(r.unit_code)


@router.get("", summary="List contacts inside your jurisdiction")
async def list_contacts(
    principal: PrincipalDep,
    directory: DirectoryDep,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Recipient]:
    return await directory.search(
        region_code=principal.region_code, kind=kind, limit=limit, offset=offset
    )


@router.get("/{recipient_id}", summary="One contact")
async def get_contact(
    recipient_id: str, principal: PrincipalDep, directory: DirectoryDep
) -> Recipient:
    found = await directory.get(recipient_id)
    if found is None or not principal.can_see(found.unit_code):
        raise NotFound(
            message=f"未找到联系人 {recipient_id}", message_en=f"Contact {recipient_id} not found"
        )
    return found


@router.put("/{recipient_id}", summary="Create or replace a contact (channels, quiet hours …)")
async def put_contact(
    recipient_id: str, body: Recipient, principal: PrincipalDep, directory: DirectoryDep
) -> Recipient:
    if body.id != recipient_id:
        raise ValidationFailed(
            message="路径中的联系人编号与正文不一致",
            message_en="The contact id in the path differs from the body",
        )
    _require_editor(principal, [body])
    await directory.put([body])
    return body


@router.put("", summary="Create or replace many contacts at once (e.g. the demo directory)")
async def put_contacts(
    body: list[Recipient], principal: PrincipalDep, directory: DirectoryDep
) -> ContactsStoredOut:
    _require_editor(principal, body)
    await directory.put(body)
    return ContactsStoredOut(stored=len(body))

"""Contact directory API: read and edit as the level responsible (LB-01, LB-08).

Only editors (city_org, township secretary/staff) read contacts, inside their
subtree: a contact holds phone numbers, e-mail addresses and robot URLs
(whose query carries the robot's key), and nothing in the workbench shows
the directory to anyone else (a recipient's inbox needs no directory access).
The webhook signing secret is never shown, to editors either. What a write
must pass is in `access.py`; webhook URLs also pass the egress policy.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Body, Query

from lingban_kit.auth import Principal
from lingban_kit.deps import PrincipalDep
from lingban_kit.errors import FieldProblem, NotFound, ValidationFailed
from lingban_kit.params import OffsetQuery
from lingban_notifications.deps import DirectoryDep, WiringDep
from lingban_notifications.directory.access import EDITORS, MAX_BULK, check_write, keep_secret
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.directory.repository import Directory
from lingban_notifications.directory.schemas import ContactOut, ContactsStoredOut
from lingban_notifications.wiring import Wiring

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])
log = logging.getLogger(__name__)


@router.get("", summary="List contacts inside your jurisdiction (editors only)")
async def list_contacts(
    principal: PrincipalDep,
    directory: DirectoryDep,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: OffsetQuery = 0,
) -> list[ContactOut]:
    principal.require_any(*EDITORS)
    found = await directory.search(
        region_code=principal.region_code, kind=kind, limit=limit, offset=offset
    )
    return [ContactOut.of(r) for r in found]


@router.get("/{recipient_id}", summary="One contact (editors only)")
async def get_contact(
    recipient_id: str, principal: PrincipalDep, directory: DirectoryDep
) -> ContactOut:
    principal.require_any(*EDITORS)
    found = await directory.get(recipient_id)
    if found is None or not principal.can_see(found.unit_code):
        raise NotFound(
            message=f"未找到联系人 {recipient_id}", message_en=f"Contact {recipient_id} not found"
        )
    return ContactOut.of(found)


@router.put("/{recipient_id}", summary="Create or replace a contact (channels, quiet hours …)")
async def put_contact(
    recipient_id: str,
    body: Recipient,
    principal: PrincipalDep,
    directory: DirectoryDep,
    wiring: WiringDep,
) -> ContactOut:
    if body.id != recipient_id:
        raise ValidationFailed(
            message="路径中的联系人编号与正文不一致",
            message_en="The contact id in the path differs from the body",
        )
    [stored] = await _checked(principal, [body], directory, wiring)
    await directory.put([stored])
    _audit(principal, [stored])
    return ContactOut.of(stored)


@router.put("", summary="Create or replace many contacts at once (e.g. the demo directory)")
async def put_contacts(
    body: Annotated[list[Recipient], Body(max_length=MAX_BULK)],
    principal: PrincipalDep,
    directory: DirectoryDep,
    wiring: WiringDep,
) -> ContactsStoredOut:
    checked = await _checked(principal, body, directory, wiring)
    await directory.put(checked)
    _audit(principal, checked)
    return ContactsStoredOut(stored=len(checked))


async def _checked(
    principal: Principal, body: list[Recipient], directory: Directory, wiring: Wiring
) -> list[Recipient]:
    """Every entry checked against what is stored (all or nothing); secrets kept."""
    policy = wiring.settings.webhook_policy()
    checked: list[Recipient] = []
    for index, r in enumerate(body):
        stored = await directory.get(r.id)
        check_write(principal, r, stored, wiring.tree)
        if r.webhook is not None:
            # Allow-listed robot hosts are not looked up here: storing never waits on DNS.
            refused = await policy.refusal(r.webhook.url, resolve=not policy.allowed_hosts)
            if refused is not None:
                where = "webhook.url" if len(body) == 1 else f"{index}.webhook.url"
                raise ValidationFailed(
                    message=f"webhook 地址不可用：{refused.message}",
                    message_en=f"The webhook URL is refused: {refused.message_en}",
                    details=[FieldProblem(where, refused.message, refused.message_en)],
                )
        checked.append(keep_secret(r, stored))
    return checked


def _audit(principal: Principal, stored: list[Recipient]) -> None:
    """Who changed which contact (ids only, never an address) for the log trail."""
    for r in stored:
        log.info(
            "contact stored",
            extra={"actor": principal.id, "contact": r.id, "unit_code": r.unit_code},
        )

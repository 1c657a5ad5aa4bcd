"""Inbox (list, unread count, read, acknowledge 签收) and dead-letter operations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from lingban_contracts.events.notifications import Channel
from lingban_kit.deps import LanguageDep, PrincipalDep, RuntimeDep
from lingban_notifications.deps import ClockDep, DirectoryDep, RepoDep, WiringDep
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.notifications.repository import NOTIFICATIONS
from lingban_notifications.notifications.service import (
    OPERATOR_ROLES,
    InboxCommands,
    OperatorCommands,
)

inbox_router = APIRouter(prefix="/v1/inbox", tags=["inbox"])
operations_router = APIRouter(prefix="/v1/operations", tags=["operations"])


class DeliveryView(BaseModel):
    channel: Channel
    status: str
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None
    digest_id: str | None


class NotificationView(BaseModel):
    id: str
    rule_id: str
    kind: str
    recipient_id: str
    subject_type: str
    subject_id: str
    period: str
    title: str
    body: str
    link: str
    created_at: datetime
    requires_acknowledgement: bool
    read_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    deliveries: list[DeliveryView]

    @classmethod
    def of(cls, n: Notification, lang: str) -> NotificationView:
        return cls(
            id=n.id,
            rule_id=n.rule_id,
            kind=n.kind,
            recipient_id=n.recipient_id,
            subject_type=n.subject_type,
            subject_id=n.subject_id,
            period=n.period,
            title=n.title[lang] if lang in n.title else n.title["zh"],
            body=n.body[lang] if lang in n.body else n.body["zh"],
            link=n.link,
            created_at=n.created_at,
            requires_acknowledgement=n.requires_ack,
            read_at=n.read_at,
            acknowledged_at=n.acknowledged_at,
            acknowledged_by=n.acknowledged_by,
            deliveries=[
                DeliveryView(
                    channel=d.channel,
                    status=d.status.value,
                    attempts=d.attempts,
                    next_attempt_at=d.next_attempt_at,
                    sent_at=d.sent_at,
                    last_error=d.last_error,
                    digest_id=d.digest_id,
                )
                for d in n.deliveries.values()
            ],
        )


def _inbox(repo: RepoDep, directory: DirectoryDep, clock: ClockDep) -> InboxCommands:
    return InboxCommands(repo, directory, clock)


@inbox_router.get("", summary="My notices (newest first)")
async def list_inbox(
    principal: PrincipalDep,
    repo: RepoDep,
    directory: DirectoryDep,
    clock: ClockDep,
    lang: LanguageDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[NotificationView]:
    found = await _inbox(repo, directory, clock).list(
        principal, unread_only=unread, limit=limit, offset=offset
    )
    return [NotificationView.of(n, lang) for n in found]


@inbox_router.get("/unread-count", summary="How many of my notices are unread")
async def unread_count(
    principal: PrincipalDep, repo: RepoDep, directory: DirectoryDep, clock: ClockDep
) -> dict[str, int]:
    return {"unread": await _inbox(repo, directory, clock).unread(principal)}


@inbox_router.post("/{notification_id}/read", summary="Mark a notice read (已读)")
async def mark_read(
    notification_id: str,
    principal: PrincipalDep,
    repo: RepoDep,
    directory: DirectoryDep,
    clock: ClockDep,
    lang: LanguageDep,
) -> NotificationView:
    n = await _inbox(repo, directory, clock).mark_read(principal, notification_id)
    return NotificationView.of(n, lang)


@inbox_router.post("/{notification_id}/acknowledgement", summary="Acknowledge receipt (签收)")
async def acknowledge(
    notification_id: str,
    principal: PrincipalDep,
    repo: RepoDep,
    directory: DirectoryDep,
    clock: ClockDep,
    runtime: RuntimeDep,
    lang: LanguageDep,
) -> NotificationView:
    n = await _inbox(repo, directory, clock).acknowledge(principal, notification_id)
    runtime.wake_relay(NOTIFICATIONS, n.id)
    return NotificationView.of(n, lang)


@operations_router.get("/dead-letters", summary="Deliveries that failed their last retry")
async def dead_letters(
    principal: PrincipalDep,
    repo: RepoDep,
    clock: ClockDep,
    lang: LanguageDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NotificationView]:
    found = await OperatorCommands(repo, clock).dead_letters(principal, limit)
    return [NotificationView.of(n, lang) for n in found]


@operations_router.post(
    "/dead-letters/{notification_id}/replay", summary="Send a dead-lettered delivery again"
)
async def replay(
    notification_id: str,
    principal: PrincipalDep,
    repo: RepoDep,
    clock: ClockDep,
    wiring: WiringDep,
    lang: LanguageDep,
    channel: Channel | None = None,
) -> NotificationView:
    n = await OperatorCommands(repo, clock).replay(principal, notification_id, channel)
    wiring.created()
    return NotificationView.of(n, lang)


@operations_router.post("/scheduler/tick", summary="Evaluate the reminder rules and dispatch now")
async def tick_now(principal: PrincipalDep, wiring: WiringDep) -> dict[str, Any]:
    principal.require_any(*OPERATOR_ROLES)
    created = await wiring.scheduler().tick()
    dispatched = await wiring.dispatcher().run_once()
    wiring.created()
    return {"created": len(created), "dispatched": dispatched}

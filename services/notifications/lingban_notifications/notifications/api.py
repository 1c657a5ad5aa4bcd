"""Inbox (list, unread count, read, acknowledge 签收) and dead-letter operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from lingban_contracts.events.notifications import Channel
from lingban_kit.auth import require_root_city_org
from lingban_kit.deps import LanguageDep, PrincipalDep, RuntimeDep
from lingban_kit.params import OffsetQuery
from lingban_notifications.deps import ClockDep, DirectoryDep, RepoDep, WiringDep
from lingban_notifications.notifications.schemas import (
    NotificationView,
    SchedulerTickOut,
    UnreadCountOut,
)
from lingban_notifications.notifications.service import InboxCommands, OperatorCommands

inbox_router = APIRouter(prefix="/v1/inbox", tags=["inbox"])
operations_router = APIRouter(prefix="/v1/operations", tags=["operations"])


def get_inbox(
    repo: RepoDep, directory: DirectoryDep, clock: ClockDep, runtime: RuntimeDep
) -> InboxCommands:
    return InboxCommands(repo, directory, clock, runtime.wake_relay)


def get_operator(repo: RepoDep, clock: ClockDep, runtime: RuntimeDep) -> OperatorCommands:
    return OperatorCommands(repo, clock, runtime.wake_relay)


InboxDep = Annotated[InboxCommands, Depends(get_inbox)]
OperatorDep = Annotated[OperatorCommands, Depends(get_operator)]


@inbox_router.get("", summary="My notices (newest first)")
async def list_inbox(
    principal: PrincipalDep,
    inbox: InboxDep,
    lang: LanguageDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> list[NotificationView]:
    found = await inbox.list(principal, unread_only=unread, limit=limit, offset=offset)
    return [NotificationView.of(n, lang) for n in found]


@inbox_router.get("/unread-count", summary="How many of my notices are unread")
async def unread_count(principal: PrincipalDep, inbox: InboxDep) -> UnreadCountOut:
    return UnreadCountOut(unread=await inbox.unread(principal))


@inbox_router.post("/{notification_id}/read", summary="Mark a notice read (已读)")
async def mark_read(
    notification_id: str, principal: PrincipalDep, inbox: InboxDep, lang: LanguageDep
) -> NotificationView:
    return NotificationView.of(await inbox.mark_read(principal, notification_id), lang)


@inbox_router.post("/{notification_id}/acknowledgement", summary="Acknowledge receipt (签收)")
async def acknowledge(
    notification_id: str, principal: PrincipalDep, inbox: InboxDep, lang: LanguageDep
) -> NotificationView:
    return NotificationView.of(await inbox.acknowledge(principal, notification_id), lang)


@operations_router.get("/dead-letters", summary="Deliveries that failed their last retry")
async def dead_letters(
    principal: PrincipalDep,
    operator: OperatorDep,
    lang: LanguageDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NotificationView]:
    found = await operator.dead_letters(principal, limit)
    return [NotificationView.of(n, lang) for n in found]


@operations_router.post(
    "/dead-letters/{notification_id}/replay", summary="Send a dead-lettered delivery again"
)
async def replay(
    notification_id: str,
    principal: PrincipalDep,
    operator: OperatorDep,
    wiring: WiringDep,
    lang: LanguageDep,
    channel: Channel | None = None,
) -> NotificationView:
    n = await operator.replay(principal, notification_id, channel)
    wiring.created()  # dispatch the replayed delivery now
    return NotificationView.of(n, lang)


@operations_router.post("/scheduler/tick", summary="Evaluate the reminder rules and dispatch now")
async def tick_now(principal: PrincipalDep, wiring: WiringDep) -> SchedulerTickOut:
    # A tick evaluates every region's reminders: the root city_org only (LB-16).
    require_root_city_org(principal, wiring.tree)
    created = await wiring.scheduler().tick()
    dispatched = await wiring.dispatcher().run_once()
    wiring.created()
    return SchedulerTickOut(created=len(created), dispatched=dispatched)

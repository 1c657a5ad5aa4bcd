"""Inbox and operator use cases: who may read, sign for, list and replay what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lingban_contracts.divisions import default_tree
from lingban_contracts.events.notifications import Channel
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import Clock
from lingban_kit.unit_of_work import RelayWaker, RetryingUnitOfWork, no_relay
from lingban_notifications.directory.repository import Directory
from lingban_notifications.directory.role_inbox import role_inbox, role_inbox_ids
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.notifications.repository import NotificationRepository
from lingban_notifications.subjects.inspections import member_inbox_of

OPERATOR_ROLES = (Role.CITY_ORG,)


@dataclass
class InboxCommands:
    repo: NotificationRepository
    directory: Directory
    clock: Clock
    wake_relay: RelayWaker = no_relay

    def _unit(self) -> RetryingUnitOfWork[Notification]:
        return RetryingUnitOfWork(self.repo, self.wake_relay, noun="通知", noun_en="notification")

    async def mine(self, principal: Principal) -> list[str]:
        ids, listed = await self.directory.inboxes(principal)
        # The user's own inbox as a supervision-group member (subjects/inspections.py).
        ids.append(member_inbox_of(principal))
        # The role inboxes of the user's own unit that have no directory entry (a role
        # inbox's id is its unit's entry id, so `listed` knows: no lookup per inbox).
        for candidate in role_inbox_ids(principal.region_code):
            fallback = role_inbox(candidate, default_tree())
            if candidate not in listed and fallback is not None and fallback.readable_by(principal):
                ids.append(candidate)
        return ids

    async def list(
        self, principal: Principal, *, unread_only: bool, limit: int, offset: int
    ) -> list[Notification]:
        ids = await self.mine(principal)
        if not ids:
            return []
        return await self.repo.inbox(ids, unread_only=unread_only, limit=limit, offset=offset)

    async def unread(self, principal: Principal) -> int:
        ids = await self.mine(principal)
        return await self.repo.unread_count(ids) if ids else 0

    async def _change(
        self, principal: Principal, notification_id: str, change: Callable[[Notification], bool]
    ) -> Notification:
        ids = set(await self.mine(principal))
        # Someone else's notice looks the same as a missing one.
        return await self._unit().change(
            notification_id, lambda n: n.recipient_id in ids and n.in_inbox, change
        )

    async def mark_read(self, principal: Principal, notification_id: str) -> Notification:
        return await self._change(
            principal, notification_id, lambda n: n.mark_read(self.clock.now())
        )

    async def acknowledge(self, principal: Principal, notification_id: str) -> Notification:
        def sign(n: Notification) -> bool:
            n.acknowledge(principal.actor, self.clock.now())
            return True

        return await self._change(principal, notification_id, sign)


@dataclass
class OperatorCommands:
    repo: NotificationRepository
    clock: Clock
    wake_relay: RelayWaker = no_relay

    async def dead_letters(self, principal: Principal, limit: int) -> list[Notification]:
        principal.require_any(*OPERATOR_ROLES)
        return [n for n in await self.repo.dead_letters(limit) if principal.can_see(n.unit_code)]

    async def replay(
        self, principal: Principal, notification_id: str, channel: Channel | None
    ) -> Notification:
        principal.require_any(*OPERATOR_ROLES)

        def replay(n: Notification) -> bool:
            now = self.clock.now()
            channels = (
                [channel]
                if channel
                else [c for c in n.deliveries if n.deliveries[c].status == "dead"]
            )
            for c in channels or [Channel.INBOX]:
                n.replay(c, now)
            return True

        unit = RetryingUnitOfWork(self.repo, self.wake_relay, noun="通知", noun_en="notification")
        return await unit.change(notification_id, lambda n: principal.can_see(n.unit_code), replay)

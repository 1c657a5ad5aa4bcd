"""Hand-written fakes that subclass the real ports."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from lingban_contracts.events.notifications import Channel
from lingban_kit.auth import Principal
from lingban_notifications.delivery.channels import ChannelSender, DeliveryError, Message
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.directory.repository import Directory
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.notifications.repository import NotificationRepository


class FakeNotificationRepository(NotificationRepository):
    def __init__(self) -> None:
        self.items: dict[str, tuple[Notification, int]] = {}
        self.claims: dict[str, tuple[str, datetime]] = {}
        self.published: list[str] = []

    def _store(self, n: Notification, rev: int) -> None:
        self.published += [e.type for e in n.pending_events]
        n.pending_events.clear()
        self.items[n.id] = (copy.deepcopy(n), rev)

    async def add(self, n: Notification) -> bool:
        if any(m.dedupe_key == n.dedupe_key for m, _ in self.items.values()):
            return False
        self._store(n, 1)
        return True

    async def existing_keys(self, keys: list[str]) -> set[str]:
        return {m.dedupe_key for m, _ in self.items.values()} & set(keys)

    async def get(self, notification_id: str) -> tuple[Notification, int] | None:
        found = self.items.get(notification_id)
        return (copy.deepcopy(found[0]), found[1]) if found else None

    async def save(
        self, n: Notification, rev: int, claim: str | None = None, *, release: bool = True
    ) -> bool:
        if self.items[n.id][1] != rev:
            return False
        if claim is not None and release and self.claims.get(n.id, ("", datetime.min))[0] == claim:
            self.claims.pop(n.id)  # only the claimer releases its own claim
        self._store(n, rev + 1)
        return True

    async def claim_due(
        self,
        now: datetime,
        holder: str,
        hold: timedelta,
        limit: int,
        *,
        put_off: bool = True,
        recipient_id: str | None = None,
    ) -> list[tuple[Notification, int]]:
        claimed: list[tuple[Notification, int]] = []
        for n, rev in self.items.values():
            due = n.next_due_at
            held = self.claims.get(n.id)
            free = held is None or held[1] <= now or held[0] == holder  # ours: left over
            if recipient_id is not None:
                wanted = n.open and n.recipient_id == recipient_id
            else:
                wanted = n.due_soon or (put_off and n.open)
            if wanted and due is not None and due <= now and free and len(claimed) < limit:
                self.claims[n.id] = (holder, now + hold)
                claimed.append((copy.deepcopy(n), rev))
        return claimed

    async def inbox(
        self, recipient_ids: list[str], *, unread_only: bool, limit: int, offset: int
    ) -> list[Notification]:
        found = [
            n
            for n, _ in self.items.values()
            if n.recipient_id in recipient_ids and n.in_inbox and not (unread_only and n.read_at)
        ]
        return found[offset : offset + limit]

    async def unread_count(self, recipient_ids: list[str]) -> int:
        return len(await self.inbox(recipient_ids, unread_only=True, limit=10**6, offset=0))

    async def dead_letters(self, limit: int) -> list[Notification]:
        return [n for n, _ in self.items.values() if n.has_dead][:limit]

    async def awaiting_ack(self, sent_before: datetime) -> list[Notification]:
        return [
            n
            for n, _ in self.items.values()
            if n.requires_ack
            and n.acknowledged_at is None
            and not n.ack_escalated
            and n.first_sent_at is not None
            and n.first_sent_at <= sent_before
        ]


class FakeDirectory(Directory):
    def __init__(self, entries: list[Recipient]) -> None:
        self.entries = {r.id: r for r in entries}

    async def all(self) -> dict[str, Recipient]:
        return dict(self.entries)

    async def get(self, recipient_id: str) -> Recipient | None:
        return self.entries.get(recipient_id)

    async def put(self, recipients: list[Recipient]) -> None:
        self.entries |= {r.id: r for r in recipients}

    async def inboxes(self, principal: Principal) -> tuple[list[str], set[str]]:
        readable = [r.id for r in self.entries.values() if r.readable_by(principal)]
        unit = {r.id for r in self.entries.values() if r.unit_code == principal.region_code}
        return readable, unit

    async def search(
        self, *, region_code: str, kind: str | None, limit: int, offset: int
    ) -> list[Recipient]:
        return list(self.entries.values())[offset : offset + limit]


class RecordingSender(ChannelSender):
    """Records messages; fails while `failures` is positive."""

    def __init__(self, channel: Channel, *, configured: bool = True, failures: int = 0) -> None:
        self.channel = channel
        self._configured = configured
        self.failures = failures
        self.sent: list[tuple[str, Message]] = []

    @property
    def configured(self) -> bool:
        return self._configured

    async def send(self, recipient: Recipient, message: Message) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryError(f"gateway down for {recipient.phone}")
        self.sent.append((recipient.id, message))

"""A notification and its per-channel deliveries (pure: rules and the events they cause).

pending ─send ok→ sent
pending ─send fails→ failed (retry at next_attempt_at, exponential backoff)
failed ─last attempt fails→ dead (dead letter; an operator may replay → pending)
pending ─channel not configured→ skipped
The inbox delivery is "sent" when the dispatcher puts it in the inbox; the
recipient then reads (已读) and acknowledges (签收) it.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.events import notifications as ev
from lingban_contracts.events.notifications import Channel
from lingban_kit.errors import Conflict, InvalidTransition

SERVICE = "notifications"
SYSTEM = Actor(id="system:notifications-dispatcher")


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # will be retried
    DEAD = "dead"  # dead letter
    SKIPPED = "skipped"  # channel not configured in this deployment


OPEN = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# A next attempt at least this far off when it was decided (quiet hours, a long retry
# backoff) is "put off": the dispatcher looks for it only in its full pass, at most
# `Dispatcher.full_pass_every` apart, not on every pass (docs/notifications.md).
PUT_OFF = timedelta(minutes=5)


@dataclass
class Delivery:
    channel: Channel
    status: DeliveryStatus
    next_attempt_at: datetime
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    digest_id: str | None = None
    # The idempotency key of the message this delivery goes out in, fixed (stored)
    # before the first attempt and kept for every later one, so a message re-sent
    # after a crash or a lost answer carries the key the gateway has seen.
    key: str | None = None
    # The next attempt was put off (see PUT_OFF) when it was decided.
    put_off: bool = False

    def reschedule(self, at: datetime, now: datetime) -> None:
        self.next_attempt_at, self.put_off = at, at - now >= PUT_OFF


@dataclass(frozen=True)
class Retry:
    max_attempts: int
    backoff: timedelta

    def delay(self, attempt: int) -> timedelta:
        """Exponential: backoff, 2×, 4× … after the 1st, 2nd, 3rd failed attempt."""
        return self.backoff * float(2 ** (attempt - 1))


def dedupe_key(
    rule_id: str, subject_type: str, subject_id: str, recipient: str, period: str
) -> str:
    return f"{rule_id}|{subject_type}:{subject_id}|{recipient}|{period}"


def notification_id(key: str) -> str:
    """Derived from the dedupe key, so the `_id` itself refuses a second copy
    (and is the same whichever replica creates it)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass
class Notification:
    id: str
    dedupe_key: str
    rule_id: str
    kind: str
    recipient_id: str
    recipient_kind: str
    recipient_name: str
    unit_code: str
    subject_type: str
    subject_id: str
    subject_unit_code: str | None
    period: str
    title: dict[str, str]  # {"zh": …, "en": …}
    body: dict[str, str]
    link: str
    created_at: datetime
    requires_ack: bool
    deliveries: dict[Channel, Delivery]
    read_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    ack_escalated: bool = False
    version: int = 0
    pending_events: list[Envelope] = field(default_factory=list)
    # The request or event that caused the change: stamped on the events it records
    # (set by the unit of work; not stored).
    correlation_id: str | None = None

    @classmethod
    def create(
        cls,
        *,
        rule_id: str,
        kind: str,
        recipient_id: str,
        recipient_kind: str,
        recipient_name: str,
        unit_code: str,
        subject_type: str,
        subject_id: str,
        subject_unit_code: str | None,
        period: str,
        title: dict[str, str],
        body: dict[str, str],
        link: str,
        requires_ack: bool,
        channels: list[Channel],
        now: datetime,
    ) -> Notification:
        key = dedupe_key(rule_id, subject_type, subject_id, recipient_id, period)
        return cls(
            id=notification_id(key),
            dedupe_key=key,
            rule_id=rule_id,
            kind=kind,
            recipient_id=recipient_id,
            recipient_kind=recipient_kind,
            recipient_name=recipient_name,
            unit_code=unit_code,
            subject_type=subject_type,
            subject_id=subject_id,
            subject_unit_code=subject_unit_code,
            period=period,
            title=title,
            body=body,
            link=link,
            created_at=now,
            requires_ack=requires_ack,
            deliveries={c: Delivery(c, DeliveryStatus.PENDING, now) for c in channels},
        )

    # ---- queries --------------------------------------------------------------
    @property
    def open(self) -> bool:
        return any(d.status in OPEN for d in self.deliveries.values())

    @property
    def next_due_at(self) -> datetime | None:
        due = [d.next_attempt_at for d in self.deliveries.values() if d.status in OPEN]
        return min(due) if due else None

    @property
    def due_soon(self) -> bool:
        """Open with a delivery that was not put off: the dispatcher's every pass reads it."""
        return any(d.status in OPEN and not d.put_off for d in self.deliveries.values())

    @property
    def has_dead(self) -> bool:
        return any(d.status is DeliveryStatus.DEAD for d in self.deliveries.values())

    @property
    def first_sent_at(self) -> datetime | None:
        sent = [d.sent_at for d in self.deliveries.values() if d.sent_at]
        return min(sent) if sent else None

    @property
    def in_inbox(self) -> bool:
        inbox = self.deliveries.get(Channel.INBOX)
        return inbox is not None and inbox.status is DeliveryStatus.SENT

    @property
    def unread(self) -> bool:
        """In the inbox and not read yet (what the unread badge counts)."""
        return self.in_inbox and self.read_at is None

    @property
    def awaiting_ack(self) -> bool:
        """Sent, must be signed, unsigned, and no escalation has gone out for it yet."""
        return (
            self.requires_ack
            and self.acknowledged_at is None
            and not self.ack_escalated
            and self.first_sent_at is not None
        )

    def due_channels(self, now: datetime) -> list[Channel]:
        return [
            c for c, d in self.deliveries.items() if d.status in OPEN and d.next_attempt_at <= now
        ]

    # ---- delivery outcomes ----------------------------------------------------
    def mark_sent(self, channel: Channel, now: datetime, digest_id: str | None = None) -> None:
        d = self.deliveries[channel]
        if d.status not in OPEN:
            return  # a late duplicate outcome: already settled
        d.attempts += 1
        d.status, d.sent_at, d.digest_id, d.last_error = DeliveryStatus.SENT, now, digest_id, None
        self._record(
            ev.NotificationSent(
                **self._ids(channel), attempt=d.attempts, sent_at=now, digest_id=digest_id
            ),
            SYSTEM,
            now,
        )

    def mark_failed(self, channel: Channel, now: datetime, error: str, retry: Retry) -> None:
        d = self.deliveries[channel]
        if d.status not in OPEN:
            return
        d.attempts += 1
        d.last_error = error[:500]
        dead = d.attempts >= retry.max_attempts
        d.status = DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED
        next_at = None if dead else now + retry.delay(d.attempts)
        if next_at is not None:
            d.reschedule(next_at, now)
        self._record(
            ev.NotificationFailed(
                **self._ids(channel),
                attempt=d.attempts,
                failed_at=now,
                error=d.last_error,
                dead_lettered=dead,
                next_attempt_at=next_at,
            ),
            SYSTEM,
            now,
        )

    def stage(self, channel: Channel, key: str) -> None:
        """Fix the key of the message this delivery is about to go out in (once)."""
        d = self.deliveries[channel]
        if d.status in OPEN and d.key is None:
            d.key = key

    def defer(self, channel: Channel, until: datetime, now: datetime) -> None:
        """Quiet hours: try again later without counting an attempt."""
        self.deliveries[channel].reschedule(until, now)

    def skip(self, channel: Channel, reason: str) -> None:
        d = self.deliveries[channel]
        d.status, d.last_error = DeliveryStatus.SKIPPED, reason

    def replay(self, channel: Channel, now: datetime) -> None:
        d = self.deliveries.get(channel)
        if d is None or d.status is not DeliveryStatus.DEAD:
            raise InvalidTransition(
                message=f"{channel.value} 渠道不是死信，无需重放",
                message_en=f"The {channel.value} delivery is not dead-lettered",
            )
        d.status, d.attempts = DeliveryStatus.PENDING, 0
        d.reschedule(now, now)

    # ---- the recipient --------------------------------------------------------
    def mark_read(self, now: datetime) -> bool:
        if self.read_at is not None:
            return False
        self.read_at = now
        return True

    def acknowledge(self, actor: Actor, now: datetime) -> None:
        if not self.requires_ack:
            raise InvalidTransition(
                message="此通知无需签收", message_en="This notice does not need acknowledging"
            )
        if self.acknowledged_at is not None:
            raise Conflict(
                message=f"已于 {self.acknowledged_at.isoformat()} 签收",
                message_en=f"Already acknowledged at {self.acknowledged_at.isoformat()}",
            )
        self.acknowledged_at, self.acknowledged_by = now, actor.id
        self.read_at = self.read_at or now
        self._record(
            ev.NotificationAcknowledged(
                **self._ids(Channel.INBOX),
                acknowledged_at=now,
                acknowledged_by=actor.id,
                first_sent_at=self.first_sent_at,
                escalated=self.ack_escalated,
            ),
            actor,
            now,
        )

    def mark_ack_escalated(self) -> None:
        self.ack_escalated = True

    # ---- events -----------------------------------------------------------------
    def _ids(self, channel: Channel) -> dict[str, Any]:
        return {
            "notification_id": self.id,
            "rule_id": self.rule_id,
            "kind": self.kind,
            "dedupe_key": self.dedupe_key,
            "channel": channel,
            "recipient_id": self.recipient_id,
            "recipient_kind": self.recipient_kind,
            "unit_code": self.unit_code,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "subject_unit_code": self.subject_unit_code,
            "period": self.period,
            "requires_acknowledgement": self.requires_ack,
            "created_at": self.created_at,
        }

    def _record(self, data: EventData, actor: Actor, now: datetime) -> None:
        self.version += 1
        self.pending_events.append(
            new_envelope(
                data=data,
                source_service=SERVICE,
                actor=actor,
                region_code=self.unit_code,
                aggregate_id=self.id,
                aggregate_version=self.version,
                time=now,
                correlation_id=self.correlation_id,
            )
        )

    def copy(self) -> Notification:
        return dataclasses.replace(
            self,
            deliveries={c: dataclasses.replace(d) for c, d in self.deliveries.items()},
            pending_events=list(self.pending_events),
        )

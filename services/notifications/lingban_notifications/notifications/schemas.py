"""HTTP response bodies of the inbox and the notification operations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from lingban_contracts.events.notifications import Channel
from lingban_notifications.notifications.domain import Notification


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


class UnreadCountOut(BaseModel):
    unread: int = Field(ge=0, description="My notices not yet read (未读)")


class SchedulerTickOut(BaseModel):
    """What one on-demand pass of the scheduler and the dispatcher did."""

    created: int = Field(ge=0, description="Notifications the reminder rules created")
    dispatched: int = Field(ge=0, description="Notifications the dispatcher handled")

"""Payloads of the notifications service, topic `lingban.notifications.notification.v1`.

A *notification* is one reminder or notice for one recipient: the rule that
produced it, the subject it is about (a project, a stage, a rectification …),
the period it covers, and its dedupe key `rule|subject|recipient|period`
(a reminder is sent once per key). It is delivered on one or more channels;
each delivery outcome is an event keyed by the notification id, so every
event of one notification stays in order.

Public events carry ids only, never personal contact data (no phone numbers,
e-mail addresses or webhook URLs): subscribers resolve people through their
own directory. Every payload repeats the notification id, rule, dedupe key,
channel, recipient, unit and subject, so a subscriber (e.g. reporting, which
computes acknowledgement rates) can file any single event on its own.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import Field

from lingban_contracts.base import EventData
from lingban_contracts.regions import RegionCode
from lingban_contracts.topics import NOTIFICATIONS

TOPIC = NOTIFICATIONS


class Channel(enum.StrEnum):
    INBOX = "inbox"  # 站内信
    EMAIL = "email"
    WEBHOOK = "webhook"  # workplace chat robot (WeCom / DingTalk / Feishu)
    SMS = "sms"


class NotificationEvent(EventData):
    notification_id: str
    rule_id: str = Field(description="The reminder rule that produced it, e.g. `monthly-card`.")
    kind: str = Field(
        description=(
            "What sort of reminder: monthly_card (提醒卡), weekly_report_reminder, "
            "report_missing, deadline_warning, overdue, escalation, review_waiting, "
            "event_notice, acknowledgement_escalation. New kinds may be added."
        )
    )
    dedupe_key: str = Field(description="rule|subject_type:subject_id|recipient|period")
    channel: Channel
    recipient_id: str = Field(description="Contact-directory id of the recipient.")
    recipient_kind: str = Field(
        description=(
            "secretary | township_staff | task_force | member_department | "
            "supervision_group | reviewer | operator"
        )
    )
    unit_code: RegionCode = Field(description="The recipient's unit (also the event's region).")
    subject_type: str = Field(
        description="project | stage | weekly_report | monthly_card | rectification | inspection …"
    )
    subject_id: str = Field(description="e.g. the project id; the township code for a card")
    subject_unit_code: RegionCode | None = Field(
        default=None, description="The unit the subject belongs to, when there is one."
    )
    period: str = Field(description="What period it covers: 2026-04, 2026-W14 or 2026-04-23.")
    requires_acknowledgement: bool = Field(description="Whether the recipient must sign (签收).")
    created_at: datetime = Field(description="When the rule fired for this notification.")


class NotificationSent(NotificationEvent):
    """Delivered on one channel (accepted by the SMTP server, robot or SMS provider)."""

    attempt: int = Field(ge=1)
    sent_at: datetime
    digest_id: str | None = Field(
        default=None, description="Set when it went out as part of a digest message."
    )


class NotificationFailed(NotificationEvent):
    """One delivery attempt failed; `dead_lettered` when it was the last one."""

    attempt: int = Field(ge=1)
    failed_at: datetime
    error: str = Field(max_length=500, description="Why, without contact data.")
    dead_lettered: bool = Field(description="No more automatic retries; an operator can replay.")
    next_attempt_at: datetime | None = None


class NotificationAcknowledged(NotificationEvent):
    """The recipient signed for it in the inbox (签收)."""

    acknowledged_at: datetime
    acknowledged_by: str = Field(description="The user id (token `sub`) who signed.")
    first_sent_at: datetime | None = Field(
        default=None, description="When it was first delivered; with acknowledged_at, the delay."
    )
    escalated: bool = Field(
        description="Whether an unacknowledged-escalation had already gone out before it."
    )


EVENTS: tuple[tuple[str, type[EventData], str], ...] = (
    (
        "lingban.notifications.notification-sent.v1",
        NotificationSent,
        "A reminder or notice was delivered to one recipient on one channel.",
    ),
    (
        "lingban.notifications.notification-failed.v1",
        NotificationFailed,
        "A delivery attempt failed (retried with backoff; dead-lettered after the last).",
    ),
    (
        "lingban.notifications.notification-acknowledged.v1",
        NotificationAcknowledged,
        "The recipient acknowledged receipt (签收) in the inbox.",
    ),
)

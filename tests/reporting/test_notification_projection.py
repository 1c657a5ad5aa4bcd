"""Notification read model: redelivered and shuffled events give the acknowledgement rate."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.events import notifications as nt
from lingban_kit.mongo import Database
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import ReadModels
from tests.reporting.scratch import notification_figures

pytestmark = pytest.mark.integration
AT = datetime(2026, 4, 1, 1, tzinfo=UTC)


def notification(i: int, *, acknowledged: bool, needs_ack: bool = True) -> list[Envelope]:
    common = {
        "notification_id": f"n{i}",
        "rule_id": "monthly-card",
        "kind": "monthly_card",
        "dedupe_key": f"monthly-card|project:p{i}|u{i}|2026-04",
        "channel": nt.Channel.INBOX,
        "recipient_id": f"u{i}",
        "recipient_kind": "secretary",
        "unit_code": "340881100201",
        "subject_type": "project",
        "subject_id": f"p{i}",
        "period": "2026-04",
        "requires_acknowledgement": needs_ack,
        "created_at": AT,
    }
    payloads: list[nt.NotificationEvent] = [nt.NotificationSent(**common, attempt=1, sent_at=AT)]
    if acknowledged:
        payloads.append(
            nt.NotificationAcknowledged(
                **common, acknowledged_at=AT, acknowledged_by=f"u{i}", escalated=False
            )
        )
    return [
        new_envelope(
            data=p,
            source_service="notifications",
            actor=Actor(id="system:notifications"),
            region_code="340881100201",
            aggregate_id=f"n{i}",
            aggregate_version=v,
            time=AT,
        )
        for v, p in enumerate(payloads, start=1)
    ]


async def test_acknowledgement_rate_under_redelivery_and_shuffling(database: Database) -> None:
    events = [e for i in range(10) for e in notification(i, acknowledged=i < 6)]
    events += notification(10, acknowledged=False, needs_ack=False)
    messy = events + events[:7]
    random.Random(8).shuffle(messy)
    models = ReadModels(database, "n")
    for i in range(0, len(messy), 4):
        await Projector(database).apply(messy[i : i + 4], models)
    docs = [d async for d in models.notifications.find({"year": 2026})]
    assert notification_figures(docs) == {
        "sent": 11,
        "acknowledged": 6,
        "acknowledgement_rate": 0.6,
    }

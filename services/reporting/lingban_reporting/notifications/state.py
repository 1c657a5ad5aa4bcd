"""One document per notification (pure fold): sent on some channel, acknowledged (签收).

Facts only accumulate (sent, acknowledged, channels), so any order and any
repetition of the events give the same document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events import notifications as nev
from lingban_contracts.registry import event_type
from lingban_kit.clock import LOCAL_ZONE
from lingban_reporting.read_models.tracking import base_doc, track

SENT = event_type(nev.NotificationSent)
FAILED = event_type(nev.NotificationFailed)
ACKNOWLEDGED = event_type(nev.NotificationAcknowledged)
EVENT_TYPES = (SENT, FAILED, ACKNOWLEDGED)

Doc = dict[str, Any]


def new_notification(event: Envelope) -> Doc:
    data = event.data
    created = datetime.fromisoformat(str(data["created_at"]))
    doc = base_doc(str(data["notification_id"]))
    doc.update(
        unit_code=data["unit_code"],
        year=created.astimezone(LOCAL_ZONE).year,
        kind=data["kind"],
        rule_id=data["rule_id"],
        requires_acknowledgement=bool(data["requires_acknowledgement"]),
        sent=False,
        acknowledged=False,
        channels=[],
        failed_channels=[],
    )
    return doc


def fold_notification(doc: Doc, event: Envelope) -> None:
    data = event.data
    if event.type == SENT:
        doc["sent"] = True
        doc["channels"] = sorted({*doc["channels"], str(data["channel"])})
    elif event.type == FAILED and data.get("dead_lettered"):
        doc["failed_channels"] = sorted({*doc["failed_channels"], str(data["channel"])})
    elif event.type == ACKNOWLEDGED:
        doc["acknowledged"] = True
        doc["sent"] = True  # acknowledged in the inbox, so it was delivered there
    track(doc, event)

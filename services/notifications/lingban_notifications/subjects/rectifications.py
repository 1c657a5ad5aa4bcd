"""Supervision events -> `reminder_rectifications`: open rectifications and their deadlines.

One document per rectification (整改), version-guarded by the inspection's
aggregate version (a rectification belongs to one inspection), so duplicates
and stale events change nothing. A reopened rectification gets its new
deadline and is open again; submitted ones wait for verification.
"""

from __future__ import annotations

from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events import supervision as sv
from lingban_contracts.events.supervision import RectificationStatus
from lingban_contracts.registry import event_type
from lingban_kit.mongo import Database, apply_if_newer
from lingban_notifications.subjects.tracking import Projection

RECTIFICATIONS = "reminder_rectifications"
R = RectificationStatus
STATUS_AFTER = {
    event_type(sv.RectificationOpened): R.OPEN,
    event_type(sv.RectificationReopened): R.OPEN,
    event_type(sv.RectificationSubmitted): R.SUBMITTED,
    event_type(sv.RectificationVerified): R.CLOSED,
}
# Every rectification event carries the deadline; the ones above also change the status.
RECTIFICATION_EVENTS = (*STATUS_AFTER, event_type(sv.RectificationOverdue))


def _update(event: Envelope) -> tuple[str, dict[str, Any]] | None:
    name = event.type
    d = event.data
    if name == event_type(sv.InspectionFailed):
        return d["rectification_id"], {
            "$set": {
                "inspection_id": d["inspection_id"],
                "unit_code": d["unit_code"],
                "project_id": d.get("project_id"),
                "deadline": d["rectification_deadline"],
                "items": list(d["failed_items"]),
                "status": R.OPEN.value,
            }
        }
    if name not in RECTIFICATION_EVENTS:
        return None
    sets: dict[str, Any] = {
        "inspection_id": d["inspection_id"],
        "unit_code": d["unit_code"],
        "project_id": d.get("project_id"),
        "deadline": d["deadline"],
    }
    if name in STATUS_AFTER:
        sets["status"] = STATUS_AFTER[name].value
    if name == event_type(sv.RectificationOpened):
        sets["items"] = list(d["items"])
    return d["rectification_id"], {"$set": sets}


async def ensure_rectification_indexes(db: Database) -> None:
    """The scheduler reads the open ones by `status` equality."""
    await db[RECTIFICATIONS].create_index("status")


def rectification_projection(db: Database) -> Projection:
    rectifications = db[RECTIFICATIONS]

    async def apply(event: Envelope) -> None:
        found = _update(event)
        if found is not None:
            doc_id, update = found
            await apply_if_newer(rectifications, doc_id, event.aggregate_version, update)

    return apply

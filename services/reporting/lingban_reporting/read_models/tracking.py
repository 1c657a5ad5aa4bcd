"""Bookkeeping every entity document carries (pure): versions seen, newest time.

`seen` is the set of aggregate versions folded in (so `applied_events`
ignores redeliveries), `version` the newest, `updated_at` the newest event
time (the freshness `as_of`).
"""

from __future__ import annotations

from typing import Any

from lingban_contracts import Envelope

Doc = dict[str, Any]


def base_doc(doc_id: str) -> Doc:
    return {"_id": doc_id, "version": 0, "seen": [], "applied_events": 0, "updated_at": None}


def track(doc: Doc, event: Envelope) -> None:
    version = event.aggregate_version
    if version not in doc["seen"]:
        doc["seen"] = sorted({*doc["seen"], version})
    doc["version"] = max(doc.get("version", 0), version)
    doc["applied_events"] = len(doc["seen"])
    if doc.get("updated_at") is None or event.time > doc["updated_at"]:
        doc["updated_at"] = event.time


def newer(doc: Doc, field: str, event: Envelope) -> bool:
    """Per-field version guard: whether `event` may replace what `field` holds."""
    if event.aggregate_version > doc.get(field, 0):
        doc[field] = event.aggregate_version
        return True
    return False

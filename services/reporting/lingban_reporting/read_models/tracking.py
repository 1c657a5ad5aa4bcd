"""Bookkeeping every entity document carries (pure): versions seen, newest time.

`seen` is the set of aggregate versions folded in (so `applied_events`
ignores redeliveries), `version` the newest, `updated_at` the newest event
time (the freshness `as_of`).

`seen` is stored packed, as runs of versions in one string ("1-45", "1-9,11-45"),
not as an array: FerretDB decodes and re-encodes every field and array item of a
document on each write, with a type beside each, and an array of every version was
a third of a project document's fields (docs/performance.md). Documents written
before hold an array; they read the same, and are packed when next written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lingban_contracts import Envelope

Doc = dict[str, Any]


def base_doc(doc_id: str) -> Doc:
    return {"_id": doc_id, "version": 0, "seen": "", "applied_events": 0, "updated_at": None}


def pack_versions(versions: Iterable[int]) -> str:
    """Sorted runs: {1, 2, 3, 5} -> "1-3,5"."""
    runs: list[list[int]] = []
    for version in sorted(set(versions)):
        if runs and version == runs[-1][1] + 1:
            runs[-1][1] = version
        else:
            runs.append([version, version])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def seen_versions(doc: Doc) -> set[int]:
    """The versions folded in, from either stored form (packed, or an older array)."""
    value = doc.get("seen") or ""
    if isinstance(value, list):
        return {int(v) for v in value}
    versions: set[int] = set()
    for run in filter(None, value.split(",")):
        first, _, last = run.partition("-")
        versions.update(range(int(first), int(last or first) + 1))
    return versions


def mark_seen(doc: Doc, version: int) -> None:
    """Add `version` to `seen` (a no-op when it is there) and count them."""
    versions = seen_versions(doc)
    if version not in versions:
        versions.add(version)
        doc["seen"] = pack_versions(versions)
    doc["applied_events"] = len(versions)


def track(doc: Doc, event: Envelope) -> None:
    version = event.aggregate_version
    mark_seen(doc, version)
    doc["version"] = max(doc.get("version", 0), version)
    if doc.get("updated_at") is None or event.time > doc["updated_at"]:
        doc["updated_at"] = event.time


def newer(doc: Doc, field: str, event: Envelope) -> bool:
    """Per-field version guard: whether `event` may replace what `field` holds."""
    if event.aggregate_version > doc.get(field, 0):
        doc[field] = event.aggregate_version
        return True
    return False

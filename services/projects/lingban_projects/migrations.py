"""One-off data migrations, run at service start and remembered by a marker document.

A migration must be idempotent: replicas starting together may both run it
before either writes the marker. The marker only spares later starts the
full read a backfill needs (FerretDB cannot select "documents without a
field" through an index). To run one again, delete its marker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from lingban_kit.mongo import Database

MIGRATIONS_COLLECTION = "migrations"


async def run_once(db: Database, name: str, migrate: Callable[[], Awaitable[int]]) -> int | None:
    """Run `migrate` unless its marker exists; returns how many documents it changed."""
    markers = db[MIGRATIONS_COLLECTION]
    if await markers.find_one({"_id": name}) is not None:
        return None
    changed = await migrate()
    await markers.update_one(
        {"_id": name},
        {"$set": {"done_at": datetime.now(UTC), "changed": changed}},
        upsert=True,
    )
    return changed

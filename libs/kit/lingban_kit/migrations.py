"""One-off data migrations, run at service start and remembered by a marker document.

A migration must be idempotent: replicas starting together may both run it
before either writes the marker, and one that dies half-way runs again at the
next start (the marker is written only at the end). The marker only spares
later starts the full read a backfill needs (no index can select "documents
without a field"). To run one again, delete its marker.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from lingban_kit.mongo import Database

log = logging.getLogger(__name__)
MIGRATIONS_COLLECTION = "migrations"


async def run_once(db: Database, name: str, migrate: Callable[[], Awaitable[int]]) -> int | None:
    """Run `migrate` unless its marker exists; how many documents it changed, None if skipped."""
    markers = db[MIGRATIONS_COLLECTION]
    if await markers.find_one({"_id": name}, {"_id": 1}) is not None:
        return None
    changed = await migrate()
    with contextlib.suppress(DuplicateKeyError):  # another replica finished it too
        await markers.update_one(
            {"_id": name},
            {"$set": {"done_at": datetime.now(UTC), "changed": changed}},
            upsert=True,
        )
    log.info("migration finished", extra={"migration": name, "changed": changed})
    return changed

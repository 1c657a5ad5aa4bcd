"""`notifications_meta`: small bookkeeping documents, each read by `_id`.

- `migration:<name>`: a one-off data migration ran to its end on this database.
- `contacts-version`: changed by every directory write, so each replica knows
  when its in-process copy of the directory is out of date.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from lingban_kit.mongo import Database

log = logging.getLogger(__name__)
META = "notifications_meta"


async def run_once(db: Database, name: str, migrate: Callable[[], Awaitable[int]]) -> bool:
    """Run `migrate` unless it already finished on this database; True if it ran.

    The migration must be idempotent: replicas starting together may both run
    it, and one that dies half-way runs again at the next start (the marker is
    written only at the end).
    """
    marker = f"migration:{name}"
    if await db[META].find_one({"_id": marker}, {"_id": 1}) is not None:
        return False
    changed = await migrate()
    with contextlib.suppress(DuplicateKeyError):  # another replica finished it too
        await db[META].update_one(
            {"_id": marker}, {"$set": {"finished_at": datetime.now(UTC)}}, upsert=True
        )
    log.info("migration finished", extra={"migration": name, "changed": changed})
    return True

"""Claims are taken side by side (`CLAIM_CONCURRENCY` at once), on the real database:
a pass takes at most its limit, two replicas claiming at the same moment never take
the same notice, and together they take every one that is due."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from lingban_kit.mongo import Database
from lingban_notifications.notifications.repository import (
    CLAIM_CONCURRENCY,
    MongoNotificationRepository,
    ensure_notification_indexes,
)
from tests.notifications.test_query_plans import SECRETARY, notice

pytestmark = pytest.mark.integration

HOLD = timedelta(minutes=2)


async def test_two_replicas_claiming_at_once_split_the_due_notices(database: Database) -> None:
    await ensure_notification_indexes(database)
    repo = MongoNotificationRepository(database)
    now = datetime.now(UTC)
    due = 3 * CLAIM_CONCURRENCY + 6  # more than one round each
    for n in range(due):
        await repo.add(notice(SECRETARY, f"2026-W{n + 1:02d}", at=now - timedelta(minutes=1)))

    limit = due - CLAIM_CONCURRENCY
    first, second = await asyncio.gather(
        repo.claim_due(now, "replica-a", HOLD, limit), repo.claim_due(now, "replica-b", HOLD, limit)
    )
    a, b = {n.id for n, _ in first}, {n.id for n, _ in second}
    assert len(first) == len(a) <= limit
    assert len(second) == len(b) <= limit
    assert a.isdisjoint(b)
    assert len(a | b) == due
    holders = {d["_id"]: d["claim"] async for d in repo.collection.find({}, {"claim": 1})}
    assert holders == {**dict.fromkeys(a, "replica-a"), **dict.fromkeys(b, "replica-b")}
    # Everything is claimed now: a third replica takes nothing.
    assert await repo.claim_due(now, "replica-c", HOLD, limit) == []


async def test_a_claim_left_by_a_failed_pass_is_taken_back_by_its_holder_at_once(
    database: Database,
) -> None:
    """A pass that claimed and then failed before releasing (its answer lost with the
    database) must not hold the notice back for the whole hold: the same dispatcher's
    next pass takes it back; another dispatcher still waits for the claim to lapse."""
    await ensure_notification_indexes(database)
    repo = MongoNotificationRepository(database)
    now = datetime.now(UTC)
    await repo.add(notice(SECRETARY, "2026-W01", at=now - timedelta(minutes=1)))
    [(first, _)] = await repo.claim_due(now, "replica-a:loop", HOLD, 10)
    # Nothing released: the pass died here.
    assert await repo.claim_due(now, "replica-b:loop", HOLD, 10) == []
    [(again, _)] = await repo.claim_due(now, "replica-a:loop", HOLD, 10)
    assert again.id == first.id

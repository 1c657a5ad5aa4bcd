"""Delivery claims with a replica whose clock is 10 minutes ahead (R12).

The dispatcher passes its replica's time (`now`) to `claim_due`: it says what is due.
A claim's expiry is judged on the database's clock, so a replica running ahead takes
no claim another replica holds (which would send the same message twice), and a dead
replica's claim lapses after the hold, not after its skew.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from lingban_notifications.notifications.repository import (
    MongoNotificationRepository,
)
from tests.notifications.test_query_plans import SECRETARY, notice

pytestmark = pytest.mark.integration

SKEW = timedelta(minutes=10)


async def test_a_replica_ahead_takes_no_claim_another_replica_holds(
    repo: MongoNotificationRepository,
) -> None:
    now = datetime.now(UTC)
    due = notice(SECRETARY, "due", at=now - timedelta(minutes=1))
    await repo.add(due)

    [(claimed, _)] = await repo.claim_due(now, "on-time", timedelta(minutes=2), 10)
    assert claimed.id == due.id
    # By the other replica's clock the 2-minute claim ran out 8 minutes ago.
    assert await repo.claim_due(now + SKEW, "ahead", timedelta(minutes=2), 10) == []
    doc = await repo.collection.find_one({"_id": due.id})
    assert doc is not None
    assert doc["claim"] == "on-time"


async def test_a_dead_replica_that_ran_ahead_loses_its_claim_after_the_hold(
    repo: MongoNotificationRepository,
) -> None:
    now = datetime.now(UTC)
    due = notice(SECRETARY, "due", at=now - timedelta(minutes=1))
    await repo.add(due)
    hold = timedelta(seconds=1)

    assert len(await repo.claim_due(now + SKEW, "ahead", hold, 10)) == 1
    # `ahead` dies mid-send. The notice is claimed again after the hold on the
    # database's clock (its own would have kept it for 10 minutes more).
    assert await repo.claim_due(now, "on-time", hold, 10) == []
    for _ in range(75):  # the hold is 1 s; give it up to 15 s on a loaded machine
        claimed = await repo.claim_due(datetime.now(UTC), "on-time", hold, 10)
        if claimed:
            break
        await asyncio.sleep(0.2)
    else:
        pytest.fail("the claim of a dead replica that ran ahead never lapsed")
    assert [n.id for n, _ in claimed] == [due.id]

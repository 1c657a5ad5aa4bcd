"""A sweep inserts its notices in bulk (real database): a notice whose key exists
is refused and the rest go in, each once and open for dispatch, with its inbox
month listed, across several commands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lingban_notifications.notifications.repository import (
    INBOX_MONTHS,
    INSERTS_PER_COMMAND,
    MongoNotificationRepository,
)
from tests.notifications.test_query_plans import NOW, SECRETARY, notice

pytestmark = pytest.mark.integration

OTHER = "secretary:340881001002"


async def test_a_bulk_insert_refuses_the_existing_keys_and_inserts_the_rest(
    repo: MongoNotificationRepository,
) -> None:
    weeks = [f"2026-W{n:02d}" for n in range(1, 53)]
    earlier = notice(SECRETARY, weeks[1])
    earlier.title = {"zh": "早先的", "en": "earlier"}
    assert await repo.add(earlier)

    # More than two commands' worth, two recipients, two months.
    batch = [notice(SECRETARY, f"{w}/{n}") for n in range(3) for w in weeks]
    batch += [notice(OTHER, w, at=NOW + timedelta(days=40)) for w in weeks]
    batch.insert(INSERTS_PER_COMMAND + 7, notice(SECRETARY, weeks[1]))  # exists
    assert len(batch) > 2 * INSERTS_PER_COMMAND

    added = await repo.add_many(batch)

    refused = [n for n in batch if n not in added]
    assert [n.period for n in refused] == [weeks[1]]
    stored = {d["_id"]: d async for d in repo.collection.find({})}
    assert set(stored) == {n.id for n in batch}
    assert stored[earlier.id]["title"]["zh"] == "早先的"  # the earlier one is untouched
    assert all(stored[n.id]["dedupe_key"] == n.dedupe_key for n in batch)
    assert all(stored[n.id]["rev"] == 1 and stored[n.id]["open"] for n in added)
    months = {
        d["_id"]: sorted(d["months"]) async for d in repo.collection.database[INBOX_MONTHS].find({})
    }
    assert months == {
        SECRETARY: [NOW.strftime("%Y-%m")],
        OTHER: [(NOW + timedelta(days=40)).strftime("%Y-%m")],
    }

    # Again (a replica that looked before the first inserted): nothing twice.
    added = await repo.add_many([notice(SECRETARY, w) for w in weeks[:3]])
    assert [n.period for n in added] == [weeks[0], weeks[2]]
    again = await repo.add_many(batch)
    assert again == []
    assert await repo.collection.count_documents({}) == len(stored) + 2

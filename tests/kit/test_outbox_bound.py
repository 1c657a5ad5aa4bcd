"""One document's unpublished events are bounded (R16), on the real database and broker.

Only a long Kafka outage lets a document's outbox grow: each write adds its
events, nothing takes them out. A write that would pass the bound is refused
with 503 and `Retry-After` by its own conditional write; once the relay has
published, the same write goes through.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer

from devstack.infra import Endpoints
from lingban_kit import outbox
from lingban_kit.auth import Role
from lingban_kit.mongo import Database
from lingban_kit.outbox import OutboxFull, outbox_fields, update_with_events
from tests.auth import auth
from tests.events import project_declared
from tests.kit.relays import relay_for
from tests.projects.builders import TOWNSHIP, VILLAGE
from tests.projects.conftest import running_app
from tests.projects.test_api import body

pytestmark = pytest.mark.integration


async def test_a_write_past_the_bound_is_refused_until_the_relay_has_published(
    database: Database, producer: AIOKafkaProducer
) -> None:
    projects = database["projects"]
    first = project_declared(title="one")
    pid = first.aggregate_id
    second = project_declared(pid, title="two", version=2)
    await projects.insert_one({"_id": pid, "version": 1, **outbox_fields([first, second])})

    third = project_declared(pid, title="three", version=2)
    assert await update_with_events(
        projects, {"_id": pid, "version": 1}, {"$set": {"version": 2}}, [third], limit=3
    )
    fourth = project_declared(pid, title="four", version=3)
    with pytest.raises(OutboxFull) as refused:
        await update_with_events(
            projects, {"_id": pid, "version": 2}, {"$set": {"version": 3}}, [fourth], limit=3
        )
    assert refused.value.status_code == 503
    assert refused.value.headers == {"Retry-After": "30"}
    assert "等待发布的变更已达上限" in refused.value.message
    stored = await projects.find_one({"_id": pid})
    assert stored is not None
    assert (stored["version"], len(stored["outbox"])) == (2, 3)  # nothing half-written
    # A stale version is still the caller's conflict, full outbox or not.
    assert not await update_with_events(
        projects, {"_id": pid, "version": 1}, {"$set": {"version": 3}}, [fourth], limit=3
    )

    # Kafka is back: the relay publishes, and the same write goes through.
    assert await relay_for(database, producer).drain_once() == 3
    assert await update_with_events(
        projects, {"_id": pid, "version": 2}, {"$set": {"version": 3}}, [fourth], limit=3
    )


def test_the_bound_is_part_of_the_write_condition() -> None:
    # No entry at the index the last allowed one would take: room for `adding` more.
    assert outbox.outbox_room(2, limit=500) == {"outbox.498": {"$exists": False}}
    assert outbox.outbox_room(600, limit=500) == {"outbox.0": {"$exists": False}}


async def test_the_service_answers_503_with_retry_after_while_events_wait(
    infra: Endpoints, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "MAX_PENDING_PER_DOCUMENT", 2)
    # Another replica holds the relay's lease and publishes nothing: as if Kafka were away.
    await database["leases"].insert_one(
        {
            "_id": "projects:outbox-relay",
            "holder": "a-replica-cut-off-from-kafka",
            "expires_at": datetime.now(UTC) + timedelta(days=1),
        }
    )
    unit = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    above = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    async with running_app(infra, database.name) as api:
        created = await api.http.post("/v1/projects", json=body(), headers=unit)
        assert created.status_code == 201, created.text
        url = f"/v1/projects/{created.json()['id']}"
        assert (await api.http.post(f"{url}/submission", headers=unit)).status_code == 200
        review = {
            "decision": "approve",
            "scores": {"feasibility": 85, "precision": 80, "effectiveness": 88},
        }
        refused = await api.http.post(f"{url}/review", json=review, headers=above)
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "30"
        assert refused.json()["error"]["code"] == "outbox_full"
        assert "请约 30 秒后重试" in refused.json()["error"]["message"]
        assert (await api.http.get(url, headers=unit)).json()["status"] == "submitted"

        # The lease lapses (the replica is gone); this replica's relay publishes.
        await database["leases"].delete_one({"_id": "projects:outbox-relay"})
        stored = database["projects"]
        for _ in range(150):  # bounded wait for the relay's next poll (0.2 s)
            doc = await stored.find_one({"_id": created.json()["id"]}, {"outbox": 1})
            if doc is not None and not doc["outbox"]:
                break
            await asyncio.sleep(0.1)
        accepted = await api.http.post(f"{url}/review", json=review, headers=above)
        assert accepted.status_code == 200, accepted.text

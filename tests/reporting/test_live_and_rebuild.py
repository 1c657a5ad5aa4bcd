"""On the real broker: the live batch consumer builds the read models and their figure
documents, a checkpointed rebuild (interrupted once) rebuilds identical ones and swaps
them in for readers."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from lingban_contracts import encode_record
from lingban_kit.auth import Role
from lingban_kit.kafka import new_producer, send_records
from lingban_reporting.read_models.generations import active_generation, active_models
from lingban_reporting.rebuild import rebuild
from lingban_reporting.synthetic import project_year_events
from lingban_reporting.synthetic_supervision import supervision_year_events
from tests.auth import auth
from tests.reporting.conftest import CITY, ReportingApi
from tests.reporting.reference import reference_figures, replay

pytestmark = pytest.mark.integration

YEAR = 2027  # this test's own year on the shared topics
LEADER = auth(Role.LEADER, CITY)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.3)
    return False


async def test_live_consumer_then_rebuild_give_the_same_read_models(
    reporting: ReportingApi,
) -> None:
    # Small: other services' tests read these shared topics from the beginning too.
    events = project_year_events(25, seed=27, year=YEAR, weekly=0.3)
    supervision = supervision_year_events(year=YEAR, months=1, seed=27)
    redelivered = random.Random(4).sample(events, 50)  # the relay sending some twice
    producer = new_producer(reporting.settings.kafka_bootstrap_servers, "reporting-test")
    await producer.start()
    try:
        await send_records(producer, [encode_record(e) for e in events + supervision + redelivered])
    finally:
        await producer.stop()
    expected = reference_figures(replay(events), "340881")

    async def overview() -> dict[str, Any]:
        response = await reporting.http.get("/v1/overview", params={"year": YEAR}, headers=LEADER)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def caught_up() -> bool:
        body = await overview()
        return bool(
            body["projects"] == expected
            and body["supervision"]["inspections"]
            == sum(1 for e in supervision if e.type.endswith("inspection-recorded.v1"))
        )

    assert await eventually(caught_up), await overview()
    before = await overview()
    live = await active_models(reporting.db)
    live_docs = [d async for d in live.projects.find({"year": YEAR}).sort("_id", 1)]
    live_figures = [d async for d in live.figures.find({"year": YEAR}).sort("_id", 1)]

    bootstrap = reporting.settings.kafka_bootstrap_servers
    with pytest.raises(KeyboardInterrupt):
        await rebuild(
            reporting.db, bootstrap, batch_size=100, show_progress=False, stop_after_batches=1
        )
    assert await active_generation(reporting.db) == live.generation  # readers unaffected
    generation = await rebuild(
        reporting.db, bootstrap, batch_size=100, show_progress=False, pointer_wait=0.5
    )
    assert generation != live.generation
    assert await active_generation(reporting.db) == generation

    after = await overview()
    assert {k: v for k, v in after.items() if k != "as_of"} == {
        k: v for k, v in before.items() if k != "as_of"
    }
    rebuilt = await active_models(reporting.db)
    rebuilt_docs = [d async for d in rebuilt.projects.find({"year": YEAR}).sort("_id", 1)]

    def without_rev(doc: dict[str, Any]) -> dict[str, Any]:
        # `summed`: the revs of a roll-up's children (as many as each writer wrote).
        return {k: v for k, v in doc.items() if k not in ("rev", "summed")}

    assert [without_rev(d) for d in rebuilt_docs] == [without_rev(d) for d in live_docs]
    # The rebuild built the same figure documents as it replayed.
    rebuilt_figures = [d async for d in rebuilt.figures.find({"year": YEAR}).sort("_id", 1)]
    assert live_figures
    assert [without_rev(d) for d in rebuilt_figures] == [without_rev(d) for d in live_figures]
    # The old generation is gone, its figures too.
    assert await live.projects.count_documents({}) == 0
    assert await live.figures.count_documents({}) == 0

"""The load benchmark's lag to reporting, on the real broker: a command counts as
applied once the reporting group's committed offset passed its last event, never
before, and one never applied counts as missed at the timeout."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

import pytest
from aiokafka import TopicPartition
from aiokafka.structs import OffsetAndMetadata

from bench.load_lag import CommittedWatch, LagSeries
from devstack.infra import Endpoints
from lingban_contracts.topics import PROJECTS
from lingban_kit.kafka import ensure_topics, new_consumer, new_producer

pytestmark = pytest.mark.integration


async def until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


async def test_a_command_is_applied_when_the_group_committed_past_its_event(
    infra: Endpoints,
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    # The projects topic, which other tests share: only this test's aggregate is awaited.
    topic, group, project = PROJECTS.name, f"bench-lag-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    await ensure_topics(bootstrap, [(topic, PROJECTS.partitions)], 1)
    series = LagSeries()
    watch = CommittedWatch(bootstrap, series, timeout=1.5, tick=0.05, group=group, topic=topic)
    producer = new_producer(bootstrap, "bench-lag-test")
    committer = new_consumer(bootstrap=bootstrap, group_id=group, enable_auto_commit=False)
    await producer.start()
    await committer.start()
    await watch.start()
    try:
        loop = asyncio.get_running_loop()
        # The project's event at version 2 lands before its command's answer is seen.
        sent = await producer.send_and_wait(
            topic, b"{}", key=project.encode(),
            headers=[("ce_aggregateid", project.encode()), ("ce_aggregateversion", b"2")],
        )  # fmt: skip
        await until(lambda: (project, 2) in watch.early)
        watch.track(project, 2, loop.time())
        watch.track("never", 1, loop.time())  # no event: it times out

        # The group has committed up to the event, not past it: not applied yet.
        tp = TopicPartition(topic, sent.partition)
        committer.assign([tp])
        await committer.commit({tp: OffsetAndMetadata(sent.offset, "")})
        await asyncio.sleep(0.3)
        assert series.seen == []
        assert (project, 2) in watch.awaited

        await committer.commit({tp: OffsetAndMetadata(sent.offset + 1, "")})
        await until(lambda: len(series.seen) == 1)
        assert 0.3 <= series.seen[0] < 1.5

        await asyncio.wait_for(watch.drain(), 5.0)
        assert series.missed == 1
        assert watch.awaited == {}
    finally:
        await watch.close()
        await committer.stop()
        await producer.stop()

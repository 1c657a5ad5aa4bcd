"""How far a consumer group is behind the end of its topics (0: it has read everything)."""

from __future__ import annotations

from lingban_kit.kafka import new_consumer
from lingban_kit.testing import partitions_of


async def group_lag(bootstrap: str, group: str, topics: list[str]) -> int:
    tps = [tp for topic in topics for tp in await partitions_of(bootstrap, topic)]
    consumer = new_consumer(bootstrap=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(tps)
        behind = 0
        for tp in tps:
            committed = await consumer.committed(tp)
            behind += ends[tp] - (committed or 0)
        return behind
    finally:
        await consumer.stop()

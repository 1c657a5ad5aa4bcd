"""Wait (a while) until the dashboard has the events the demo load caused.

The loader writes through the services' HTTP APIs; what those writes cause
elsewhere (reporting's read models behind the dashboard, supervision's draw
pool, notifications' subjects the reminders are computed from) arrives over
Kafka and lags behind the load. Measured on two cores: reporting and
supervision keep up (tens of events behind when the load ends), the
notifications service does not (about 2,000 behind, applied at 15-40 events/s).
So this part waits for the groups in `WAIT_FOR` (the dashboard's and the
draws'), briefly, and only reports the others' backlog: reminders fill in
over the next minutes without holding up `make up`.

The backlog is fixed when the part starts: each consumer group's committed
offset against the partitions' end offsets at that moment, so events
written later (the services' own periodic work, anything else using the
same broker) do not move the goal. It waits at most `wait_seconds`
(DEVSTACK_DEMO_EVENTS_WAIT, default 60) and only when this run added demo
data; otherwise, and when the time is up, it says how much is left: the
services carry on by themselves, so this is never an error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable

from devstack.demo import PartResult
from devstack.progress import Progress

GROUP_PREFIX = "lingban-"
WAIT_FOR = ("lingban-reporting", "lingban-supervision")
WAIT_SECONDS = 60.0
POLL_SECONDS = 1.0

Key = tuple[str, str, int]  # consumer group, topic, partition
Offsets = tuple[dict[Key, int], dict[Key, int]]  # (committed, end) per key


async def read_offsets(bootstrap_servers: str) -> Offsets:
    """Committed and end offsets of every partition a Lingban consumer group has committed on.

    As the Kafka principal of the environment's settings (`make up` sets the admin's).
    """
    from lingban_kit.kafka import new_admin, new_consumer, stop_consumer

    admin = new_admin(bootstrap_servers)
    consumer = new_consumer(bootstrap=bootstrap_servers)
    await admin.start()
    try:
        await consumer.start()
        try:
            committed: dict[Key, int] = {}
            ends: dict[Key, int] = {}
            groups = [g[0] for g in await admin.list_consumer_groups()]
            for group in sorted(g for g in groups if g.startswith(GROUP_PREFIX)):
                offsets = await admin.list_consumer_group_offsets(group)
                if not offsets:
                    continue
                end = await consumer.end_offsets(list(offsets))
                for tp, meta in offsets.items():
                    committed[(group, tp.topic, tp.partition)] = meta.offset
                    ends[(group, tp.topic, tp.partition)] = end[tp]
            return committed, ends
        finally:
            await stop_consumer(consumer)
    finally:
        await admin.close()


def backlog(goal: dict[Key, int], committed: dict[Key, int]) -> dict[str, int]:
    """Events each group still has to apply to reach `goal`."""
    left: dict[str, int] = {}
    for key, end in goal.items():
        group = key[0].removeprefix(GROUP_PREFIX)
        left[group] = left.get(group, 0) + max(0, end - committed.get(key, 0))
    return left


def wait_seconds() -> float:
    raw = os.environ.get("DEVSTACK_DEMO_EVENTS_WAIT", "").strip()
    try:
        return max(0.0, float(raw)) if raw else WAIT_SECONDS
    except ValueError:
        return WAIT_SECONDS


def wait_applied(
    bootstrap_servers: str,
    *,
    wait: bool,
    limit: float | None = None,
    offsets: Callable[[str], Offsets] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[int], Progress] | None = None,
) -> PartResult:
    """Show the backlog shrinking until it is gone or `limit` seconds have passed.

    `wait=False` (this run added nothing): say what is left without waiting.
    """
    # aiokafka logs each broker connection at INFO; this part speaks for itself.
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    read = offsets or (lambda servers: asyncio.run(read_offsets(servers)))
    limit = wait_seconds() if limit is None else limit
    committed, ends = read(bootstrap_servers)
    goal = {key: end for key, end in ends.items() if key[0] in WAIT_FOR}
    behind = {g: n for g, n in backlog(ends, committed).items() if n}
    later = ", ".join(
        f"{group} {n}" for group, n in behind.items() if GROUP_PREFIX + group not in WAIT_FOR
    )
    later = f"; {later} events to apply meanwhile" if later else ""
    total = sum(backlog(goal, committed).values())
    shown = (progress or (lambda n: Progress("demo events", n)))(total if wait else 0)
    if not total:
        shown.start("the dashboard has every event of the load" + later)
        seconds = shown.finish("nothing to wait for")
        return PartResult("events", 0, 0, seconds, "nothing to wait for", data=False)
    waiting_for = ", ".join(f"{g} {n}" for g, n in backlog(goal, committed).items() if n)
    if not wait or not limit:
        shown.start(f"{total} events still to apply ({waiting_for}){later}; not waiting")
        seconds = shown.finish("the dashboard fills in as they are applied")
        return PartResult("events", 0, 0, seconds, f"{total} to apply", data=False)
    shown.start(f"waiting for the dashboard's {total} events ({waiting_for}){later}")
    started = clock()
    pending = total
    while pending and clock() - started < limit:
        sleep(POLL_SECONDS)
        pending = sum(backlog(goal, read(bootstrap_servers)[0]).values())
        shown.advance(max(0, total - pending - shown.done))
    if pending:
        summary = (
            f"{total - pending} applied, {pending} still to apply after {limit:.0f} s; "
            "the dashboard fills in as they are applied"
        )
    else:
        summary = f"all {total} applied"
    seconds = shown.finish(summary)
    return PartResult("events", 0, total - pending, seconds, summary, data=False)

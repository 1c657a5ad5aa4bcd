"""How far behind the commands the rest of the platform is.

End-to-end lag: from the moment a command's answer arrived (it is accepted and
stored) until its effect can be read elsewhere:
- in reporting: reporting's consumer group has committed an offset past the
  command's last event on the projects topic (`CommittedWatch`). Reporting
  commits a batch only after its read models and figures are written, so the
  project's read model shows the command from then on. One admin request per
  tick answers for every command awaited, and a consumer of the benchmark's own
  reads where each event landed. (It used to poll `GET /v1/projects/{id}` on
  reporting for each command, several times a second: at 20 commands/s that
  was dozens of reads a second on the service and database being measured,
  which made the lag it measured and the commands' latency both grow.)
  The lag may overstate by one tick plus one admin round trip, never understate;
- in an inbox: the notice the command causes at once is in the recipient's
  inbox (`GET /v1/inbox` as that secretary): a review that returns a project
  (rule `project-returned`) or a failed inspection (rule `inspection-failed`),
  found by polling (few commands cause one). A lag is taken when the poll's
  answer arrives, so it may overstate the real lag by up to one poll interval
  plus one poll's duration. Polls start at the given interval and slow down to
  2.5 times that, so that slow paths do not flood the service being watched.

Consumer lag: for each consumer group, the sum over the partitions of its
topics of (end offset - committed offset). Events not yet published by a
service's outbox relay are not in Kafka yet, so the outbox backlog (documents
still flagged as having events to publish) is measured next to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from bench.load_world import Api, unit_of, unit_side
from lingban_contracts.topics import PROJECTS
from lingban_kit.kafka import new_admin, new_consumer, stop_consumer
from lingban_kit.mongo import Database
from lingban_kit.outbox import PENDING_FLAG
from lingban_notifications.notifications.repository import NOTIFICATIONS
from lingban_projects.projects.repository import PROJECTS_COLLECTION
from lingban_supervision.deps import OUTBOX_COLLECTIONS as SUPERVISION_OUTBOX

REPORTING_GROUP = "lingban-reporting"
CONSUMER_GROUPS = ("lingban-supervision", "lingban-notifications", REPORTING_GROUP)
OUTBOX_COLLECTIONS = (PROJECTS_COLLECTION, *SUPERVISION_OUTBOX, NOTIFICATIONS)


@dataclass
class LagSeries:
    """Lags (seconds) of one kind of end-to-end path, and what was never seen."""

    seen: list[float] = field(default_factory=list)
    missed: int = 0  # not visible before the timeout
    skipped: int = 0  # not tracked: too many trackers outstanding
    polls: int = 0


@dataclass
class _Awaited:
    accepted: float
    place: tuple[int, int] | None = None  # (partition, offset) of the command's last event


class CommittedWatch:
    """When reporting has applied each awaited command: its consumer group's committed
    offset passed the command's event (see the module docstring)."""

    def __init__(
        self,
        bootstrap: str,
        series: LagSeries,
        timeout: float,
        tick: float,
        group: str = REPORTING_GROUP,
        topic: str = PROJECTS.name,
    ) -> None:
        self.series = series
        self.timeout = timeout
        self.tick = tick
        self.group = group
        self.topic = topic
        self.admin = new_admin(bootstrap)
        self.consumer = new_consumer(
            bootstrap=bootstrap, client_id="lingban-bench-lag", enable_auto_commit=False
        )
        self.awaited: dict[tuple[str, int], _Awaited] = {}
        # Events read before their command's answer arrived (the relay can be quicker):
        # every event of the run that no command awaits stays here, a few thousand.
        self.early: dict[tuple[str, int], tuple[int, int]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._idle = asyncio.Event()  # nothing awaited
        self._idle.set()

    async def start(self) -> None:
        await self.admin.start()
        await self.consumer.start()
        [described] = await self.admin.describe_topics([self.topic])
        found = sorted(p["partition"] for p in described["partitions"])
        if not found:
            raise RuntimeError(f"topic {self.topic} not found: is the platform up?")
        partitions = [TopicPartition(self.topic, p) for p in found]
        self.consumer.assign(partitions)
        await self.consumer.seek_to_end(*partitions)
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._watch())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await stop_consumer(self.consumer)
        await self.admin.close()

    def track(self, project_id: str, version: int, accepted: float) -> None:
        key = (project_id, version)
        self.awaited[key] = _Awaited(accepted, self.early.pop(key, None))
        self._idle.clear()

    async def _read(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    headers = {k: v.decode(errors="replace") for k, v in record.headers}
                    try:
                        key = (headers["ce_aggregateid"], int(headers["ce_aggregateversion"]))
                    except (KeyError, ValueError):
                        continue  # not one of our events: nothing awaits it
                    place = (record.partition, record.offset)
                    if key in self.awaited:
                        self.awaited[key].place = place
                    else:
                        self.early[key] = place

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.tick)
            placed = [a for a in self.awaited.values() if a.place is not None]
            committed = {}
            if placed:
                try:
                    committed = await self.admin.list_consumer_group_offsets(self.group)
                except (KafkaError, OSError):
                    committed = {}  # asked again at the next tick; timeouts still count
            now = loop.time()
            for key, awaited in list(self.awaited.items()):
                if awaited.place is not None:
                    partition, offset = awaited.place
                    mark = committed.get(TopicPartition(self.topic, partition))
                    if mark is not None and mark.offset > offset:
                        self.series.seen.append(now - awaited.accepted)
                        del self.awaited[key]
                        continue
                if now - awaited.accepted >= self.timeout:
                    self.series.missed += 1
                    del self.awaited[key]
            self.series.polls += 1 if placed else 0
            if not self.awaited:
                self._idle.set()

    async def drain(self) -> None:
        """Wait until every awaited command was applied or timed out."""
        await self._idle.wait()


@dataclass
class LagTracker:
    api: Api
    watch: CommittedWatch
    inbox_poll: float
    timeout: float
    max_outstanding: int = 200
    inbox: LagSeries = field(default_factory=LagSeries)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def reporting(self) -> LagSeries:
        return self.watch.series

    def _start(self, series: LagSeries, job: Any) -> None:
        if len(self._tasks) >= self.max_outstanding:
            series.skipped += 1
            job.close()
            return
        task = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def track_reporting(self, project_id: str, version: int, accepted: float) -> None:
        self.watch.track(project_id, version, accepted)

    def track_inbox(
        self, unit_code: str, rule_id: str, subject_id: str, period: str | None, accepted: float
    ) -> None:
        self._start(self.inbox, self._inbox(unit_code, rule_id, subject_id, period, accepted))

    async def _poll(self, series: LagSeries, accepted: float, first: float, probe: Any) -> None:
        loop = asyncio.get_running_loop()
        interval = first
        while loop.time() - accepted < self.timeout:
            series.polls += 1
            try:
                found = await probe()
            except Exception:  # a failed poll is retried like an unsuccessful one
                found = False
            if found:
                series.seen.append(loop.time() - accepted)
                return
            await asyncio.sleep(interval)
            interval = min(interval * 1.5, first * 2.5)
        series.missed += 1

    async def _inbox(
        self, unit_code: str, rule_id: str, subject_id: str, period: str | None, accepted: float
    ) -> None:
        who = unit_side(unit_of(unit_code))

        async def probe() -> bool:
            response = await self.api.request("notifications", "GET", "/v1/inbox?limit=50", who)
            if response.status_code != 200:
                return False
            return any(
                n["rule_id"] == rule_id
                and n["subject_id"] == subject_id
                and (period is None or n["period"] == period)
                for n in response.json()
            )

        await self._poll(self.inbox, accepted, self.inbox_poll, probe)

    async def drain(self) -> None:
        """Wait for the trackers still running; each ends by itself at its timeout."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))
        await self.watch.drain()


class ConsumerLag:
    """Committed vs end offsets of the services' consumer groups (read-only)."""

    def __init__(self, bootstrap: str, groups: Iterable[str] = CONSUMER_GROUPS) -> None:
        self.groups = tuple(groups)
        # As the environment's Kafka principal (lingban_kit.kafka_security): the admin's.
        self.admin = new_admin(bootstrap)
        self.consumer = new_consumer(
            bootstrap=bootstrap, client_id="lingban-bench", enable_auto_commit=False
        )

    async def start(self) -> None:
        await self.admin.start()
        await self.consumer.start()

    async def close(self) -> None:
        await stop_consumer(self.consumer)
        await self.admin.close()

    async def measure(self) -> dict[str, int | None]:
        """Messages not yet committed, per group (None: the group has committed nothing)."""
        found: dict[str, int | None] = {}
        for group in self.groups:
            committed = await self.admin.list_consumer_group_offsets(group)
            topics = {tp.topic for tp in committed}
            if not topics:
                found[group] = None
                continue
            await self.consumer.topics()  # refresh metadata so new partitions count
            partitions = [
                TopicPartition(topic, p)
                for topic in sorted(topics)
                for p in sorted(self.consumer.partitions_for_topic(topic) or ())
            ]
            ends = await self.consumer.end_offsets(partitions)
            starts = await self.consumer.beginning_offsets(partitions)
            lag = 0
            for tp in partitions:
                mark = committed.get(tp)
                position = mark.offset if mark is not None and mark.offset >= 0 else starts[tp]
                lag += max(0, ends[tp] - position)
            found[group] = lag
        return found


async def outbox_backlog(db: Database) -> dict[str, int]:
    """Documents whose events the services' relays have not published yet (an indexed flag)."""
    return {
        name: await db[name].count_documents({PENDING_FLAG: True}) for name in OUTBOX_COLLECTIONS
    }


@dataclass
class Drain:
    consumers_zero_s: float | None = None  # consumer lag 0 everywhere from then on
    all_zero_s: float | None = None  # consumer lag and outbox backlog 0 at the same time
    consumers: dict[str, int | None] = field(default_factory=dict)
    outbox: dict[str, int] = field(default_factory=dict)


async def wait_drained(
    kafka: ConsumerLag, db: Database, within: float, interval: float = 0.5
) -> Drain:
    """Poll until consumers and outboxes are empty, or `within` seconds have passed."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    drain = Drain()
    while True:
        drain.consumers = await kafka.measure()
        drain.outbox = await outbox_backlog(db)
        spent = loop.time() - began
        consumers_done = all(not v for v in drain.consumers.values())
        if not consumers_done:
            drain.consumers_zero_s = None  # counts from when it last reached 0
        elif drain.consumers_zero_s is None:
            drain.consumers_zero_s = spent
        if consumers_done and not any(drain.outbox.values()):
            drain.all_zero_s = spent
            return drain
        if spent >= within:
            return drain
        await asyncio.sleep(interval)

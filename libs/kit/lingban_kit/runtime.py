"""What a running service holds: database, broker, producer, relay, consumer.

Start order matters: database and topics first, then the producer (the
consumer's dead-letter path and the relay need it), then subscribers, then
the relay. Stop runs in reverse.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker, Topic
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from pymongo import AsyncMongoClient

from lingban_contracts import REGISTRY
from lingban_contracts.access import default_consumer_group
from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.topics import dead_letter_topic
from lingban_kit import kafka, metrics, mongo
from lingban_kit.auth import TokenVerifier
from lingban_kit.auth_policy import check_auth_settings
from lingban_kit.consumer import EventConsumer, HandlerTable, IncomingRecord
from lingban_kit.leases import holder_id
from lingban_kit.outbox import OutboxRelay, relay_lease
from lingban_kit.settings import ServiceSettings
from lingban_kit.supervisor import Supervisor

log = logging.getLogger(__name__)
# Each shutdown step gets this long (k8s gives 30 s between SIGTERM and SIGKILL).
STOP_STEP_SECONDS = 5.0

StartHook = Callable[["ServiceRuntime"], Awaitable[None]]
BackgroundLoop = Callable[["ServiceRuntime"], Coroutine[Any, Any, None]]

# FastStream's Prometheus middleware registers its metrics once per process;
# tests may build several apps in one process, so share one per service name.
_prometheus: dict[str, KafkaPrometheusMiddleware] = {}


def _prometheus_middleware(service: str) -> KafkaPrometheusMiddleware:
    if service not in _prometheus:
        _prometheus[service] = KafkaPrometheusMiddleware(
            registry=metrics.registry, app_name=f"lingban_{service}"
        )
    return _prometheus[service]


def _raw_body(message: StreamMessage[Any]) -> bytes:
    return message.body


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        contract: ServiceContract,
        *,
        outbox_collections: Sequence[str] = (),
        handlers: Callable[[mongo.Database], HandlerTable] | None = None,
        on_start: Sequence[StartHook] = (),
        background: Sequence[BackgroundLoop] = (),
    ) -> None:
        self.settings = settings
        self.contract = contract
        self.service = contract.service
        self.outbox_collections = list(outbox_collections)
        self.on_start = list(on_start)
        # Long-running loops (schedulers, batch consumers): supervised (restarted
        # after a crash, shown in readiness while down) and cancelled at stop.
        self.background = list(background)
        self.supervisor = Supervisor(
            self.service,
            restart_seconds=settings.background_restart_seconds,
            restart_max_seconds=settings.background_restart_max_seconds,
        )
        self.replication_factor = settings.kafka_topic_replication_factor
        # Built once and checked here: contradictory settings fail at construction.
        self.kafka_security = settings.kafka_security()
        self.holder = holder_id()
        self.verifier = TokenVerifier(
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            secret=settings.auth_jwt_secret,
            public_key=settings.auth_jwt_public_key,
            jwks_url=settings.auth_jwks_url,
        )
        self.mongo_client: AsyncMongoClient[dict[str, Any]] = mongo.connect(settings.mongodb_uri)
        self.db: mongo.Database = self.mongo_client[settings.mongodb_database]
        # Handlers are built on the database they project into.
        self.handlers = dict(handlers(self.db)) if handlers else {}
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=f"lingban-{self.service}",
            security=self.kafka_security.faststream(),
            middlewares=[_prometheus_middleware(self.service)],
            logger=logging.getLogger(f"faststream.{self.service}"),
        )
        self._producer: AIOKafkaProducer | None = None
        self._consumer: EventConsumer | None = None
        self.relay: OutboxRelay | None = None
        if self.handlers:
            self._subscribe()

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("runtime not started")
        return self._producer

    def consumed_topics(self) -> list[str]:
        return sorted({REGISTRY.for_type(t).topic.name for t in self.handlers})

    def _subscribe(self) -> None:
        subscriber = self.broker.subscriber(
            # start() has created or checked them (a service principal may not
            # create topics): FastStream must not try again.
            *(Topic(name, declare=False) for name in self.consumed_topics()),
            group_id=self.settings.consumer_group or default_consumer_group(self.service),
            # Commit after handling; on an unhandled error seek back and retry.
            ack_policy=AckPolicy.NACK_ON_ERROR,
            # What is waiting, up to this many, at once: applied key by key side by
            # side (`EventConsumer.handle_polled`), committed together afterwards.
            # A trickle still comes one record at a time, without waiting to fill.
            batch=True,
            max_records=self.settings.consumer_max_records,
            auto_offset_reset="earliest",
            # Keep the raw bytes: our codec validates them, and a body that is
            # not JSON must reach the dead-letter path instead of failing in
            # FastStream's decoder (which would retry it forever).
            decoder=_raw_body,
            title=f"{self.service}-events",
        )

        async def on_records(message: KafkaMessage) -> None:
            polled = message.raw_message
            assert isinstance(polled, tuple)  # a batch subscriber
            if self._consumer is None:
                raise RuntimeError("consumer not ready")
            await self._consumer.handle_polled(
                [IncomingRecord.of(record) for record in polled],
                self.settings.consumer_concurrency,
            )

        subscriber(on_records)

    async def start(self) -> None:
        # Before touching anything: a known or short HS256 secret is refused (LB-05).
        check_auth_settings(self.settings)
        await mongo.ping(self.mongo_client)
        owned = [(t.name, t.partitions) for t in self.contract.sends]
        if self.handlers:
            owned.append((dead_letter_topic(self.service), 1))
        await kafka.ensure_topics(
            self.settings.kafka_bootstrap_servers,
            owned + [(name, 6) for name in self.consumed_topics()],
            self.replication_factor,
            self.kafka_security,
            min_insync_replicas=self.settings.kafka_topic_min_insync_replicas,
        )
        for hook in self.on_start:
            await hook(self)
        self._producer = kafka.new_producer(
            self.settings.kafka_bootstrap_servers, f"lingban-{self.service}", self.kafka_security
        )
        await self._producer.start()
        self._consumer = EventConsumer(
            service=self.service,
            handlers=self.handlers,
            producer=self._producer,
            max_attempts=self.settings.consumer_max_attempts,
            backoff_seconds=self.settings.consumer_retry_backoff_seconds,
            outage_backoff_seconds=self.settings.consumer_outage_backoff_seconds,
            outage_backoff_max_seconds=self.settings.consumer_outage_backoff_max_seconds,
        )
        await self.broker.start()
        if self.outbox_collections:
            self.relay = OutboxRelay(
                service=self.service,
                db=self.db,
                collections=self.outbox_collections,
                producer=self._producer,
                lease=relay_lease(self.db, self.service, self.holder),
                poll_seconds=self.settings.outbox_poll_seconds,
                retry_backoff_seconds=self.settings.outbox_retry_backoff_seconds,
                retry_backoff_max_seconds=self.settings.outbox_retry_backoff_max_seconds,
            )
            self.relay.start()
        for index, loop in enumerate(self.background):
            name = f"{self.service}-{getattr(loop, '__name__', 'background')}-{index}"
            self.supervisor.start(name, functools.partial(loop, self))
        log.info("service started", extra={"kafka": self.settings.kafka_bootstrap_servers})

    async def stop(self) -> None:
        """Stop everything, each step bounded: a shutdown must end (SIGTERM has a grace period).

        A step that does not finish in time is logged by name and left behind,
        so a stuck dependency shows up in the log instead of as a hung process.
        """
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("background loops", self.supervisor.stop)
        ]
        if self.relay:
            steps.append(("outbox relay", self.relay.stop))
        steps.append(("kafka consumers", self.broker.stop))
        if self._producer:
            steps.append(("kafka producer", self._producer.stop))
        steps.append(("database client", self.mongo_client.close))
        for name, step in steps:
            try:
                async with asyncio.timeout(STOP_STEP_SECONDS):
                    await step()
            except TimeoutError:
                log.error(
                    "shutdown step did not finish; going on without it",
                    extra={"step": name, "seconds": STOP_STEP_SECONDS},
                )

    def wake_relay(self, collection: str | None = None, doc_id: Any = None) -> None:
        """After a local write: publish its events now (naming the document makes it cheap)."""
        if self.relay:
            self.relay.wake(collection, doc_id)

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await mongo.ping(self.mongo_client)
            checks["mongodb"] = "ok"
        except Exception as exc:
            checks["mongodb"] = f"error: {type(exc).__name__}"
        # Degraded, not down (R18): writes wait in the outbox and consumers resume where
        # they left off, so a broker outage should not take every pod out of service.
        checks["kafka"] = (
            "ok"
            if await self.broker.ping(timeout=2.0)
            else "degraded: unreachable; events wait in the outbox"
        )
        down = self.supervisor.down()
        if down:
            checks["background"] = "error: " + ", ".join(
                f"{name} stopped ({reason}), restarting" for name, reason in sorted(down.items())
            )
        return checks

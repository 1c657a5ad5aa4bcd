"""An in-process notifications app on the real broker and database, with local
test servers for every channel: SMTP (aiosmtpd), a chat-robot webhook receiver
and an SMS gateway stand-in, all on 127.0.0.1 ephemeral ports."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from http.server import ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from devstack.infra import Endpoints
from lingban_contracts import Envelope, encode_record
from lingban_contracts.divisions import default_tree
from lingban_contracts.regions import in_subtree
from lingban_contracts.topics import NOTIFICATIONS, PROJECTS, SUPERVISION
from lingban_kit import mongo
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics, send_records
from lingban_kit.testing import group_at_end
from lingban_notifications.app import create_app
from lingban_notifications.directory.demo import demo_directory
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.notifications.repository import (
    MongoNotificationRepository,
    ensure_notification_indexes,
)
from lingban_notifications.settings import NotificationsSettings
from lingban_notifications.wiring import Wiring
from tests.notifications.builders import CITY, TOWNSHIP, VILLAGE, local
from tests.sinks import Receiver as Receiver  # re-exported for the notification tests
from tests.sinks import serve_receiver


# ---- SMTP ------------------------------------------------------------------------------
class _Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    sink: _Sink

    @property
    def messages(self) -> list[EmailMessage]:
        return self.sink.messages


def subject_of(mail: EmailMessage) -> str:
    return str(make_header(decode_header(mail["Subject"])))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    sink = _Sink()
    # aiosmtpd checks its server by connecting to the configured port, so ask the
    # OS for a free ephemeral port first instead of passing 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, sink)
    finally:
        controller.stop()


# ---- HTTP receivers (chat robot, SMS gateway): tests/sinks.py ---------------------
@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    made: dict[str, Receiver] = {}
    servers: list[ThreadingHTTPServer] = []
    for name in ("webhook", "sms"):
        made[name], server = serve_receiver(name)
        servers.append(server)
    yield made
    for server in servers:
        server.shutdown()
        server.server_close()


# ---- the app ---------------------------------------------------------------------------
@dataclass
class NotificationsApi:
    app: FastAPI
    http: httpx.AsyncClient
    clock: FixedClock
    settings: NotificationsSettings

    @property
    def wiring(self) -> Wiring:
        wiring: Wiring = self.app.state.wiring
        return wiring

    async def publish(self, *events: Envelope) -> None:
        runtime = self.app.state.runtime
        await send_records(runtime.producer, [encode_record(e) for e in events])

    async def tick(self) -> None:
        """What the loops do, once: evaluate the rules, then dispatch what is due."""
        await self.wiring.scheduler().tick()
        while await self.wiring.dispatcher().run_once():
            pass

    async def wait_for(
        self, query: dict[str, Any], count: int = 1, seconds: float = 30
    ) -> list[dict[str, Any]]:
        coll = self.app.state.runtime.db["notifications"]
        deadline = time.monotonic() + seconds
        while True:
            docs: list[dict[str, Any]] = await coll.find(query).to_list(None)
            if len(docs) >= count or time.monotonic() > deadline:
                return docs
            await asyncio.sleep(0.2)

    async def notifications(self, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        coll = self.app.state.runtime.db["notifications"]
        found: list[dict[str, Any]] = await coll.find(query or {}).to_list(None)
        return found


def channel_directory(smtp: SmtpServer, receivers: dict[str, Receiver]) -> list[Recipient]:
    """The demo directory, with the village secretary on e-mail + SMS and task forces on a
    signed DingTalk robot (all pointing at the local test servers)."""
    entries = []
    # The city and 文昌街道 only: a smaller directory keeps the ticks quick.
    for r in demo_directory(default_tree()):
        if not (r.unit_code == CITY or in_subtree(r.unit_code, TOWNSHIP)):
            continue
        if r.id == f"secretary:{VILLAGE}":
            r = Recipient.model_validate(
                {**r.model_dump(), "channels": ["inbox", "email", "sms"], "quiet_hours": None}
            )
        elif r.id == f"secretary:{r.unit_code}" and r.unit_code.endswith("000"):
            r = Recipient.model_validate(
                {**r.model_dump(), "channels": ["inbox", "email"], "quiet_hours": None}
            )
        elif r.kind == "task_force" and r.unit_code == VILLAGE:
            hook = {"url": receivers["webhook"].url, "flavor": "dingtalk", "secret": "s3cret"}
            r = Recipient.model_validate(
                {**r.model_dump(), "channels": ["inbox", "webhook"], "webhook": hook}
            )
        entries.append(r)
    return entries


@pytest.fixture
async def notif_settings(
    infra: Endpoints, smtp: SmtpServer, receivers: dict[str, Receiver]
) -> AsyncIterator[NotificationsSettings]:
    await ensure_topics(
        infra.kafka_bootstrap_servers,
        [(t.name, t.partitions) for t in (PROJECTS, SUPERVISION, NOTIFICATIONS)],
        1,
    )
    group = f"test-notifications-{uuid.uuid4().hex[:8]}"
    await group_at_end(infra.kafka_bootstrap_servers, group, [PROJECTS.name, SUPERVISION.name])
    settings = NotificationsSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"lingban_test_{uuid.uuid4().hex[:10]}",
        consumer_group=group,
        auth_jwt_secret=DEV_JWT_SECRET,
        outbox_poll_seconds=0.2,
        background=False,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        sms_url=receivers["sms"].url,
        sms_api_key="k",
        max_attempts=3,
        retry_backoff_seconds=60,
        # The fake robot above listens on http://127.0.0.1 (never allowed in production).
        webhook_allow_loopback=True,
        workbench_url="https://lingban.example.cn",
    )
    yield settings
    client = mongo.connect(infra.mongodb_uri)
    await client.drop_database(settings.mongodb_database)
    await client.close()


@contextlib.asynccontextmanager
async def running(
    settings: NotificationsSettings, clock: FixedClock, directory: list[Recipient] | None = None
) -> AsyncIterator[NotificationsApi]:
    """One replica of the service, in process, on the settings' database."""
    app = create_app(settings, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as http:
            api = NotificationsApi(app, http, clock, settings)
            if directory is not None:
                await api.wiring.directory.put(directory)
            try:
                yield api
            finally:
                await api.wiring.release_leases()  # as the scheduler loop does on stop


@pytest.fixture
async def notif(
    notif_settings: NotificationsSettings, smtp: SmtpServer, receivers: dict[str, Receiver]
) -> AsyncIterator[NotificationsApi]:
    clock = FixedClock(local(2026, 4, 1, 8))
    async with running(notif_settings, clock, channel_directory(smtp, receivers)) as api:
        yield api


def at(api: NotificationsApi, when: datetime) -> None:
    api.clock.set(when)


@pytest.fixture
async def repo(database: mongo.Database) -> MongoNotificationRepository:
    """The notifications repository on a fresh test database, with its indexes."""
    await ensure_notification_indexes(database)
    return MongoNotificationRepository(database)

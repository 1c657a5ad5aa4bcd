"""The four services in process on the real database and broker, and region A's records
made through their APIs (the starting state of the jurisdiction matrix)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import openpyxl  # type: ignore[import-untyped]

from devstack.infra import Endpoints
from lingban_contracts import encode_record
from lingban_contracts.divisions import default_tree
from lingban_contracts.events.notifications import Channel
from lingban_contracts.regions import in_subtree
from lingban_contracts.topics import NOTIFICATIONS, PROJECTS, SUPERVISION
from lingban_kit import mongo
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_kit.clock import FixedClock
from lingban_kit.kafka import ensure_topics, new_producer, send_records
from lingban_kit.testing import group_at_end
from lingban_notifications.directory.demo import demo_directory
from lingban_notifications.directory.sheet import COLUMNS
from lingban_notifications.notifications.domain import DeliveryStatus, Notification
from lingban_notifications.settings import NotificationsSettings
from lingban_reporting.app import create_app as create_reporting
from lingban_reporting.settings import ReportingSettings
from tests.auth import auth
from tests.notifications.builders import local
from tests.notifications.conftest import running as running_notifications
from tests.projects.conftest import running_app as running_projects
from tests.security.expectations import (
    DECLARATION,
    DISPATCH_MEETING,
    DISPATCH_TASK,
    GROUP,
    MODEL_CASE,
    PROBLEM,
    ROSTER,
    VISIT,
    png,
)
from tests.security.regions import CITY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, Records
from tests.supervision.conftest import _project_events
from tests.supervision.conftest import running_app as running_supervision

VILLAGE_SECRETARY_A = auth(Role.VILLAGE_SECRETARY, VILLAGE_A)
TOWNSHIP_SECRETARY_A = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP_A)
TOWNSHIP_STAFF_A = auth(Role.TOWNSHIP_STAFF, TOWNSHIP_A)
ROOT_ORG = auth(Role.CITY_ORG, CITY)


@dataclass
class World:
    clients: dict[str, httpx.AsyncClient]
    records: Records
    import_sheet: bytes = b""
    databases: list[str] = field(default_factory=list)


async def created(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], **kwargs: Any
) -> dict[str, Any]:
    answer = await http.post(path, headers=headers, **kwargs)
    assert answer.status_code == 201, f"{path}: {answer.status_code} {answer.text}"
    body: dict[str, Any] = answer.json()
    return body


async def until(probe: Callable[[], Awaitable[bool]], what: str, seconds: float = 60) -> None:
    """Poll a condition another component makes true (a consumer catching up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await probe():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def ok(http: httpx.AsyncClient, path: str, headers: dict[str, str]) -> bool:
    return (await http.get(path, headers=headers)).status_code == 200


async def projects_records(http: httpx.AsyncClient, records: Records) -> None:
    upload = {"file": ("现场.png", png(), "image/png")}
    attachment = await created(http, "/v1/files", VILLAGE_SECRETARY_A, files=upload)
    records.project_file = attachment["file_id"]
    records.project_attachment = attachment
    declared = {**DECLARATION, "attachments": [attachment]}
    records.project = (await created(http, "/v1/projects", VILLAGE_SECRETARY_A, json=declared))[
        "id"
    ]


async def supervision_records(http: httpx.AsyncClient, bootstrap: str, records: Records) -> None:
    records.group = (await created(http, "/v1/groups", TOWNSHIP_SECRETARY_A, json=GROUP))["id"]
    plan = {
        "group_id": records.group,
        "planned_on": "2026-03-10",
        "method": "on_site",
        "unit_code": VILLAGE_A,
    }
    records.inspection = (await created(http, "/v1/inspections", TOWNSHIP_STAFF_A, json=plan))["id"]
    records.problem = (await created(http, "/v1/problems", VILLAGE_SECRETARY_A, json=PROBLEM))["id"]
    records.visit = (await created(http, "/v1/visits", TOWNSHIP_STAFF_A, json=VISIT))["id"]
    records.model_case = (
        await created(http, "/v1/model-cases", auth(Role.CITY_ORG, TOWNSHIP_A), json=MODEL_CASE)
    )["id"]
    roster = {
        **ROSTER,
        "year": 2026,
        "assignments": [{**ROSTER["assignments"][0], "valid_from": "2026-01-01"}],
    }
    records.roster = (await created(http, "/v1/rosters", TOWNSHIP_SECRETARY_A, json=roster))["id"]
    upload = {"file": ("整改.png", png(), "image/png")}
    records.supervision_attachment = await created(
        http, "/v1/files", VILLAGE_SECRETARY_A, files=upload
    )
    records.supervision_file = records.supervision_attachment["file_id"]
    records.dispatch_meeting = (
        await created(http, "/v1/dispatch/meetings", TOWNSHIP_SECRETARY_A, json=DISPATCH_MEETING)
    )["id"]
    records.dispatch_task = (
        await created(
            http,
            f"/v1/dispatch/meetings/{records.dispatch_meeting}/tasks",
            TOWNSHIP_SECRETARY_A,
            json=DISPATCH_TASK,
        )
    )["id"]

    # A draw needs a project in execution in the pool, which the projects topic fills.
    producer = new_producer(bootstrap, "security-matrix")
    await producer.start()
    try:
        project_id = uuid.uuid4().hex
        events = _project_events(
            project_id, VILLAGE_A, "小区治理", in_execution=True, completed=False
        )
        await send_records(producer, [encode_record(e) for e in events])
    finally:
        await producer.stop()

    async def pooled() -> bool:
        answer = await http.get(
            "/v1/inspectable-projects",
            params={"year": 2026, "region": TOWNSHIP_A},
            headers=TOWNSHIP_STAFF_A,
        )
        return project_id in answer.text

    await until(pooled, "the drawn project in supervision's pool")
    draw = {"group_id": records.group, "half_month": "2026-03-H1"}
    records.sample = (await created(http, "/v1/samples", TOWNSHIP_STAFF_A, json=draw))["id"]


def contact_sheet() -> bytes:
    """An import sheet (the template's columns) of one row: village A's secretary."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "联系人"
    headers = [c.header for c in COLUMNS]
    sheet.append(headers)
    row = {
        "名称": "北塘村书记",
        "类型": "书记",
        "单位代码": VILLAGE_A,
        "接收渠道": "站内信",
        "读取角色": "village_secretary",  # as stored: only the root org may change it
    }
    sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def notice(now: datetime) -> Notification:
    """A notice in the inbox of village A's secretary (rules make them from events)."""
    made = Notification.create(
        rule_id="project-returned",
        kind="reminder",
        recipient_id=f"secretary:{VILLAGE_A}",
        recipient_kind="secretary",
        recipient_name="北塘村书记",
        unit_code=VILLAGE_A,
        subject_type="project",
        subject_id=uuid.uuid4().hex,
        subject_unit_code=VILLAGE_A,
        period="2026-04",
        title={"zh": "项目被退回", "en": "Project returned"},
        body={"zh": "请修改后重新提交", "en": "Please revise and resubmit"},
        link="https://lingban.example.cn/projects/x",
        requires_ack=True,
        channels=[Channel.INBOX],
        now=now,
    )
    inbox = made.deliveries[Channel.INBOX]
    inbox.status, inbox.sent_at = DeliveryStatus.SENT, now
    return made


@contextlib.asynccontextmanager
async def world(infra: Endpoints) -> AsyncIterator[World]:
    bootstrap = infra.kafka_bootstrap_servers
    topics = [PROJECTS, SUPERVISION, NOTIFICATIONS]
    await ensure_topics(bootstrap, [(t.name, t.partitions) for t in topics], 1)
    names = {s: f"lingban_test_{uuid.uuid4().hex[:10]}" for s in ("projects", "supervision")}
    records = Records()
    notifications_settings = NotificationsSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"lingban_test_{uuid.uuid4().hex[:10]}",
        consumer_group=await group_at_end(
            bootstrap, f"security-notifications-{uuid.uuid4().hex[:8]}", [PROJECTS.name]
        ),
        auth_jwt_secret=DEV_JWT_SECRET,
        outbox_poll_seconds=0.2,
        background=False,
    )
    reporting_settings = ReportingSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"lingban_test_{uuid.uuid4().hex[:10]}",
        # Only what this module publishes, not what earlier tests left on the topics.
        consumer_group=await group_at_end(
            bootstrap, f"security-reporting-{uuid.uuid4().hex[:8]}", [t.name for t in topics]
        ),
        auth_jwt_secret=DEV_JWT_SECRET,
        consumer_retry_backoff_seconds=0.01,
        consumer_poll_ms=100,
    )
    directory = [
        r
        for r in demo_directory(default_tree())
        if r.unit_code == CITY
        or in_subtree(r.unit_code, TOWNSHIP_A)
        or in_subtree(r.unit_code, TOWNSHIP_B)
    ]
    reporting_app = create_reporting(reporting_settings, FixedClock(local(2026, 4, 1, 8)))
    notifications_clock = FixedClock(local(2026, 4, 1, 8))
    client = mongo.connect(infra.mongodb_uri)
    try:
        async with (
            running_projects(infra, names["projects"]) as projects,
            running_supervision(infra, names["supervision"]) as supervision,
            running_notifications(
                notifications_settings, notifications_clock, directory
            ) as notifications,
            reporting_app.router.lifespan_context(reporting_app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=reporting_app), base_url="http://reporting"
            ) as reporting,
        ):
            await projects_records(projects.http, records)
            await supervision_records(supervision.http, bootstrap, records)
            made = notice(notifications_clock.now())
            assert await notifications.wiring.repo.add(made)
            records.notification = made.id
            rules = await notifications.http.get("/v1/rules", headers=ROOT_ORG)
            records.rules = rules.json()
            # Reporting learns of the project and the inspection from the topics.
            await until(
                lambda: ok(reporting, f"/v1/projects/{records.project}", TOWNSHIP_SECRETARY_A),
                "the project in reporting",
            )
            await until(
                lambda: ok(
                    reporting,
                    f"/v1/ledgers/inspections/{records.inspection}/record.html",
                    TOWNSHIP_SECRETARY_A,
                ),
                "the inspection in reporting",
            )
            yield World(
                clients={
                    "projects": projects.http,
                    "supervision": supervision.http,
                    "notifications": notifications.http,
                    "reporting": reporting,
                },
                records=records,
                import_sheet=contact_sheet(),
            )
    finally:
        for name in [*names.values(), reporting_settings.mongodb_database]:
            await client.drop_database(name)
        await client.drop_database(notifications_settings.mongodb_database)
        await client.close()

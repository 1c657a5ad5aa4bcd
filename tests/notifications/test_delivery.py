"""Event-triggered notices on the real broker, delivered over real SMTP, the inbox
and a signed robot webhook; failures retried, dead-lettered and replayed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
import uuid
from datetime import timedelta

import pytest

from lingban_contracts import Actor, Envelope, decode_record, new_envelope
from lingban_contracts.events.projects import ProjectReturned, ReviewScores
from lingban_contracts.topics import NOTIFICATIONS
from lingban_kit.auth import Role
from lingban_kit.testing import collect, end_offsets, header
from tests.auth import auth
from tests.events import project_declared
from tests.notifications.builders import TOWNSHIP, VILLAGE, local
from tests.notifications.conftest import NotificationsApi, Receiver, SmtpServer, subject_of

pytestmark = pytest.mark.integration


def returned(project_id: str, version: int) -> Envelope:
    return new_envelope(
        data=ProjectReturned(
            project_id=project_id,
            unit_code=VILLAGE,
            year=2026,
            revision=1,
            scores=ReviewScores(feasibility=80, precision=50, effectiveness=70),
            reasons=["措施不具体"],
        ),
        source_service="projects",
        actor=Actor(id="reviewer"),
        region_code=VILLAGE,
        aggregate_id=project_id,
        aggregate_version=version,
    )


async def test_returned_project_notice_reaches_inbox_and_email_once_and_is_acknowledged(
    notif: NotificationsApi, smtp: SmtpServer
) -> None:
    bootstrap = notif.settings.kafka_bootstrap_servers
    since = await end_offsets(bootstrap, NOTIFICATIONS.name)
    pid = uuid.uuid4().hex
    event = returned(pid, 3)
    # The same event twice (a redelivery) must still make one notice.
    await notif.publish(project_declared(pid, title="加装电梯", unit_code=VILLAGE), event, event)
    # (The broker also holds other tests' events: this app reads from the start.)
    mine = {"rule_id": "project-returned", "subject_id": pid}
    [doc] = await notif.wait_for(mine)
    await notif.tick()
    assert len(await notif.notifications(mine)) == 1

    # The rule's channels are the inbox and SMS, not e-mail.
    assert not [m for m in smtp.messages if "项目被退回" in subject_of(m)]
    headers = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    inbox = (await notif.http.get("/v1/inbox", headers=headers)).json()
    [notice] = [n for n in inbox if n["subject_id"] == pid]
    assert "加装电梯" in notice["title"]
    assert "措施不具体" in notice["body"]
    assert notice["link"] == f"https://lingban.example.cn/projects/{pid}"
    english = (
        await notif.http.get("/v1/inbox", headers={**headers, "Accept-Language": "en"})
    ).json()
    assert next(n for n in english if n["subject_id"] == pid)["title"].startswith(
        "Project returned"
    )
    unread = (await notif.http.get("/v1/inbox/unread-count", headers=headers)).json()["unread"]

    # Someone else's token does not see it.
    other = auth(Role.VILLAGE_SECRETARY, "340881001002")
    assert pid not in {
        n["subject_id"] for n in (await notif.http.get("/v1/inbox", headers=other)).json()
    }
    r = await notif.http.post(f"/v1/inbox/{doc['_id']}/acknowledgement", headers=other)
    assert r.status_code == 404

    r = await notif.http.post(f"/v1/inbox/{doc['_id']}/acknowledgement", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["acknowledged_at"] is not None
    again = await notif.http.post(f"/v1/inbox/{doc['_id']}/acknowledgement", headers=headers)
    assert again.status_code == 409
    assert (await notif.http.get("/v1/inbox/unread-count", headers=headers)).json() == {
        "unread": unread - 1
    }

    def kinds(records: list[Envelope]) -> list[str]:
        return [e.type.split(".")[2] + ":" + e.data["channel"] for e in records]

    records = await collect(
        bootstrap,
        NOTIFICATIONS.name,
        since,
        match=lambda rec: rec.key == doc["_id"].encode(),
        until=lambda found: len({header(r, "ce_id") for r in found}) >= 3,
    )
    # Publishing is at-least-once (a relay pass may repeat a record before it clears it;
    # consumers drop the repeat by event id): one event per delivery and signing, by id.
    events = list({e.id: e for e in (decode_record(r.headers, r.value) for r in records)}.values())
    assert sorted(kinds(events)) == [
        "notification-acknowledged:inbox",
        "notification-sent:inbox",
        "notification-sent:sms",
    ]
    ack = next(e for e in events if e.type.endswith("acknowledged.v1"))
    assert ack.data["dedupe_key"] == doc["dedupe_key"]
    assert ack.data["recipient_id"] == f"secretary:{VILLAGE}"
    assert ack.region_code == VILLAGE
    # No contact data in public events.
    assert "1380" not in json.dumps([e.data for e in events])


async def test_real_smtp_delivery_and_a_digest_instead_of_a_flood(
    notif: NotificationsApi, smtp: SmtpServer, receivers: dict[str, Receiver]
) -> None:
    # Two projects of the village go overdue: one morning, two warnings.
    db = notif.app.state.runtime.db
    from tests.notifications.builders import subject_doc

    await db["reminder_subjects"].insert_many(
        [
            subject_doc("p1", months=("2026-04",), weeks=("2026-W16",)),
            subject_doc("p2", months=("2026-04",), weeks=("2026-W16",)),
        ]
    )
    notif.clock.set(local(2026, 4, 23, 9))  # D-7 for both
    await notif.tick()
    warnings = await notif.notifications({"rule_id": "stage-deadline-warning"})
    assert len(warnings) == 2
    sms = receivers["sms"].requests
    assert len(sms) == 1  # one digest message for the two warnings
    assert "共 2 条" in sms[0]["body"]["text"]
    # ... which names both, so the secretary knows what the reminders are about.
    assert all(w["title"]["zh"] in sms[0]["body"]["text"] for w in warnings)
    assert sms[0]["headers"]["Authorization"] == "Bearer k"
    digest_ids = {w["deliveries"]["sms"]["digest_id"] for w in warnings}
    assert len(digest_ids) == 1
    assert None not in digest_ids

    # The monthly cards went out by e-mail on April 1 (caught up now, once).
    cards = [m for m in smtp.messages if "提醒卡" in subject_of(m)]
    township_cards = [m for m in cards if f"secretary.{TOWNSHIP}" in m["To"]]
    assert len(township_cards) == 1
    body = township_cards[0].get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "p1 助餐服务" in body.decode()
    # The village task force got its card on the signed DingTalk robot.
    [hook] = receivers["webhook"].requests
    query = urllib.parse.parse_qs(urllib.parse.urlparse(hook["path"]).query)
    ts = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"s3cret", f"{ts}\ns3cret".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"][0] == expected
    assert hook["body"]["msgtype"] == "markdown"
    assert hook["headers"]["X-Lingban-Signature"].startswith("sha256=")
    await notif.tick()
    assert len(receivers["sms"].requests) == 1  # nothing sent twice


async def test_failures_are_retried_with_backoff_then_dead_lettered_and_replayed(
    notif: NotificationsApi, receivers: dict[str, Receiver]
) -> None:
    db = notif.app.state.runtime.db
    from tests.notifications.builders import subject_doc

    await db["reminder_subjects"].insert_one(
        subject_doc("p1", months=("2026-04",), weeks=("2026-W16",))
    )
    receivers["sms"].fail_next = 100
    start = local(2026, 4, 23, 9)
    notif.clock.set(start)
    await notif.tick()
    [w] = await notif.notifications({"rule_id": "stage-deadline-warning"})
    sms = w["deliveries"]["sms"]
    assert (sms["status"], sms["attempts"]) == ("failed", 1)
    assert w["deliveries"]["inbox"]["status"] == "sent"  # one channel failing holds no other
    # Not yet due: nothing happens before the backoff is over.
    notif.clock.set(start + timedelta(seconds=59))
    await notif.tick()
    [w] = await notif.notifications({"rule_id": "stage-deadline-warning"})
    assert w["deliveries"]["sms"]["attempts"] == 1
    notif.clock.set(start + timedelta(seconds=60))
    await notif.tick()
    notif.clock.set(start + timedelta(seconds=60 + 120))
    await notif.tick()
    [w] = await notif.notifications({"rule_id": "stage-deadline-warning"})
    assert (w["deliveries"]["sms"]["status"], w["deliveries"]["sms"]["attempts"]) == ("dead", 3)
    assert "HTTP 500" in w["deliveries"]["sms"]["last_error"]

    operator = auth(Role.CITY_ORG, "340881000000")
    dead = (await notif.http.get("/v1/operations/dead-letters", headers=operator)).json()
    assert [d["id"] for d in dead] == [w["_id"]]
    village = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    assert (await notif.http.get("/v1/operations/dead-letters", headers=village)).status_code == 403

    receivers["sms"].fail_next = 0
    r = await notif.http.post(
        f"/v1/operations/dead-letters/{w['_id']}/replay?channel=sms", headers=operator
    )
    assert r.status_code == 200, r.text
    await notif.tick()
    [w] = await notif.notifications({"rule_id": "stage-deadline-warning"})
    assert w["deliveries"]["sms"]["status"] == "sent"
    assert len(receivers["sms"].requests) == 1
    assert (await notif.http.get("/v1/operations/dead-letters", headers=operator)).json() == []
    again = await notif.http.post(
        f"/v1/operations/dead-letters/{w['_id']}/replay?channel=sms", headers=operator
    )
    assert again.status_code == 409

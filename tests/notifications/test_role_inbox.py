"""A notice for a unit with no directory entry is not dropped (issue 16): on the real broker
and database it reaches that unit's role inbox, readable by whoever holds the unit's role
there, and it is counted, so the office learns whose contact is missing."""

from __future__ import annotations

import uuid

import pytest

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.events.projects import ProjectReturned, ReviewScores
from lingban_kit.auth import Role
from lingban_kit.metrics import registry
from tests.auth import auth
from tests.events import project_declared
from tests.notifications.conftest import NotificationsApi

pytestmark = pytest.mark.integration

# In 孔城镇, outside the directory the test app loads (the city and 文昌街道 only).
UNLISTED_VILLAGE = "340881103201"


def returned(project_id: str) -> Envelope:
    return new_envelope(
        data=ProjectReturned(
            project_id=project_id,
            unit_code=UNLISTED_VILLAGE,
            year=2026,
            revision=1,
            scores=ReviewScores(feasibility=80, precision=50, effectiveness=70),
            reasons=["目标不具体"],
        ),
        source_service="projects",
        actor=Actor(id="reviewer"),
        region_code=UNLISTED_VILLAGE,
        aggregate_id=project_id,
        aggregate_version=3,
    )


def unlisted_count(rule: str) -> float:
    value = registry.get_sample_value(
        "lingban_notifications_unlisted_recipients_total", {"rule": rule}
    )
    return value or 0.0


async def test_a_notice_for_a_unit_without_a_contact_reaches_its_role_inbox_and_is_counted(
    notif: NotificationsApi,
) -> None:
    secretary = auth(Role.VILLAGE_SECRETARY, UNLISTED_VILLAGE)
    contact = await notif.http.get(
        f"/v1/contacts/secretary:{UNLISTED_VILLAGE}", headers=auth(Role.CITY_ORG, "340881000000")
    )
    assert contact.status_code == 404  # no directory entry
    before = unlisted_count("project-returned")

    pid = uuid.uuid4().hex
    await notif.publish(project_declared(pid, title="村道亮化", unit_code=UNLISTED_VILLAGE))
    await notif.publish(returned(pid))
    [doc] = await notif.wait_for({"rule_id": "project-returned", "subject_id": pid})
    assert doc["recipient_id"] == f"secretary:{UNLISTED_VILLAGE}"
    assert unlisted_count("project-returned") == before + 1
    await notif.tick()

    inbox = (await notif.http.get("/v1/inbox", headers=secretary)).json()
    [notice] = [n for n in inbox if n["subject_id"] == pid]
    assert "村道亮化" in notice["title"]
    # Delivered to the inbox only (no address to text), not failed for want of a contact.
    [stored] = await notif.notifications({"_id": doc["_id"]})
    assert stored["recipient_name"] == "牛畈村书记（通讯录未登记）"
    assert {c: d["status"] for c, d in stored["deliveries"].items()} == {"inbox": "sent"}

    # Only that village's role sees it: not another village's secretary, not township staff.
    for other in (
        auth(Role.VILLAGE_SECRETARY, "340881103202"),
        auth(Role.TOWNSHIP_STAFF, "340881103000"),
    ):
        seen = (await notif.http.get("/v1/inbox", headers=other)).json()
        assert pid not in {n["subject_id"] for n in seen}

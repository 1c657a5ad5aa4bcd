"""Supervision-group members are real users who get reminders (issue 16): on the real broker
and database, a member with an account gets a reminder the day before each inspection the
group planned, in an inbox only that account reads; an unannounced inspection's target stays
hidden."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.events import supervision as sv
from lingban_kit.auth import Role
from lingban_notifications.subjects.inspections import GROUPS, INSPECTIONS
from tests.auth import auth
from tests.notifications.builders import TOWNSHIP, local
from tests.notifications.conftest import NotificationsApi

pytestmark = pytest.mark.integration

CITY = "340881000000"
LEADER_ACCOUNT = f"member-{uuid.uuid4().hex[:8]}"
OTHER_ACCOUNT = f"member-{uuid.uuid4().hex[:8]}"


def event(aggregate_id: str, version: int, data: EventData) -> Envelope:
    return new_envelope(
        data=data,
        source_service="supervision",
        actor=Actor(id="city-org"),
        region_code=CITY,
        aggregate_id=aggregate_id,
        aggregate_version=version,
    )


async def test_a_member_with_an_account_is_reminded_the_day_before_the_groups_inspection(
    notif: NotificationsApi,
) -> None:
    group_id, inspection_id = uuid.uuid4().hex, uuid.uuid4().hex
    members = [
        sv.GroupMember(name="王组长", department="组织部", leader=True, user_id=LEADER_ACCOUNT),
        sv.GroupMember(name="李督导", department="纪委监委"),  # no account: no reminder
    ]
    formed = event(
        group_id,
        1,
        sv.SupervisionGroupCreated(
            group_id=group_id,
            region_code=CITY,
            level=sv.GroupLevel.CITY,
            year=2026,
            name="市第一督导组",
            members=members,
            departments=["组织部", "纪委监委"],
            covered_units=[TOWNSHIP],
        ),
    )
    planned = event(
        inspection_id,
        1,
        sv.InspectionPlanned(
            inspection_id=inspection_id,
            group_id=group_id,
            region_code=CITY,
            year=2026,
            half_month="2026-04-H1",
            planned_on=date(2026, 4, 9),
            method=sv.InspectionMethod.UNANNOUNCED,
            announced=False,
            on_site=True,
            days=2,
            unit_code=None,
            township_code=None,
            project_id=None,
        ),
    )
    await notif.publish(formed, planned)
    mine = {"rule_id": "inspection-upcoming", "subject_id": inspection_id}
    db = notif.app.state.runtime.db
    # The events are consumed before the day's tick: wait for the copies of both.
    for _ in range(150):
        if await db[GROUPS].find_one({"_id": group_id}) and await db[INSPECTIONS].find_one(
            {"_id": inspection_id}
        ):
            break
        await asyncio.sleep(0.2)

    notif.clock.set(local(2026, 4, 7, 16, 30))  # two days before: nothing yet
    await notif.tick()
    assert await notif.notifications(mine) == []
    notif.clock.set(local(2026, 4, 8, 16, 30))
    await notif.tick()
    found = await notif.notifications(mine)
    [reminder] = found
    assert reminder["recipient_name"] == "王组长"
    assert "2026-04-09" in reminder["title"]["zh"]
    assert "暗访" in reminder["title"]["zh"]

    inbox = (
        await notif.http.get("/v1/inbox", headers=auth(Role.SUPERVISOR, CITY, sub=LEADER_ACCOUNT))
    ).json()
    [notice] = [n for n in inbox if n["subject_id"] == inspection_id]
    assert "督导提醒" in notice["title"]
    # The unannounced target is not in it; another account does not see it.
    assert TOWNSHIP not in notice["body"]
    other = (
        await notif.http.get("/v1/inbox", headers=auth(Role.SUPERVISOR, CITY, sub=OTHER_ACCOUNT))
    ).json()
    assert inspection_id not in {n["subject_id"] for n in other}

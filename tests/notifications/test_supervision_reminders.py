"""Supervision: inspection-failed and rectification-reopened notices, and
rectification deadline warnings that restart with a reopened deadline."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.events import supervision as sv
from lingban_notifications.scheduling.evaluate import RectificationSubject
from tests.notifications.builders import TOWNSHIP, VILLAGE, evaluator, local
from tests.notifications.conftest import NotificationsApi, Receiver

SEC = f"secretary:{VILLAGE}"


def test_rectification_warnings_follow_the_deadline_and_escalate_when_overdue() -> None:
    ev = evaluator()
    r = RectificationSubject("r1", VILLAGE, date(2026, 4, 20), ("台账不全",))

    def due(day: int) -> set[tuple[str, str, str]]:
        return {
            (i.rule.id, i.recipient.id, i.period)
            for i in ev.evaluate(local(2026, 4, day, 10), [], [r])
            if i.rule.id.startswith("rectification")
        }

    assert due(17) == {("rectification-deadline-warning", SEC, "2026-04-20/D-3")}
    assert due(22) == {("rectification-deadline-warning", SEC, "2026-04-20/2026-04-22")}
    assert due(23) == {
        ("rectification-deadline-warning", SEC, "2026-04-20/2026-04-23"),
        ("rectification-overdue-escalation", f"secretary:{TOWNSHIP}", "2026-04-20"),
    }
    # Reopened with a new deadline: its warnings are new keys.
    reopened = RectificationSubject("r1", VILLAGE, date(2026, 4, 30), ("台账不全",))
    assert {
        i.period
        for i in ev.evaluate(local(2026, 4, 23, 10), [], [reopened])
        if i.rule.id == "rectification-deadline-warning"
    } == {"2026-04-30/D-7"}


class Inspection:
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex
        self.rectification_id = uuid.uuid4().hex
        self.version = 0

    def event(self, data: EventData) -> Envelope:
        self.version += 1
        return new_envelope(
            data=data,
            source_service="supervision",
            actor=Actor(id="group"),
            region_code=VILLAGE,
            aggregate_id=self.id,
            aggregate_version=self.version,
        )

    def rect(self, deadline: date) -> dict[str, Any]:
        return {
            "rectification_id": self.rectification_id,
            "inspection_id": self.id,
            "group_id": "g1",
            "unit_code": VILLAGE,
            "township_code": TOWNSHIP,
            "project_id": None,
            "year": 2026,
            "deadline": deadline,
        }


@pytest.mark.integration
async def test_failed_inspection_and_reopened_rectification_reach_the_unit(
    notif: NotificationsApi, receivers: dict[str, Receiver]
) -> None:
    i = Inspection()
    failed = i.event(
        sv.InspectionFailed(
            inspection_id=i.id,
            group_id="g1",
            region_code=TOWNSHIP,
            year=2026,
            unit_code=VILLAGE,
            township_code=TOWNSHIP,
            project_id=None,
            inspected_on=date(2026, 4, 10),
            score=55,
            pass_mark=60,
            team_absent=False,
            failed_items=["台账不全", "公示不到位"],
            rectification_id=i.rectification_id,
            rectification_deadline=date(2026, 4, 20),
        )
    )
    opened = i.event(sv.RectificationOpened(**i.rect(date(2026, 4, 20)), items=["台账不全"]))
    notif.clock.set(local(2026, 4, 10, 15))
    await notif.publish(failed, opened)
    notices = await notif.wait_for({"rule_id": "inspection-failed", "subject_id": i.id}, count=2)
    assert {n["recipient_id"] for n in notices} == {SEC, f"township-staff:{TOWNSHIP}"}
    assert "55" in notices[0]["title"]["zh"]
    assert "台账不全；公示不到位" in notices[0]["body"]["zh"]

    notif.clock.set(local(2026, 4, 17, 9))
    await notif.tick()
    [warning] = await notif.notifications({"rule_id": "rectification-deadline-warning"})
    assert warning["period"] == "2026-04-20/D-3"
    assert warning["deliveries"]["sms"]["status"] == "sent"

    reopened = i.event(
        sv.RectificationReopened(
            **i.rect(date(2026, 4, 30)), reasons=["照片不清晰"], previous_deadline=date(2026, 4, 20)
        )
    )
    await notif.publish(reopened)
    [notice] = await notif.wait_for(
        {"rule_id": "rectification-reopened", "subject_id": i.rectification_id}
    )
    assert "照片不清晰" in notice["body"]["zh"]
    assert "2026-04-30" in notice["body"]["zh"]
    notif.clock.set(local(2026, 4, 23, 9))
    await notif.tick()
    periods = {
        n["period"]
        for n in await notif.notifications({"rule_id": "rectification-deadline-warning"})
    }
    assert periods == {"2026-04-20/D-3", "2026-04-30/D-7"}
    assert await notif.notifications({"rule_id": "rectification-overdue-escalation"}) == []

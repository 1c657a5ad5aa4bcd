"""Issue 16: the units on the finalized 表扬 and 约谈 lists are told, once each, through the
HTTP APIs of supervision and notifications on the real broker and database.

The city's scheme praises and calls to talks by rating only and no project was
evaluated, so the lists are the organisation department's: one village praised, a
village and the township called to a talk, one village taken off again. Finalizing
publishes `assessment-finalized`; notifications sends each listed unit's secretary one
zh-CN notice (the talk must be signed for), nobody else one, and a redelivered event
sends nothing new.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.divisions import default_tree
from lingban_contracts.regions import in_subtree
from lingban_contracts.topics import SUPERVISION
from lingban_kit.auth import Role
from lingban_kit.clock import FixedClock
from lingban_kit.testing import collect, end_offsets
from lingban_notifications.directory.demo import demo_directory
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.settings import NotificationsSettings
from tests.auth import auth
from tests.notifications.builders import local
from tests.notifications.conftest import running as running_notifications
from tests.supervision.conftest import running_app as running_supervision

pytestmark = pytest.mark.integration

CITY = "340881000000"
TOWNSHIP = "340881100000"  # 新渡镇
PRAISED = "340881100201"  # 北塘村
TALK = "340881100202"  # 凤岗村
SPARED = "340881100203"  # 凤集村: put on the talk list, then taken off
ORG = auth(Role.CITY_ORG, CITY)
SCHEME = {"region_code": CITY, "year": 2026, "talk": {"below_score": None}}


def directory() -> list[Recipient]:
    """The demo directory of the city and one township, inbox only, no quiet hours."""
    return [
        Recipient.model_validate(
            {**r.model_dump(), "channels": ["inbox"], "quiet_hours": None, "email": None}
        )
        for r in demo_directory(default_tree())
        if r.unit_code == CITY or in_subtree(r.unit_code, TOWNSHIP)
    ]


def change(unit: str, listed: str, action: str, reason: str) -> dict[str, Any]:
    return {"year": 2026, "unit_code": unit, "list": listed, "action": action, "reason": reason}


async def test_listed_units_are_told_once_each(
    infra: Endpoints, notif_settings: NotificationsSettings
) -> None:
    since = await end_offsets(infra.kafka_bootstrap_servers, SUPERVISION.name)
    clock = FixedClock(local(2027, 1, 6, 10))
    async with (
        running_supervision(infra, f"lingban_test_{uuid.uuid4().hex[:10]}") as sup,
        running_notifications(notif_settings, clock, directory()) as notif,
    ):
        sup.clock.set(local(2027, 1, 6, 10))
        await sup.call("PUT", "/v1/assessments/scheme", ORG, SCHEME)
        for body in (
            change(PRAISED, "praise", "add", "获评省级民主法治示范村"),
            change(TALK, "talk", "add", "群众满意度测评排名靠后"),
            change(TOWNSHIP, "talk", "add", "项目推进迟缓"),
            change(SPARED, "talk", "add", "台账不全"),
            change(SPARED, "talk", "remove", "已补齐台账"),
        ):
            await sup.call("POST", "/v1/assessments/list-changes", ORG, body)
        final = await sup.call(
            "POST", "/v1/assessments/finalization", ORG, {"region_code": CITY, "year": 2026}
        )
        assert [e["unit_code"] for e in final["praise"]] == [PRAISED]
        assert sorted(e["unit_code"] for e in final["talks"]) == [TOWNSHIP, TALK]

        praised = await notif.wait_for({"rule_id": "assessment-praise-notice"})
        talks = await notif.wait_for({"rule_id": "assessment-talk-notice"}, count=2)
        assert [n["recipient_id"] for n in praised] == [f"secretary:{PRAISED}"]
        assert sorted(n["recipient_id"] for n in talks) == [
            f"secretary:{TOWNSHIP}",
            f"secretary:{TALK}",
        ]
        [notice] = praised
        assert notice["title"]["zh"] == "2026 年度考核表扬通知：北塘村"
        assert "依据：组织部门研究决定" in notice["body"]["zh"]
        assert "说明：获评省级民主法治示范村。" in notice["body"]["zh"]
        assert not notice["requires_ack"]
        assert all(n["requires_ack"] for n in talks)
        talk_to_village = next(n for n in talks if n["recipient_id"] == f"secretary:{TALK}")
        assert "约谈名单" in talk_to_village["body"]["zh"]
        assert "未评价" in talk_to_village["body"]["zh"]

        # The notice reaches the village secretary's inbox (one of it).
        await notif.tick()
        inbox = (
            await notif.http.get("/v1/inbox", headers=auth(Role.VILLAGE_SECRETARY, PRAISED))
        ).json()
        assert [n["rule_id"] for n in inbox].count("assessment-praise-notice") == 1

        # Exactly once: the event delivered again sends nothing new.
        finalized = "lingban.supervision.assessment-finalized.v1"
        [record] = await collect(
            infra.kafka_bootstrap_servers,
            SUPERVISION.name,
            since,
            match=lambda r: (
                r.key == f"{CITY}-2026".encode()
                and decode_record(r.headers, r.value, topic=SUPERVISION.name).type == finalized
            ),
            until=lambda found: len(found) >= 1,
        )
        await notif.wiring.notices(
            decode_record(record.headers, record.value, topic=SUPERVISION.name)
        )
        listed = await notif.notifications(
            {"rule_id": {"$in": ["assessment-praise-notice", "assessment-talk-notice"]}}
        )
        assert len(listed) == 3
        # Nobody off the lists was told (the spared village, the city itself).
        assert {n["subject_unit_code"] for n in listed} == {PRAISED, TALK, TOWNSHIP}

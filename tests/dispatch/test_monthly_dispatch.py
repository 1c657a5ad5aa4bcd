"""The issue's acceptance scenario for dispatch (一月一调度): one month of the city's
dispatch through the HTTP APIs of supervision, notifications and reporting, on the
real broker and database.

The city organisation department holds March's dispatch meeting with two townships,
which reviews a project, records the problems raised and assigns a task to each
township (交办). Both get a deadline warning; township A reports back with a paper and
the city closes its task (办结销号); township B does not report, the overdue check
flags its task and B is told so in its inbox. Another township's user sees none of
A's records; the leaders read the public view; reporting gives the month's meeting,
the tasks per unit and the closure rate; Kafka holds each task's events in order.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.divisions import default_tree
from lingban_contracts.regions import in_subtree
from lingban_contracts.topics import SUPERVISION
from lingban_kit.auth import Role
from lingban_kit.explain import assert_indexed
from lingban_kit.testing import collect, end_offsets
from lingban_notifications.directory.demo import demo_directory
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.settings import NotificationsSettings
from lingban_notifications.subjects.tasks import TASKS
from lingban_supervision.dispatch.service import TASKS_COLLECTION, WAITING_TASKS, task_criteria
from tests.auth import auth

from .builders import CITY, TOWNSHIP, TOWNSHIP_2, VILLAGE
from .stack import dispatch_stack

pytestmark = pytest.mark.integration

ORG = auth(Role.CITY_ORG, CITY)
LEADER = auth(Role.LEADER, CITY)
SEC_A = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
STAFF_A = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
SEC_B = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP_2)
VILLAGE_SEC = auth(Role.VILLAGE_SECRETARY, VILLAGE)


def directory() -> list[Recipient]:
    """The demo directory of the city and the two townships, inbox only, no quiet hours."""
    return [
        Recipient.model_validate(
            {**r.model_dump(), "channels": ["inbox"], "quiet_hours": None, "email": None}
        )
        for r in demo_directory(default_tree())
        if r.unit_code == CITY or in_subtree(r.unit_code, TOWNSHIP) or r.unit_code == TOWNSHIP_2
    ]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_a_month_of_dispatch(infra: Endpoints, notif_settings: NotificationsSettings) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    since = await end_offsets(bootstrap, SUPERVISION.name)
    async with dispatch_stack(
        infra,
        notif_settings,
        directory(),
        group="reporting-dispatch",
        reporting_now=datetime(2026, 3, 31, 2, tzinfo=UTC),
    ) as stack:
        sup, notif, rpt, at = stack.sup, stack.notif, stack.rpt, stack.at
        call = sup.call

        # ---- the March dispatch meeting (一月一调度) and its two tasks (交办) -------------
        at(3, 4)
        meeting_body = {
            "level": "city_monthly",
            "region_code": CITY,
            "held_on": "2026-03-04",
            "chair": "市委组织部副部长",
            "attendees": [
                {"name": "市委组织部", "department": "组织部"},
                {"name": "第一督导组", "department": "督导组"},
                {"name": "新渡镇", "unit_code": TOWNSHIP},
                {"name": "双港镇", "unit_code": TOWNSHIP_2},
            ],
            "projects_reviewed": [
                {"title": "背街小巷环境整治", "unit_code": TOWNSHIP, "progress": "已完成 6 条"},
                {"title": "“一老一小”助餐服务", "unit_code": TOWNSHIP_2, "progress": "选址未定"},
            ],
            "problems_raised": ["双港镇助餐点选址滞后", "部分村台账不全"],
            "next_steps": ["3 月底前完成选址"],
        }
        refused = await call("POST", "/v1/dispatch/meetings", SEC_A, meeting_body, 403)
        assert "不在您的管辖范围" in refused["error"]["message"]
        meeting = await call("POST", "/v1/dispatch/meetings", ORG, meeting_body, 201)
        assert (meeting["month"], meeting["period"], meeting["level_zh"]) == (
            "2026-03",
            "2026-03",
            "市级月调度（一月一调度）",
        )
        tasks_url = f"/v1/dispatch/meetings/{meeting['id']}/tasks"
        task_a = await call(
            "POST",
            tasks_url,
            ORG,
            {
                "unit_code": TOWNSHIP,
                "content": "补齐各村项目台账",
                "owner": "新渡镇组织委员",
                "deadline": "2026-03-13",
            },
            201,
        )
        task_b = await call(
            "POST",
            tasks_url,
            ORG,
            {
                "unit_code": TOWNSHIP_2,
                "content": "确定助餐点选址",
                "owner": "双港镇副镇长",
                "deadline": "2026-03-13",
            },
            201,
        )
        past = await call(
            "POST",
            tasks_url,
            ORG,
            {"unit_code": TOWNSHIP, "content": "x", "owner": "y", "deadline": "2026-03-01"},
            422,
        )
        assert "不能早于交办日期" in past["error"]["message"]

        # ---- jurisdiction: township B sees nothing of A's; A reads the meeting it attended
        await call("GET", f"/v1/dispatch/tasks/{task_a['id']}", SEC_B, expect=404)
        await call("POST", f"/v1/dispatch/tasks/{task_a['id']}/report", SEC_B, {"report": "x"}, 404)
        await call("GET", f"/v1/dispatch/tasks?region={TOWNSHIP}", SEC_B, expect=403)
        await call("GET", f"/v1/dispatch/meetings/{meeting['id']}", VILLAGE_SEC, expect=404)
        mine = await call("GET", f"/v1/dispatch/tasks?meeting_id={meeting['id']}", SEC_A)
        assert [t["id"] for t in mine] == [task_a["id"]]
        attended = await call("GET", "/v1/dispatch/meetings?year=2026", SEC_A)
        assert [m["id"] for m in attended] == [meeting["id"]]

        # ---- deadline warnings go to both townships (D-3) --------------------------------
        tracked = notif.app.state.runtime.db[TASKS]

        async def both_tracked() -> bool:
            waiting: int = await tracked.count_documents({"status": "assigned"})
            return waiting == 2

        await sup.eventually(both_tracked, "notifications to track both tasks")
        at(3, 10)
        await notif.tick()
        warnings = await notif.notifications({"rule_id": "task-deadline-warning"})
        assert {(n["recipient_id"], n["period"]) for n in warnings} == {
            (f"secretary:{TOWNSHIP}", "2026-03-13/D-3"),
            (f"township-staff:{TOWNSHIP}", "2026-03-13/D-3"),
            (f"secretary:{TOWNSHIP_2}", "2026-03-13/D-3"),
            (f"township-staff:{TOWNSHIP_2}", "2026-03-13/D-3"),
        }
        assert "补齐各村项目台账" in next(
            n["body"]["zh"] for n in warnings if n["subject_id"] == task_a["id"]
        )

        # ---- township A reports back with a paper; the city closes it ------------------
        at(3, 11)
        upload = await sup.http.post(
            "/v1/files", files={"file": ("台账.png", png(), "image/png")}, headers=STAFF_A
        )
        assert upload.status_code == 201, upload.text
        reported = await call(
            "POST",
            f"/v1/dispatch/tasks/{task_a['id']}/report",
            {**STAFF_A, "If-Match": f'"{task_a["version"]}"'},
            {"report": "11 个村台账已全部补齐", "attachments": [upload.json()]},
        )
        assert (reported["status"], reported["reports"][0]["late"]) == ("reported", False)
        paper = reported["reports"][0]["attachments"][0]["file_id"]
        assert (await sup.http.get(f"/v1/files/{paper}", headers=ORG)).status_code == 200
        assert (await sup.http.get(f"/v1/files/{paper}", headers=SEC_B)).status_code == 404
        own = await call("POST", f"/v1/dispatch/tasks/{task_a['id']}/closing", SEC_A, {}, 403)
        assert "不在您的管辖范围" in own["error"]["message"]
        at(3, 12)
        closed = await call(
            "POST", f"/v1/dispatch/tasks/{task_a['id']}/closing", ORG, {"comment": "同意销号"}
        )
        assert (closed["status"], closed["status_zh"]) == ("closed", "已办结销号")

        # ---- township B's task goes overdue; B is told in its inbox --------------------
        at(3, 16)
        checked = await call("POST", "/v1/dispatch/checks", ORG)
        assert checked["tasks_overdue"] == [task_b["id"]]
        assert (await call("POST", "/v1/dispatch/checks", ORG))["tasks_overdue"] == []
        await call("POST", "/v1/dispatch/checks", SEC_A, expect=403)
        notices = await notif.wait_for({"rule_id": "task-overdue"}, count=2)
        assert {n["recipient_id"] for n in notices} == {
            f"secretary:{TOWNSHIP_2}",
            f"township-staff:{TOWNSHIP_2}",
        }
        await notif.tick()  # the dispatcher delivers it
        answer = await notif.http.get("/v1/inbox", headers=SEC_B)
        assert answer.status_code == 200, answer.text
        [overdue_notice] = [n for n in answer.json() if n["rule_id"] == "task-overdue"]
        assert overdue_notice["subject_id"] == task_b["id"]
        assert "确定助餐点选址" in overdue_notice["body"]
        assert [(d["channel"], d["status"]) for d in overdue_notice["deliveries"]] == [
            ("inbox", "sent")
        ]
        a_inbox = (await notif.http.get("/v1/inbox", headers=SEC_A)).json()
        assert not [n for n in a_inbox if n["rule_id"] == "task-overdue"]

        # ---- leaders read the public view -------------------------------------------
        public = await call("GET", f"/v1/dispatch/tasks/{task_a['id']}", LEADER)
        assert (public["withheld"], public["owner"], public["reports"]) == (True, None, [])
        public_meeting = await call("GET", f"/v1/dispatch/meetings/{meeting['id']}", LEADER)
        assert public_meeting["minutes"]["chair"] is None
        assert [a["name"] for a in public_meeting["minutes"]["attendees"]] == ["新渡镇", "双港镇"]
        await call(
            "POST",
            tasks_url,
            LEADER,
            {"unit_code": TOWNSHIP, "content": "x", "owner": "y", "deadline": "2026-03-31"},
            403,
        )

        # ---- the figures reporting gives ---------------------------------------------
        async def tasks_figures() -> dict[str, Any]:
            answer = await rpt.get(
                "/v1/dispatch/tasks-per-unit", params={"region": CITY, "year": 2026}, headers=LEADER
            )
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            return found

        async def settled() -> bool:
            return bool((await tasks_figures())["total"]["overdue"] == 1)

        await sup.eventually(settled, "reporting to fold the overdue task")
        figures = await tasks_figures()
        assert figures["total"] == {
            "assigned": 2,
            "open": 1,
            "waiting": 1,
            "reported": 0,
            "closed": 1,
            "closed_on_time": 1,
            "overdue": 1,
            "ever_overdue": 1,
            "closure_rate": 0.5,
        }
        units = {u["unit_code"]: u for u in figures["units"]}
        assert (units[TOWNSHIP]["closed"], units[TOWNSHIP]["closure_rate"]) == (1, 1.0)
        assert (units[TOWNSHIP_2]["overdue"], units[TOWNSHIP_2]["unit_name"]) == (1, "双港镇")
        months = await rpt.get(
            "/v1/dispatch/meetings-per-month", params={"region": CITY, "year": 2026}, headers=LEADER
        )
        assert months.json()["rows"] == [
            {
                "region_code": CITY,
                "region_name": "桐城市",
                "month": "2026-03",
                "held": 1,
                "by_level": {"city_monthly": 1},
            }
        ]
        outside = await rpt.get(
            "/v1/dispatch/tasks-per-unit", params={"region": TOWNSHIP}, headers=SEC_B
        )
        assert outside.status_code == 403

        # ---- the queries are indexed equalities ----------------------------------------
        await assert_indexed(sup.db[TASKS_COLLECTION], WAITING_TASKS.to_query())
        await assert_indexed(
            sup.db[TASKS_COLLECTION], task_criteria(TOWNSHIP, year=2026).to_query()
        )

    # ---- on Kafka: each task's events in order, with the next aggregate version --------
    expected = {
        task_a["id"]: ["task-assigned", "task-reported", "task-closed"],
        task_b["id"]: ["task-assigned", "task-overdue"],
        meeting["id"]: ["dispatch-meeting-held"],
    }
    records = await collect(
        bootstrap,
        SUPERVISION.name,
        since,
        match=lambda r: r.key is not None and r.key.decode() in expected,
        until=lambda f: len(f) >= 6,
    )
    events = [decode_record(r.headers, r.value) for r in records]
    for key, names in expected.items():
        mine_ = [e for e in events if e.aggregate_id == key]
        assert [e.type.split(".")[2] for e in mine_] == names
        assert [e.aggregate_version for e in mine_] == list(range(1, len(names) + 1))
    overdue = next(e for e in events if e.type.endswith("task-overdue.v1"))
    assert overdue.actor.id == "system:supervision-checks"
    assert overdue.region_code == TOWNSHIP_2
    assert overdue.data["deadline"] == "2026-03-13"

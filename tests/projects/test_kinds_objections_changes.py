"""Issue 16's acceptance scenarios through the HTTP API on the real database and broker:

- a 书记领办事项 returned on a review criterion (切口小…) and approved on all four;
- 公示 objections: who may raise one, an open one blocks execution (by hand and by the
  daily checks), one dismissed with a reason, one upheld sends the project back;
- a mid-year change (变更) approved and applied, a withdrawal (撤销) approved: terminal;
- a stage reported partly is lagging (滞后).

Each with the right roles, the right events on Kafka and Chinese messages for every refusal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import Role
from lingban_kit.testing import collect, end_offsets
from tests.auth import auth

from .builders import CITY, OTHER_TOWNSHIP, TOWNSHIP, VILLAGE
from .conftest import ProjectsApi
from .test_full_year import form

pytestmark = pytest.mark.integration

UNIT = auth(Role.VILLAGE_SECRETARY, VILLAGE)
ABOVE = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
COLLEAGUE_ABOVE = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
NEIGHBOUR_VILLAGE = auth(Role.VILLAGE_SECRETARY, "340881100202")  # 凤岗村, same township
SUPERVISOR = auth(Role.SUPERVISOR, TOWNSHIP)
ORG = auth(Role.CITY_ORG, CITY)
LEADER = auth(Role.LEADER, CITY)
SCORES = {"feasibility": 85, "precision": 80, "effectiveness": 88}
CRITERIA = ["small_cut", "real_difficulty", "strong_example", "can_finish"]


def judged(**unmet: str) -> list[dict[str, Any]]:
    return [
        {"criterion": c, "met": c not in unmet, **({"comment": unmet[c]} if c in unmet else {})}
        for c in CRITERIA
    ]


class Client:
    def __init__(self, api: ProjectsApi) -> None:
        self.api = api

    def at(self, month: int, day: int) -> None:
        self.api.clock.set(datetime(2026, month, day, 2, tzinfo=UTC))

    async def call(
        self, method: str, url: str, headers: dict[str, str], body: Any = None, expect: int = 200
    ) -> Any:
        answer = await self.api.http.request(method, url, json=body, headers=headers)
        assert answer.status_code == expect, answer.text
        return answer.json()

    async def declared(self, **changes: Any) -> str:
        body = {"unit_code": VILLAGE, "year": 2026, **form(), **changes}
        project = await self.call("POST", "/v1/projects", UNIT, body, 201)
        pid: str = project["id"]
        return pid

    async def announced(self, **changes: Any) -> str:
        pid = await self.declared(**changes)
        url = f"/v1/projects/{pid}"
        await self.call("POST", f"{url}/submission", UNIT)
        await self.call(
            "POST",
            f"{url}/review",
            ABOVE,
            {"decision": "approve", "scores": SCORES, "criteria": judged()},
        )
        await self.call("POST", f"{url}/filing", ABOVE)
        await self.call(
            "POST",
            f"{url}/announcement",
            ABOVE,
            {"starts_on": "2026-01-06", "ends_on": "2026-01-12"},
        )
        return pid

    async def in_execution(self) -> str:
        pid = await self.announced()
        self.at(1, 13)
        await self.call("POST", f"/v1/projects/{pid}/execution", ABOVE)
        return pid


async def events_of(infra: Endpoints, since: dict[int, int], pid: str, count: int) -> list[Any]:
    records = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: r.key == pid.encode(),
        until=lambda found: len(found) >= count,
    )
    return [decode_record(r.headers, r.value) for r in records]


def names(events: list[Any]) -> list[str]:
    return [e.type.split(".")[2] for e in events]


async def test_a_secretary_led_item_is_reviewed_on_the_four_criteria(
    api: ProjectsApi, infra: Endpoints
) -> None:
    c = Client(api)
    c.at(1, 5)
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    pid = await c.declared(kind="secretary_led_item")
    url = f"/v1/projects/{pid}"
    await c.call("POST", f"{url}/submission", UNIT)
    # Approving while a criterion is not met is refused, and says which one.
    refused = await c.call(
        "POST",
        f"{url}/review",
        ABOVE,
        {"decision": "approve", "scores": SCORES, "criteria": judged(can_finish="周期过长")},
        expect=422,
    )
    assert "能完成" in refused["error"]["message"]
    # A return with neither a reason nor an unmet criterion is refused.
    bare = await c.call(
        "POST",
        f"{url}/review",
        ABOVE,
        {"decision": "return", "scores": SCORES, "criteria": judged()},
        expect=422,
    )
    assert "未达到的研判原则" in bare["error"]["message"]
    returned = await c.call(
        "POST",
        f"{url}/review",
        ABOVE,
        {"decision": "return", "scores": SCORES, "criteria": judged(small_cut="切口过大")},
    )
    assert returned["reviews"][-1]["reasons"] == ["未达到“切口小”：切口过大"]
    await c.call(
        "PUT",
        f"{url}/declaration",
        UNIT,
        {**form("“板凳议事会”进小区"), "kind": "secretary_led_item"},
    )
    await c.call("POST", f"{url}/submission", UNIT)
    approved = await c.call(
        "POST",
        f"{url}/review",
        ABOVE,
        {"decision": "approve", "scores": SCORES, "criteria": judged(), "comment": "可行"},
    )
    assert approved["kind"] == "secretary_led_item"
    assert approved["kind_label"] == "书记领办事项"
    assert [c["criterion"] for c in approved["reviews"][-1]["criteria"]] == CRITERIA
    assert all(c["met"] for c in approved["reviews"][-1]["criteria"])
    # A leader reads the judgements, not the reviewers' comments on them.
    public = await c.call("GET", url, LEADER)
    first = public["reviews"][0]["criteria"][0]
    assert (first["met"], first["comment"]) == (False, None)

    events = await events_of(infra, since, pid, 6)
    assert names(events) == [
        "project-declared",
        "project-submitted",
        "project-returned",
        "project-revised",
        "project-submitted",
        "project-approved",
    ]
    assert events[0].data["kind"] == "secretary_led_item"
    assert events[3].data["form"]["kind"] == "secretary_led_item"
    assert [j["met"] for j in events[2].data["criteria"]] == [False, True, True, True]
    assert len(events[5].data["criteria"]) == 4


async def test_objections_during_the_announcement(api: ProjectsApi, infra: Endpoints) -> None:
    c = Client(api)
    c.at(1, 5)
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    pid = await c.announced()
    url = f"/v1/projects/{pid}"
    body = {"text": "议事会成员未经村民推选"}

    # Who may object: working roles that can see the project.
    await c.call(
        "POST", f"{url}/objections", auth(Role.VILLAGE_SECRETARY, "340881101201"), body, 404
    )
    await c.call("POST", f"{url}/objections", auth(Role.TOWNSHIP_STAFF, OTHER_TOWNSHIP), body, 404)
    leader = await c.call("POST", f"{url}/objections", LEADER, body, 403)
    assert "角色" in leader["error"]["message"]
    offline = await c.call(
        "POST", f"{url}/objections", SUPERVISOR, {**body, "received_offline": True}, 403
    )
    assert "组织部" in offline["error"]["message"]
    await c.call("POST", f"{url}/objections", SUPERVISOR, body, 201)
    after = await c.call(
        "POST",
        f"{url}/objections",
        ORG,
        {"text": "村民来信：议事场地不便老人参加", "received_offline": True},
        201,
    )
    first, second = after["objections"]
    assert (first["status"], second["received_offline"]) == ("open", True)

    # Open objections keep it in the announcement, by hand and by the daily checks.
    c.at(1, 13)
    blocked = await c.call("POST", f"{url}/execution", ABOVE, expect=409)
    assert "2 条异议尚未处理" in blocked["error"]["message"]
    checks = await c.call("POST", "/v1/operations/daily-checks", ORG)
    assert pid not in checks["execution_started"]

    # Only the level above resolves; a dismissal needs its reason.
    resolution = f"{url}/objections/{first['id']}/resolution"
    await c.call("POST", resolution, SUPERVISOR, {"upheld": False, "reason": "不成立"}, 403)
    await c.call("POST", resolution, ABOVE, {"upheld": False, "reason": ""}, 422)
    dismissed = await c.call(
        "POST", resolution, ABOVE, {"upheld": False, "reason": "议事会成员经村民代表会议推选"}
    )
    assert dismissed["objections"][0]["status_label"] == "已驳回"
    assert dismissed["status"] == "announced"
    await c.call("POST", resolution, ABOVE, {"upheld": True, "reason": "再议"}, 409)
    # A leader sees that there were objections and their outcome, not who wrote what.
    public = await c.call("GET", url, LEADER)
    assert [(o["status"], o["text"], o["raised_by"]) for o in public["objections"]] == [
        ("dismissed", None, None),
        ("open", None, None),
    ]

    # Upheld: back for re-declaration; then the year goes on.
    upheld = await c.call(
        "POST",
        f"{url}/objections/{second['id']}/resolution",
        ABOVE,
        {"upheld": True, "reason": "场地确不便，须调整后重新申报"},
    )
    assert (upheld["status"], upheld["status_label"]) == ("returned", "已退回")
    await c.call("PUT", f"{url}/declaration", UNIT, form("“板凳议事会”进院落"))
    await c.call("POST", f"{url}/submission", UNIT)
    await c.call("POST", f"{url}/review", ABOVE, {"decision": "approve", "scores": SCORES})
    await c.call("POST", f"{url}/filing", ABOVE)
    await c.call(
        "POST", f"{url}/announcement", ABOVE, {"starts_on": "2026-01-14", "ends_on": "2026-01-20"}
    )
    c.at(1, 21)
    checks = await c.call("POST", "/v1/operations/daily-checks", ORG)
    assert pid in checks["execution_started"]

    events = await events_of(infra, since, pid, 18)
    assert names(events)[5:] == [
        "objection-raised",
        "objection-raised",
        "objection-dismissed",
        "objection-upheld",
        "project-revised",
        "project-submitted",
        "project-approved",
        "project-filed",
        "project-announced",
        "project-execution-started",
    ]
    assert events[6].data["received_offline"] is True
    assert events[6].actor.id == f"city_org@{CITY}"
    assert events[8].data["reason"] == "场地确不便，须调整后重新申报"


async def test_a_mid_year_change_and_a_withdrawal(api: ProjectsApi, infra: Endpoints) -> None:
    c = Client(api)
    c.at(1, 5)
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    pid = await c.in_execution()
    url = f"/v1/projects/{pid}"
    c.at(3, 20)
    for month in (1, 2):
        await c.call(
            "POST",
            f"{url}/stages/2026-{month:02d}/reports",
            UNIT,
            {"status": "done", "percent": 100, "narrative": "完成"},
        )
    await c.call(
        "POST",
        f"{url}/stages/2026-03/reports",
        UNIT,
        {"status": "blocked", "percent": 30, "narrative": "场地未落实"},
    )

    # Months past or reported keep their tasks; the rest of the plan may change.
    plan = form()["stage_tasks"][:3] + [
        {"month": f"2026-{m:02d}", "task": f"第 {m} 月：院落议事", "deliverable": "议事记录"}
        for m in range(4, 10)
    ]
    rewritten = [{**plan[2], "task": "改写三月"}, *plan[3:]]
    early = await c.call(
        "POST",
        f"{url}/change-requests",
        UNIT,
        {"kind": "change", "reason": "调整", "changes": {"stage_tasks": plan[:2] + rewritten}},
        422,
    )
    assert "2026-03 的阶段任务已过期或已报告" in str(early["error"])
    change = {
        "kind": "change",
        "reason": "上级统筹资金调整，工期缩短",
        "changes": {
            "expected_goals": "9 月底前每月召开议事会",
            "deadline": "2026-09-30",
            "stage_tasks": plan,
        },
    }
    # The unit side asks (a leader only reads), one request at a time.
    await c.call("POST", f"{url}/change-requests", LEADER, change, 403)
    requested = await c.call("POST", f"{url}/change-requests", UNIT, change, 201)
    again = await c.call(
        "POST", f"{url}/change-requests", UNIT, {"kind": "withdrawal", "reason": "再议"}, 409
    )
    assert "待上级审批" in again["error"]["message"]
    [request] = requested["change_requests"]
    decision = f"{url}/change-requests/{request['id']}/decision"
    await c.call("POST", decision, UNIT, {"approve": True}, 403)
    approved = await c.call("POST", decision, ABOVE, {"approve": True, "comment": "同意"})
    assert approved["revision"] == 2
    assert approved["declaration"]["deadline"] == "2026-09-30"
    assert [s["month"] for s in approved["stages"]][-1] == "2026-09"
    assert approved["stages"][0]["status"] == "done"  # kept
    assert approved["lagging_months"] == ["2026-03"]  # reported blocked
    assert approved["change_requests"][0]["decision"] == "approved"
    await c.call("POST", decision, COLLEAGUE_ABOVE, {"approve": False, "reasons": ["迟"]}, 409)

    # A second project of the unit is withdrawn: terminal.
    c.at(1, 5)
    other = await c.in_execution()
    other_url = f"/v1/projects/{other}"
    c.at(3, 20)
    asked = await c.call(
        "POST",
        f"{other_url}/change-requests",
        UNIT,
        {"kind": "withdrawal", "reason": "村庄撤并，项目由新村承接"},
        201,
    )
    withdrawal = f"{other_url}/change-requests/{asked['change_requests'][0]['id']}/decision"
    await c.call("POST", withdrawal, ABOVE, {"approve": False}, 422)
    withdrawn = await c.call("POST", withdrawal, ABOVE, {"approve": True})
    assert (withdrawn["status"], withdrawn["status_label"]) == ("withdrawn", "已撤销")
    late = await c.call(
        "POST",
        f"{other_url}/stages/2026-03/reports",
        UNIT,
        {"status": "done", "percent": 100, "narrative": "完成"},
        409,
    )
    assert "已撤销" in late["error"]["message"]
    c.at(4, 1)
    checks = await c.call("POST", "/v1/operations/daily-checks", ORG)
    assert not [s for s in checks["stages_overdue"] if s.startswith(other)]

    events = await events_of(infra, since, pid, 14)
    assert names(events)[-2:] == ["change-requested", "change-approved"]
    applied = events[-1].data
    assert applied["changed_fields"] == ["deadline", "expected_goals", "stage_tasks"]
    assert applied["removed_months"] == ["2026-10", "2026-11", "2026-12"]
    assert applied["form"]["deadline"] == "2026-09-30"
    ended = await events_of(infra, since, other, 8)
    assert names(ended)[-2:] == ["change-requested", "project-withdrawn"]
    assert ended[-1].data["reason"] == "村庄撤并，项目由新村承接"


async def test_a_stage_reported_partly_is_lagging(api: ProjectsApi) -> None:
    c = Client(api)
    c.at(1, 5)
    pid = await c.in_execution()
    c.at(1, 25)
    partly = await c.call(
        "POST",
        f"/v1/projects/{pid}/stages/2026-01/reports",
        UNIT,
        {"status": "partly", "percent": 60, "narrative": "完成六成"},
    )
    january = partly["stages"][0]
    assert (january["status"], january["lagging"]) == ("partly", True)
    assert partly["lagging_months"] == ["2026-01"]
    done = await c.call(
        "POST",
        f"/v1/projects/{pid}/stages/2026-01/reports",
        UNIT,
        {"status": "done", "percent": 100, "narrative": "完成"},
    )
    assert done["lagging_months"] == []

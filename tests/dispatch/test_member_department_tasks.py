"""Issue 16's member-department tasks (一单三卡: 任务清单 and the member-department card)
through the HTTP APIs of supervision, notifications and reporting on the real broker and
database.

The city's March meeting assigns a task to 农业农村局 (a member department, `agriculture`
— the notifications directory's `member-department:agriculture`) and one to a township;
the city assigns 民政局 one directly. The department's staff (`member_department` with
their `department` claim) read only their department's tasks, in full, and report on
them; another department, the township and the leader may not. April's first working
day brings each department one card with its own tasks due or overdue, none with the
township's. The city strikes the department's task off, and reporting's follow-up
shows the departments apart from the units.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devstack.infra import Endpoints
from lingban_contracts.divisions import default_tree
from lingban_contracts.regions import in_subtree
from lingban_kit.auth import Role
from lingban_notifications.directory.demo import demo_directory
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.settings import NotificationsSettings
from lingban_notifications.subjects.tasks import TASKS
from tests.auth import auth

from .builders import AGRICULTURE_MEETING, CITY, TOWNSHIP
from .stack import dispatch_stack

pytestmark = pytest.mark.integration

ORG = auth(Role.CITY_ORG, CITY)
LEADER = auth(Role.LEADER, CITY)
SEC = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
AGRICULTURE = auth(Role.MEMBER_DEPARTMENT, CITY, department="agriculture")
CIVIL = auth(Role.MEMBER_DEPARTMENT, CITY, department="civil-affairs")


def directory() -> list[Recipient]:
    """The demo directory of the city and one township, inbox only, no quiet hours."""
    return [
        Recipient.model_validate(
            {**r.model_dump(), "channels": ["inbox"], "quiet_hours": None, "email": None}
        )
        for r in demo_directory(default_tree())
        if r.unit_code == CITY or in_subtree(r.unit_code, TOWNSHIP)
    ]


async def test_member_departments_get_and_report_their_own_tasks(
    infra: Endpoints, notif_settings: NotificationsSettings
) -> None:
    async with dispatch_stack(
        infra,
        notif_settings,
        directory(),
        group="reporting-departments",
        reporting_now=datetime(2026, 4, 30, 2, tzinfo=UTC),
    ) as stack:
        sup, notif, rpt, at = stack.sup, stack.notif, stack.rpt, stack.at
        call = sup.call

        # ---- assigning: the city's meeting to 农业农村局, directly to 民政局 ---------------
        at(3, 4)
        held = {**AGRICULTURE_MEETING, "problems_raised": ["高标准农田项目资金拨付慢"]}
        meeting = await call("POST", "/v1/dispatch/meetings", ORG, held, 201)
        tasks_url = f"/v1/dispatch/meetings/{meeting['id']}/tasks"
        farm = await call(
            "POST",
            tasks_url,
            ORG,
            {
                "unit_code": CITY,
                "department": "agriculture",
                "content": "协调高标准农田项目资金拨付",
                "owner": "农业农村局副局长",
                "deadline": "2026-04-20",
            },
            201,
        )
        assert (farm["department"], farm["unit_code"], farm["township_code"]) == (
            "agriculture",
            CITY,
            None,
        )
        township_task = await call(
            "POST",
            tasks_url,
            ORG,
            {
                "unit_code": TOWNSHIP,
                "content": "补齐台账",
                "owner": "组织委员",
                "deadline": "2026-04-10",
            },
            201,
        )
        relief = await call(
            "POST",
            "/v1/dispatch/tasks",
            ORG,
            {
                "unit_code": CITY,
                "department": "civil-affairs",
                "content": "核实困难群众救助台账",
                "owner": "民政局社会救助科",
                "deadline": "2026-03-31",
            },
            201,
        )
        # A department belongs to its city: a township cannot assign one, nor may a city
        # task to a department name a unit below it.
        wrong_unit = {
            "unit_code": TOWNSHIP,
            "department": "agriculture",
            "content": "x",
            "owner": "y",
            "deadline": "2026-04-20",
        }
        refused = await call("POST", "/v1/dispatch/tasks", ORG, wrong_unit, 422)
        assert "成员单位" in refused["error"]["message"]
        await call(
            "POST", "/v1/dispatch/tasks", auth(Role.MEMBER_DEPARTMENT, CITY), wrong_unit, 403
        )

        # ---- reading: each department its own tasks, in full; nobody else's ---------------
        mine = await call("GET", "/v1/dispatch/tasks?year=2026", AGRICULTURE)
        assert [t["id"] for t in mine] == [farm["id"]]
        assert mine[0]["owner"] == "农业农村局副局长"
        assert not mine[0]["withheld"]
        await call("GET", f"/v1/dispatch/tasks/{relief['id']}", AGRICULTURE, expect=404)
        await call("GET", f"/v1/dispatch/tasks/{township_task['id']}", AGRICULTURE, expect=404)
        theirs = await call("GET", f"/v1/dispatch/tasks/{relief['id']}", CIVIL)
        assert theirs["department"] == "civil-affairs"
        # A leader reads the public view of every task; the city all of them in full.
        public = await call("GET", f"/v1/dispatch/tasks/{farm['id']}", LEADER)
        assert public["withheld"]
        assert public["owner"] is None
        assert len(await call("GET", "/v1/dispatch/tasks?year=2026", ORG)) == 3

        # ---- reporting back: the department only ------------------------------------------
        report = {"report": "已协调财政局拨付首批资金 300 万元"}
        farm_url = f"/v1/dispatch/tasks/{farm['id']}"
        await call("POST", f"{farm_url}/report", CIVIL, report, 404)
        await call("POST", f"{farm_url}/report", SEC, report, 404)
        await call("POST", f"{farm_url}/report", LEADER, report, 403)
        no_claim = auth(Role.MEMBER_DEPARTMENT, CITY)  # a department account without its id
        await call("POST", f"{farm_url}/report", no_claim, report, 404)
        await call("POST", f"{farm_url}/report", ORG, report, 403)  # the assigner cannot
        # …and the department cannot report on a township's task it cannot even read.
        await call("POST", f"/v1/dispatch/tasks/{township_task['id']}/report", CIVIL, report, 404)

        # ---- April's first working day: one card per department, its own tasks only --------
        tracked = notif.app.state.runtime.db[TASKS]

        async def all_tracked() -> bool:
            # This test's tasks (other tests may publish tasks on the shared topic meanwhile).
            mine = [farm["id"], township_task["id"], relief["id"]]
            found: int = await tracked.count_documents({"_id": {"$in": mine}, "status": "assigned"})
            return found == 3

        await sup.eventually(all_tracked, "notifications to track the three tasks")
        at(4, 1)
        await notif.tick()
        cards = {
            n["recipient_id"]: n
            for n in await notif.notifications({"rule_id": "monthly-card-member-department"})
        }
        assert sorted(cards) == ["member-department:agriculture", "member-department:civil-affairs"]
        farm_card = cards["member-department:agriculture"]["body"]["zh"]
        assert "协调高标准农田项目资金拨付" in farm_card
        assert "救助台账" not in farm_card
        assert "补齐台账" not in farm_card
        relief_card = cards["member-department:civil-affairs"]["body"]["zh"]
        assert "核实困难群众救助台账" in relief_card
        assert "已逾期" in relief_card
        assert cards["member-department:civil-affairs"]["title"]["zh"] == (
            "【成员单位提醒卡】2026-04 交办事项（1 项）"
        )
        # The department reads its card in its inbox (the directory maps its account).
        inbox = (
            await notif.http.get(
                "/v1/inbox",
                headers=auth(Role.LEADER, CITY, sub="member-department@agriculture"),
            )
        ).json()
        assert [n["rule_id"] for n in inbox] == ["monthly-card-member-department"]

        # ---- the department reports, the city strikes it off -------------------------------
        at(4, 8)
        current = await call("GET", farm_url, AGRICULTURE)
        reported = await call(
            "POST",
            f"{farm_url}/report",
            {**AGRICULTURE, "If-Match": f'"{current["version"]}"'},
            report,
        )
        assert (reported["status"], reported["reports"][0]["late"]) == ("reported", False)
        closed = await call(
            "POST",
            f"{farm_url}/closing",
            {**ORG, "If-Match": f'"{reported["version"]}"'},
            {"comment": "资金已到位"},
        )
        assert closed["status"] == "closed"

        # ---- reporting's follow-up: the departments apart from the units -------------------
        async def follow_up() -> dict[str, object] | None:
            answer = await rpt.get(
                "/v1/dispatch/tasks-per-unit", params={"region": CITY, "year": 2026}, headers=LEADER
            )
            body: dict[str, object] = answer.json()
            total = body.get("total")
            return body if isinstance(total, dict) and total.get("closed") == 1 else None

        async def folded() -> bool:
            return await follow_up() is not None

        await sup.eventually(folded, "reporting to fold the tasks")
        figures = await follow_up()
        assert figures is not None
        departments = {d["department"]: d for d in figures["departments"]}  # type: ignore[attr-defined]
        assert sorted(departments) == ["agriculture", "civil-affairs"]
        assert (departments["agriculture"]["closed"], departments["agriculture"]["unit_code"]) == (
            1,
            CITY,
        )
        assert departments["civil-affairs"]["waiting"] == 1
        units = {u["unit_code"] for u in figures["units"]}  # type: ignore[attr-defined]
        assert units == {TOWNSHIP}  # the departments' tasks are not the city's own row
        assert figures["total"]["assigned"] == 3  # type: ignore[index]

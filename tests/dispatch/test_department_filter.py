"""Issue 16's leftovers for member departments (成员单位), on the real broker and database.

- `GET /v1/dispatch/tasks?department=<slug>` lists one department's tasks, by an
  index (the workbench's task list and the department's card link use it); a
  department's own staff list their own whatever they ask for.
- `GET /v1/member-departments` (notifications) names the departments of the
  caller's region to everyone signed in — a department's staff and leaders, who
  may not read the contact directory — without any address.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.infra import Endpoints
from lingban_contracts.divisions import default_tree
from lingban_contracts.events.dispatch import TaskStatus
from lingban_kit.auth import Role
from lingban_kit.clock import FixedClock
from lingban_kit.explain import assert_indexed
from lingban_kit.mongo import Database
from lingban_notifications.directory.demo import MEMBER_DEPARTMENTS, demo_directory
from lingban_notifications.settings import NotificationsSettings
from lingban_supervision.dispatch.service import TASKS_COLLECTION, task_criteria
from tests.auth import auth
from tests.notifications.builders import local
from tests.notifications.conftest import running as running_notifications
from tests.supervision.conftest import running_app as running_supervision

from .builders import AGRICULTURE_MEETING, CITY, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.integration

ORG = auth(Role.CITY_ORG, CITY)
LEADER = auth(Role.LEADER, CITY)
SEC = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
AGRICULTURE = auth(Role.MEMBER_DEPARTMENT, CITY, department="agriculture")


async def test_the_task_list_filters_one_member_department_by_an_index(
    infra: Endpoints, database: Database
) -> None:
    async with running_supervision(infra, database.name) as sup:
        sup.at(3, 4)
        call = sup.call
        meeting = await call("POST", "/v1/dispatch/meetings", ORG, AGRICULTURE_MEETING, 201)
        url = f"/v1/dispatch/meetings/{meeting['id']}/tasks"

        async def assign(to: str, content: str, deadline: str, **where: str) -> dict[str, Any]:
            body = {"content": content, "owner": "责任人", "deadline": deadline, **where}
            task: dict[str, Any] = await call("POST", to, ORG, body, 201)
            return task

        farm = await assign(url, "农田资金", "2026-04-20", unit_code=CITY, department="agriculture")
        seeds = await assign(  # directly, without the meeting
            "/v1/dispatch/tasks", "良种补贴", "2026-03-31", unit_code=CITY, department="agriculture"
        )
        relief = await assign(
            url, "救助台账", "2026-04-10", unit_code=CITY, department="civil-affairs"
        )
        township = await assign(url, "补齐台账", "2026-04-10", unit_code=TOWNSHIP)

        async def ids(query: str, who: dict[str, str] = ORG) -> list[str]:
            found: list[dict[str, Any]] = await call("GET", f"/v1/dispatch/tasks?{query}", who)
            return [t["id"] for t in found]

        # The organisation department: one department's tasks, the earliest deadline first.
        assert await ids("year=2026&department=agriculture") == [seeds["id"], farm["id"]]
        assert await ids("department=civil-affairs") == [relief["id"]]
        assert await ids("department=housing") == []
        assert sorted(await ids("year=2026")) == sorted(
            [farm["id"], seeds["id"], relief["id"], township["id"]]
        )
        # …combined with the state and a meeting (the direct task is not the meeting's).
        assert await ids(f"meeting_id={meeting['id']}&department=agriculture") == [farm["id"]]
        report = {"report": "已拨付"}
        await call(
            "POST",
            f"/v1/dispatch/tasks/{farm['id']}/report",
            {**AGRICULTURE, "If-Match": f'"{farm["version"]}"'},
            report,
        )
        assert await ids("department=agriculture&status=reported") == [farm["id"]]
        assert await ids("department=agriculture&status=assigned") == [seeds["id"]]
        # A leader reads the same list in the public view.
        public = await call("GET", "/v1/dispatch/tasks?department=agriculture", LEADER)
        assert [(t["id"], t["withheld"], t["owner"]) for t in public] == [
            (seeds["id"], True, None),
            (farm["id"], True, None),
        ]
        # The department's own staff: their tasks, whatever department they ask for.
        assert await ids("department=agriculture", AGRICULTURE) == [seeds["id"], farm["id"]]
        assert await ids("", AGRICULTURE) == [seeds["id"], farm["id"]]
        assert await ids("department=civil-affairs", AGRICULTURE) == []
        # A township sees none of the city's departments' tasks.
        assert await ids("department=agriculture", SEC) == []
        # Not a department id: refused by the pattern the tasks are assigned with.
        bad = await sup.http.get("/v1/dispatch/tasks?department=Agri%20culture", headers=ORG)
        assert bad.status_code == 422

        # ---- the query is an indexed equality ----------------------------------------------
        await assert_indexed(
            sup.db[TASKS_COLLECTION],
            task_criteria(CITY, year=2026, department="agriculture").to_query(),
        )
        await assert_indexed(
            sup.db[TASKS_COLLECTION],
            task_criteria(CITY, status=TaskStatus.ASSIGNED, department="agriculture").to_query(),
        )


async def test_every_signed_in_user_reads_the_member_departments_by_name(
    notif_settings: NotificationsSettings,
) -> None:
    directory = demo_directory(default_tree())
    clock = FixedClock(local(2026, 3, 4, 9))
    async with running_notifications(notif_settings, clock, directory) as notif:

        async def listed(who: dict[str, str]) -> list[dict[str, Any]]:
            answer = await notif.http.get("/v1/member-departments", headers=who)
            assert answer.status_code == 200, answer.text
            body: list[dict[str, Any]] = answer.json()
            return body

        expected = {
            slug: {"slug": slug, "name": f"桐城市{name}", "unit_code": CITY}
            for slug, name in MEMBER_DEPARTMENTS
        }
        assert expected["agriculture"]["name"] == "桐城市农业农村局"
        for who in (AGRICULTURE, LEADER, ORG, auth(Role.SUPERVISOR, CITY)):
            found = await listed(who)
            assert {d["slug"]: d for d in found} == expected
            assert len(found) == len(expected)
        # Names only: the directory's channels and addresses stay with its editors.
        assert set((await listed(LEADER))[0]) == {"slug", "name", "unit_code"}
        assert (await notif.http.get("/v1/contacts", headers=LEADER)).status_code == 403
        # A township's or a village's people: none of the city's (their tasks are not the
        # city's), and no other city's ever.
        assert await listed(SEC) == []
        assert await listed(auth(Role.VILLAGE_SECRETARY, VILLAGE)) == []
        assert (await notif.http.get("/v1/member-departments")).status_code == 401

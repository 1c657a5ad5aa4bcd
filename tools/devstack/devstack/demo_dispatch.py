"""Dispatch demo data (一月一调度, 季调度, 交办) for `make up`, through the supervision API.

For the last three months of the demo year the city organisation department
holds its monthly dispatch meeting (on the 5th, or today if earlier), which
reviews a few townships' projects, records the problems raised and assigns a
task to three townships. The first township also holds its quarterly meeting
(季调度) and assigns a task to one of its villages. What becomes of a task is
fixed by its month and township: most tasks of the earlier months are reported
back and closed (办结销号), one waits for closing, and one is never reported, so
the overdue check flags it (its deadline is past); the current month's tasks
are open. The latest city meeting also assigns a task to a member department
(成员单位: 农业农村局, `agriculture`, the demo directory's `member-department:agriculture`),
which the department reports back on and which waits for closing. The services run on the real clock, so a meeting is recorded after
it was held and its tasks are assigned on that day (the service's rule); a task
is reported back today, late if its deadline has passed.

Resumable, compared with what the service holds: a meeting by region, month
and level; a task by its content within its meeting; a task's progress from
its status. A rerun adds nothing.

Entry point: `await load_dispatch(api, tree, today)` with an `Api` on the
supervision service (part "dispatch"); the calls are blocking, so they run in a
worker thread.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from devstack.demo import YEAR, PartResult, demo_today
from devstack.demo_api import Api
from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_kit.auth import Role, issue_dev_token
from lingban_kit.devtokens import DEMO_DEPARTMENT

MEETING_DAY = 5
TASK_DAYS = 12  # a task's deadline: this many days after the meeting
TASKS_PER_MEETING = 3
CONTENTS = (
    "补齐书记领办项目月度台账",
    "落实项目专班人员在岗履职",
    "完成群众满意度回访",
    "整改督导反馈的阶段任务滞后问题",
    "报送项目典型案例材料",
    "推进项目资金拨付和使用公示",
)
PROBLEMS = (
    "部分项目阶段任务滞后",
    "台账资料不规范",
    "群众知晓率不高",
    "专班成员调整后未及时补位",
)


@dataclass(frozen=True)
class TaskPlan:
    unit: Unit
    content: str
    deadline: date
    outcome: str  # "closed" | "reported" | "open"


@dataclass(frozen=True)
class MeetingPlan:
    level: str  # a DispatchLevel value
    region: Unit
    held_on: date
    tasks: tuple[TaskPlan, ...]


def _months(today: date) -> list[tuple[int, int]]:
    """The last three months of the demo year up to today, oldest first."""
    months: list[tuple[int, int]] = []
    day = today.replace(day=1)
    for _ in range(3):
        if day.year == YEAR:
            months.insert(0, (day.year, day.month))
        day = (day - timedelta(days=1)).replace(day=1)
    return months or [(YEAR, 3)]


def plan(tree: DivisionTree, today: date) -> list[MeetingPlan]:
    """Every meeting and task the demo should hold (the same on every run for a given day)."""
    today = demo_today(today)
    city = next(u for u in tree if u.level is Level.CITY)
    townships = sorted((u for u in tree if u.level is Level.TOWNSHIP), key=lambda u: u.code)
    months = _months(today)
    plans: list[MeetingPlan] = []
    for index, (year, month) in enumerate(months):
        held_on = min(date(year, month, MEETING_DAY), today)
        deadline = held_on + timedelta(days=TASK_DAYS)
        rng = random.Random(f"dispatch-{year}-{month}")
        chosen = sorted(rng.sample(townships, min(TASKS_PER_MEETING, len(townships))), key=str)
        current = index == len(months) - 1
        tasks = []
        for n, township in enumerate(chosen):
            # Earlier months: closed, one waiting for closing (the second month), and one
            # never reported in the oldest month (overdue); the current month: open.
            if (current and deadline >= today) or (index == 0 and n == 0):
                outcome = "open"
            elif index == 1 and n == 0:
                outcome = "reported"
            else:
                outcome = "closed"
            content = f"{CONTENTS[(month + n) % len(CONTENTS)]}（{month} 月调度交办）"
            tasks.append(TaskPlan(township, content, deadline, outcome))
        plans.append(MeetingPlan("city_monthly", city, held_on, tuple(tasks)))
    # The first township's quarterly meeting (季调度), in the last month that has begun.
    first = townships[0]
    villages = sorted(tree.children(first.code), key=lambda u: u.code)
    if villages:
        year, month = months[-1]
        held_on = min(date(year, month, MEETING_DAY + 1), today)
        task = TaskPlan(
            villages[0],
            f"完成{villages[0].name}项目季度推进情况自查",
            held_on + timedelta(days=20),
            "closed" if held_on + timedelta(days=20) < today else "open",
        )
        plans.append(MeetingPlan("township_quarterly", first, held_on, (task,)))
    return plans


def _meeting_body(meeting: MeetingPlan, tree: DivisionTree) -> dict[str, Any]:
    units = [t.unit for t in meeting.tasks]
    chair = (
        "市委组织部副部长" if meeting.level == "city_monthly" else f"{meeting.region.name}党委书记"
    )
    return {
        "level": meeting.level,
        "region_code": meeting.region.code,
        "held_on": meeting.held_on.isoformat(),
        "chair": chair,
        "attendees": [
            {"name": "组织部（党建办）", "department": "组织部"},
            {"name": "督导组", "department": "督导组"},
            *({"name": u.name, "unit_code": u.code} for u in units),
        ],
        "projects_reviewed": [
            {"title": f"{u.name}书记领办项目", "unit_code": u.code, "progress": "按月推进"}
            for u in units
        ],
        "problems_raised": [PROBLEMS[(meeting.held_on.month + i) % len(PROBLEMS)] for i in (0, 1)],
        "next_steps": ["交办事项按时限办结并反馈", "下次调度会通报办理情况"],
    }


def _reporter(api: Api, unit: Unit) -> str:
    role = Role.VILLAGE_SECRETARY if unit.level is Level.VILLAGE else Role.TOWNSHIP_SECRETARY
    return api.token(role, unit.code)


def _assigner(api: Api, region: Unit) -> str:
    if region.level is Level.TOWNSHIP:
        # Not the township secretary who may report for its villages: the staff assign and close.
        return api.token(Role.TOWNSHIP_STAFF, region.code)
    return api.token(Role.CITY_ORG, region.code)


def load(api: Api, tree: DivisionTree, today: date) -> PartResult:
    started = time.monotonic()
    added = found = 0
    city = next(u for u in tree if u.level is Level.CITY)
    org = api.token(Role.CITY_ORG, city.code)
    for meeting in plan(tree, today):
        holder = _assigner(api, meeting.region)
        month = meeting.held_on.strftime("%Y-%m")
        listed = api.call(
            "GET",
            f"/v1/dispatch/meetings?region={meeting.region.code}&month={month}",
            holder,
        )
        existing = [
            m
            for m in listed
            if m["level"] == meeting.level and m["region_code"] == meeting.region.code
        ]
        if existing:
            record = existing[0]
            found += 1
        else:
            record = api.call("POST", "/v1/dispatch/meetings", holder, _meeting_body(meeting, tree))
            added += 1
        tasks = api.call("GET", f"/v1/dispatch/tasks?meeting_id={record['id']}", holder)
        by_content = {t["content"]: t for t in tasks}
        for task in meeting.tasks:
            current = by_content.get(task.content)
            if current is None:
                body = {
                    "unit_code": task.unit.code,
                    "content": task.content,
                    "owner": f"{task.unit.name}组织委员",
                    "deadline": task.deadline.isoformat(),
                }
                current = api.call(
                    "POST", f"/v1/dispatch/meetings/{record['id']}/tasks", holder, body
                )
                added += 1
            else:
                found += 1
            if task.outcome in ("reported", "closed") and current["status"] == "assigned":
                current = api.call(
                    "POST",
                    f"/v1/dispatch/tasks/{current['id']}/report",
                    _reporter(api, task.unit),
                    {"report": f"{task.unit.name}已按要求办理：{task.content}"},
                )
                added += 1
            if task.outcome == "closed" and current["status"] == "reported":
                api.call(
                    "POST",
                    f"/v1/dispatch/tasks/{current['id']}/closing",
                    holder,
                    {"comment": "经核实，同意销号"},
                )
                added += 1
    added, found = _department_task(api, city, org, added, found, today)
    # Flag the tasks already past their deadline now, not at the next periodic run.
    flagged = api.call("POST", "/v1/dispatch/checks", org)["tasks_overdue"]
    summary = (
        f"{added} meetings, tasks and steps added, {found} found; "
        f"{len(flagged)} task(s) flagged overdue now"
    )
    return PartResult("dispatch", added, found, time.monotonic() - started, summary)


DEPARTMENT_TASK = "协调高标准农田建设项目资金拨付（调度交办农业农村局）"


def _department_task(
    api: Api, city: Unit, org: str, added: int, found: int, today: date
) -> tuple[int, int]:
    """The member department's task on the latest city meeting, reported back by it."""
    meetings = api.call("GET", f"/v1/dispatch/meetings?region={city.code}", org)
    city_meetings = [m for m in meetings if m["level"] == "city_monthly"]
    if not city_meetings:
        return added, found
    meeting = city_meetings[-1]
    tasks = api.call("GET", f"/v1/dispatch/tasks?meeting_id={meeting['id']}", org)
    current = next((t for t in tasks if t["content"] == DEPARTMENT_TASK), None)
    if current is None:
        held_on = date.fromisoformat(meeting["held_on"])
        body = {
            "unit_code": city.code,
            "department": DEMO_DEPARTMENT,
            "content": DEPARTMENT_TASK,
            "owner": "市农业农村局副局长",
            "deadline": max(held_on + timedelta(days=TASK_DAYS), demo_today(today)).isoformat(),
        }
        current = api.call("POST", f"/v1/dispatch/meetings/{meeting['id']}/tasks", org, body)
        added += 1
    else:
        found += 1
    if current["status"] == "assigned":
        department = issue_dev_token(
            secret=api.secret,
            sub="member-department@agriculture",  # the demo directory's reader of its inbox
            name="市农业农村局",
            roles=[Role.MEMBER_DEPARTMENT],
            region=city.code,
            department=DEMO_DEPARTMENT,
        )
        api.call(
            "POST",
            f"/v1/dispatch/tasks/{current['id']}/report",
            department,
            {"report": "已协调财政部门拨付首批资金，项目按计划推进"},
        )
        added += 1
    return added, found


async def load_dispatch(api: Api, tree: DivisionTree, today: date) -> PartResult:
    """Load the dispatch meetings and tasks that are missing (see the module docstring)."""
    return await asyncio.to_thread(load, api, tree, today)

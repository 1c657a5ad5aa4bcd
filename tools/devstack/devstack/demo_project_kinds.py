"""Demo of issue 16's project rules, loaded through the projects service's public HTTP API.

One township's villages each take on a 书记领办事项 (secretary-led item) beside their
书记项目, as Yuexi's report counts them (7 secretary projects plus 12 secretary-led
items): declared as that kind, reviewed criterion by criterion (切口小、有难度、示范强、
能完成), filed and announced. During the announcement one item gets an objection
received offline (recorded by the city organisation department) that the township
dismisses with a reason; once in execution each reports its past months (one the
last month only partly: it shows as lagging, 滞后), and one item's goals are changed
mid-year through an approved change request (变更).

Resumable like the other parts: each item's state (kind, reviews, objections,
stages, change requests) shows which steps happened, and a run continues after
the last one that did; a complete load adds nothing.

Entry: `await load_project_kinds(api, tree, today)` with an `Api` on the projects
service (`Api(service_urls["projects"], secret, "project kinds", stats=stats)`),
after the projects part (it needs no other part).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from devstack.demo import YEAR, PartResult, demo_today, workers
from devstack.demo_api import Api, run_all
from devstack.progress import Progress
from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_kit.auth import Role

KIND = "secretary_led_item"
ITEMS = 12  # villages of the township that take on an item
ANNOUNCEMENT = (date(YEAR, 2, 16), date(YEAR, 2, 22))
CRITERIA = ("small_cut", "real_difficulty", "strong_example", "can_finish")
TOPICS = [
    ("人居环境", "“三步桥街”人居环境治理示范点", "街巷环境脏乱，群众反映多"),
    ("基层党建", "“三步走”建强村级后备干部队伍", "村级后备干部断层"),
    ("文明实践", "党建引领移风易俗", "红白喜事攀比之风"),
    ("产业发展", "打造“一米菜园”助推产业融合", "闲置庭院利用率低"),
    ("民生服务", "“一老一小”周末课堂", "留守老人儿童缺少照料"),
    ("议事协商", "“院坝议事会”", "村民议事缺少固定平台"),
]
OBJECTION = "村民来信反映：示范点选址占用部分公共晒场，请核实"
DISMISSAL = "经现场核实，选址为村集体闲置用地，未占用公共晒场；已向来信村民反馈"
CHANGE = {
    "kind": "change",
    "reason": "上级统筹资金到位，目标相应提高",
    "changes": {"expected_goals": "年底前建成示范点 2 处，群众满意度 95% 以上"},
}

Project = dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One call of an item's year: whether the project shows it done, and the call."""

    name: str
    done: Callable[[Project], bool]
    call: Callable[[Project], tuple[str, str, str, Any]]  # (who, method, url suffix, body)


def township_of_demo(tree: DivisionTree) -> tuple[Unit, list[Unit]]:
    """The township with the most villages, and the first `ITEMS` of them by code."""
    townships = [u for u in tree if u.level is Level.TOWNSHIP]
    township = max(
        townships,
        key=lambda t: (sum(1 for c in tree.children(t.code) if c.level is Level.VILLAGE), t.code),
    )
    villages = sorted(
        (c for c in tree.children(township.code) if c.level is Level.VILLAGE),
        key=lambda u: u.code,
    )
    return township, villages[:ITEMS]


def item_form(unit: Unit, index: int) -> dict[str, Any]:
    category, title, problem = TOPICS[index % len(TOPICS)]
    return {
        "kind": KIND,
        "title": title,
        "category": category,
        "problem": problem,
        "expected_goals": "年底前建成示范点 1 处，群众满意度 90% 以上",
        "evaluation_criteria": "治理成效明显、难点问题解决、既定计划完成",
        "lead_secretary": unit.secretary or "书记",
        "task_force": ["专班成员甲", "专班成员乙"],
        "deadline": f"{YEAR}-12-20",
        "topic_source": "chosen",
        "stage_tasks": [
            {
                "month": f"{YEAR}-{m:02d}",
                "task": f"第 {m} 月：{title}",
                "deliverable": "阶段台账",
                "owner": "专班",
            }
            for m in range(3, 13)
        ],
    }


def _reported(month: str) -> Callable[[Project], bool]:
    return lambda p: any(s["month"] == month and s["reports"] > 0 for s in p["stages"])


def _report(month: str, body: dict[str, Any]) -> Callable[[Project], tuple[str, str, str, Any]]:
    return lambda p: ("unit", "POST", f"/stages/{month}/reports", body)


def plan_item(unit: Unit, index: int, today: date) -> list[Step]:
    """Every step after the declaration that is due by `today` (the declaration is `item_form`)."""
    today = demo_today(today)
    judged = [{"criterion": c, "met": True} for c in CRITERIA]
    steps = [
        Step(
            "submission",
            lambda p: p["status"] != "draft",
            lambda p: ("unit", "POST", "/submission", None),
        ),
        Step(
            "review",
            lambda p: bool(p["reviews"]),
            lambda p: (
                "above",
                "POST",
                "/review",
                {
                    "decision": "approve",
                    "scores": {"feasibility": 88, "precision": 85, "effectiveness": 86},
                    "criteria": judged,
                    "comment": "切口小、有难度、示范强、能完成",
                },
            ),
        ),
        Step(
            "filing",
            lambda p: p["filing_number"] is not None,
            lambda p: ("above", "POST", "/filing", None),
        ),
        Step(
            "announcement",
            lambda p: p["announcement"] is not None,
            lambda p: (
                "above",
                "POST",
                "/announcement",
                {"starts_on": ANNOUNCEMENT[0].isoformat(), "ends_on": ANNOUNCEMENT[1].isoformat()},
            ),
        ),
    ]
    if today < ANNOUNCEMENT[0]:
        return steps
    if index == 0:
        steps += [
            Step(
                "objection",
                lambda p: bool(p["objections"]),
                lambda p: (
                    "org",
                    "POST",
                    "/objections",
                    {"text": OBJECTION, "received_offline": True},
                ),
            ),
            Step(
                "objection dismissed",
                lambda p: bool(p["objections"]) and p["objections"][0]["status"] != "open",
                lambda p: (
                    "above",
                    "POST",
                    f"/objections/{p['objections'][0]['id']}/resolution",
                    {"upheld": False, "reason": DISMISSAL},
                ),
            ),
        ]
    if today <= ANNOUNCEMENT[1]:
        return steps
    steps.append(
        Step(
            "execution",
            lambda p: bool(p["stages"]),
            lambda p: ("above", "POST", "/execution", None),
        )
    )
    past = [f"{YEAR}-{m:02d}" for m in range(3, 13) if f"{YEAR}-{m:02d}" < f"{today:%Y-%m}"]
    for month in past:
        # The third item reports its latest past month only partly: lagging (滞后).
        partly = index == 2 and month == past[-1]
        body = {
            "status": "partly" if partly else "done",
            "percent": 60 if partly else 100,
            "narrative": "完成六成，场地协调中" if partly else f"{month} 阶段任务完成",
        }
        steps.append(Step(f"stage {month} report", _reported(month), _report(month, body)))
    if index == 1:
        steps += [
            Step(
                "change request",
                lambda p: bool(p["change_requests"]),
                lambda p: ("unit", "POST", "/change-requests", CHANGE),
            ),
            Step(
                "change approved",
                lambda p: any(r["decision"] == "approved" for r in p["change_requests"]),
                lambda p: (
                    "above",
                    "POST",
                    f"/change-requests/{p['change_requests'][0]['id']}/decision",
                    {"approve": True, "comment": "同意变更"},
                ),
            ),
        ]
    return steps


def next_step(plan: list[Step], project: Project) -> int:
    for index in range(len(plan) - 1, -1, -1):
        if plan[index].done(project):
            return index + 1
    return 0


@dataclass
class ItemWork:
    unit: Unit
    index: int
    project: Project | None


class ItemLoader:
    def __init__(self, api: Api, tree: DivisionTree, township: Unit, today: date) -> None:
        self.api = api
        self.today = today
        city = next(u for u in tree if u.level is Level.CITY)
        self.org = api.token(Role.CITY_ORG, city.code)
        self.above = api.token(Role.TOWNSHIP_SECRETARY, township.code)
        self.township = township

    def items(self) -> dict[str, Project]:
        """The township's secretary-led items of the year, oldest per village."""
        found: list[Project] = []
        while True:
            page = self.api.call(
                "GET",
                f"/v1/projects?year={YEAR}&region={self.township.code}&limit=500"
                f"&offset={len(found)}",
                self.org,
            )
            found += page
            if len(page) < 500:
                break
        items: dict[str, Project] = {}
        for p in sorted(found, key=lambda p: (p["created_at"], p["id"])):
            if p.get("kind") == KIND:
                items.setdefault(p["unit_code"], p)
        return items

    def pending(self, work: ItemWork) -> list[Step]:
        plan = plan_item(work.unit, work.index, self.today)
        return plan if work.project is None else plan[next_step(plan, work.project) :]

    def run(self, work: ItemWork, stop: threading.Event) -> int:
        """Declare (if needed) and run the item's remaining steps; returns calls made."""
        unit = work.unit
        me = self.api.token(Role.VILLAGE_SECRETARY, unit.code)
        who = {"unit": me, "above": self.above, "org": self.org}
        calls = 0
        project = work.project
        if project is None:
            body = {"unit_code": unit.code, "year": YEAR, **item_form(unit, work.index)}
            project = self.api.call(
                "POST", "/v1/projects", me, body, applied=lambda: self.items().get(unit.code)
            )
            calls += 1
        assert project is not None
        for step in self.pending(ItemWork(unit, work.index, project)):
            if stop.is_set():
                break
            url = f"/v1/projects/{project['id']}"
            role, method, suffix, body = step.call(project)

            def applied(step: Step = step, url: str = url) -> Project | None:
                current: Project = self.api.call("GET", url, self.org)
                return current if step.done(current) else None

            project = self.api.call(method, f"{url}{suffix}", who[role], body, applied=applied)
            calls += 1
        return calls


def load_items(api: Api, tree: DivisionTree, today: date) -> PartResult:
    township, villages = township_of_demo(tree)
    loader = ItemLoader(api, tree, township, today)
    found = loader.items()
    work = [ItemWork(unit, i, found.get(unit.code)) for i, unit in enumerate(villages)]
    work = [w for w in work if w.project is None or loader.pending(w)]
    progress = Progress("demo project kinds", len(work))
    complete = len(villages) - len(work)
    if not work:
        progress.start(f"all {len(villages)} 书记领办事项 of {township.name} found complete")
    else:
        progress.start(
            f"{township.name}: {len(work)} 书记领办事项 to declare or take further, "
            f"{complete} found complete"
        )
    calls = sum(run_all(work, loader.run, workers(), progress))
    summary = f"{len(work)} added or resumed ({calls} calls), {complete} found complete"
    seconds = progress.finish(summary)
    return PartResult("project kinds", len(work), complete, seconds, summary)


async def load_project_kinds(api: Api, tree: DivisionTree, today: date) -> PartResult:
    """The part's one entry: the blocking HTTP calls run in a worker thread."""
    return await asyncio.to_thread(load_items, api, tree, today)

"""Demo data for `make up`, loaded through the services' public HTTP APIs.

Modelled on the Tongcheng (桐城) report: the city, its 15 townships and
streets and their 226 villages and communities (the demo division tree) each
declare a project for the year, and the projects move through the year as
far as today allows: most are approved and in execution with their monthly
reports, a few were returned and re-declared, some months went unreported and
are overdue, some projects are finished and accepted, a few are evaluated. A
handful of units declare nothing, so the coverage rule has something to show.

The parts, in this order, each complete on its own and checked on every run:
contacts (first, so that notices reach named people), projects, daily checks (this
module), project kinds, supervision, dispatch, stationing, assessment and notifications
(`demo_supervision`, `demo_notifications`), with a short wait for the
dashboard's events before the last (`demo_events`). A part compares what the
services hold with what the demo should hold and adds only what is missing,
so an interrupted load is resumed by the next `make up` and a complete one
adds nothing. Each part prints a start line, progress and a summary
(`progress`); a call that fails for good ends `make up` with one line naming
the part and the call (`demo_api`).

Tuning: DEVSTACK_DEMO_WORKERS (threads calling the services, default 6; on
two cores the services are CPU-bound well before that, 12 was no faster),
DEVSTACK_DEMO_EVENTS_WAIT (seconds, default 60), DEVSTACK_DEMO_STATS=1
(prints the calls' latency per endpoint at the end).

Projects: each unit's year is a fixed plan of calls (`plan_year`, drawn from a
random generator seeded by the unit code, so the same on every run). A
project's state (status, reviews, stages with reports, weekly reports …)
shows which of its steps happened; the load continues after the last one
that did. Every random draw is made whatever the date, and the date only
decides which of the drawn steps are due, so a later run extends the same
plan instead of drawing a different one.
"""

from __future__ import annotations

import os
import random
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from devstack.demo_api import (
    LONG_CALL_TIMEOUT_SECONDS,
    Api,
    CallStats,
    DemoError,
    run_all,
)
from devstack.progress import Progress
from lingban_contracts.divisions import DivisionTree, Level, Unit, default_tree
from lingban_contracts.statuses import ProjectKind
from lingban_kit.auth import DEV_JWT_SECRET, Role

__all__ = ["YEAR", "Api", "DemoError", "PartResult", "seed"]

YEAR = 2026
WORKERS = 6  # threads calling the services at once; DEVSTACK_DEMO_WORKERS overrides
ANNOUNCEMENT = (date(YEAR, 2, 1), date(YEAR, 2, 7))
IDEAS = [
    ("小区治理", "老旧小区加装电梯", "老人上下楼难，群众反映强烈"),
    ("议事协商", "“板凳议事会”常态化", "村民议事渠道不畅，矛盾化解慢"),
    ("民声呼应", "12345 诉求“接诉即办”", "群众诉求办理不及时"),
    ("民生服务", "“一老一小”助餐服务", "留守老人吃饭难"),
    ("人居环境", "背街小巷环境整治", "背街小巷脏乱差"),
    ("矛盾纠纷化解", "矛盾纠纷“三调联动”", "邻里纠纷反复发生"),
    ("产业发展", "村集体经济“强村富民”", "村集体经济收入薄弱"),
    ("平安建设", "“平安守护”网格巡防", "夜间治安隐患多"),
    ("文明实践", "移风易俗“红白理事会”", "婚丧大操大办"),
    ("基层党建", "党员“联户包片”", "党员作用发挥不充分"),
    ("“一老一小”服务", "“四点半课堂”", "放学后孩子无人看管"),
]

Project = dict[str, Any]


@dataclass(frozen=True)
class PartResult:
    """What one part found and added, for the per-part summary and the final line."""

    part: str
    added: int
    found: int
    seconds: float
    summary: str
    data: bool = True  # False: a wait, nothing the demo adds (left out of "added: …")


def announced(
    what: str,
    note: str,
    load: Callable[[Progress], PartResult],
    total: int | None = None,
) -> PartResult:
    """A part that runs as one step: its start line, then counts of `total` items as
    `load` advances the progress it is given (or seconds while it runs), its summary."""
    progress = Progress(f"demo {what}", total).start(note)
    try:
        result = load(progress)
    except BaseException:
        progress.close()
        raise
    progress.finish(result.summary)
    return result


def workers() -> int:
    raw = os.environ.get("DEVSTACK_DEMO_WORKERS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else WORKERS


def demo_today(today: date) -> date:
    """The demo year stops at its last day, whatever the date."""
    return min(today, date(YEAR, 12, 31))


def unit_role(unit: Unit) -> Role:
    return {Level.VILLAGE: Role.VILLAGE_SECRETARY, Level.TOWNSHIP: Role.TOWNSHIP_SECRETARY}.get(
        unit.level, Role.CITY_ORG
    )


def reviewer_role(tree: DivisionTree, unit: Unit) -> tuple[Role, str]:
    above = tree.parent_of(unit.code) or unit
    return (Role.CITY_ORG if above.level is Level.CITY else Role.TOWNSHIP_SECRETARY), above.code


def silent_units(tree: DivisionTree) -> set[str]:
    """A few villages never declare: the coverage table shows them."""
    rng = random.Random(YEAR)
    return set(rng.sample([u.code for u in tree if u.level is Level.VILLAGE], 6))


def form(unit: Unit, rng: random.Random, revised: bool = False) -> dict[str, Any]:
    category, title, problem = rng.choice(IDEAS)
    first, last = rng.randint(3, 4), rng.randint(10, 12)
    return {
        "title": title + ("（修订）" if revised else ""),
        "category": category,
        "problem": problem,
        "expected_goals": "年底前问题实质性解决，群众满意度 90% 以上",
        "evaluation_criteria": "治理成效明显、难点问题解决、既定计划完成",
        "lead_secretary": unit.secretary or "书记",
        "task_force": ["专班成员甲", "专班成员乙"],
        "deadline": date(YEAR, last, 28).isoformat(),
        "topic_source": rng.choice(["assigned", "chosen"]),
        "responsibility_statement": "书记为第一责任人，专班成员包保到人",
        "pre_approval_steps": [
            {"step": "investigation", "done_on": f"{YEAR}-01-08"},
            {"step": "collective_study", "done_on": f"{YEAR}-01-12"},
        ],
        "stage_tasks": [
            {
                "month": f"{YEAR}-{m:02d}",
                "task": f"第 {m} 月：{title}阶段任务",
                "deliverable": "阶段台账",
                "owner": "专班",
            }
            for m in range(first, last + 1)
        ],
    }


# ---- one unit's year as a plan of steps -------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One call of a unit's year, and how the project shows that it happened."""

    name: str  # for messages: "declaration", "filing", "stage 2026-03 report" …
    by_unit: bool  # the unit's secretary (True) or the level above (False)
    method: str
    suffix: str  # after /v1/projects/<id>; "" declares the project (POST /v1/projects)
    body: Any
    done: Callable[[Project], bool]


def _reviews(project: Project, decision: str) -> bool:
    return any(r["decision"] == decision for r in project["reviews"])


def _stage_reported(month: str) -> Callable[[Project], bool]:
    def done(project: Project) -> bool:
        return any(s["month"] == month and s["reports"] > 0 for s in project["stages"])

    return done


def _weekly_reported(week: str) -> Callable[[Project], bool]:
    def done(project: Project) -> bool:
        return any(w["week"] == week for w in project["weekly_reports"])

    return done


def plan_year(unit: Unit, seed: int, today: date) -> list[Step]:
    """The calls that take one unit's project as far through the year as its draw and today allow."""
    today = demo_today(today)
    rng = random.Random(seed)
    first = form(unit, rng)
    steps = [
        Step(
            "declaration",
            True,
            "POST",
            "",
            {"unit_code": unit.code, "year": YEAR, **first},
            lambda p: True,
        )
    ]
    if rng.random() < 0.05:
        return steps  # still a draft
    steps.append(
        Step(
            "submission",
            True,
            "POST",
            "/submission",
            None,
            lambda p: p["revision"] >= 2 or p["status"] != "draft",
        )
    )
    scores = {
        "feasibility": rng.randint(70, 95),
        "precision": rng.randint(70, 95),
        "effectiveness": rng.randint(70, 95),
    }
    final = first
    if rng.random() < 0.12:
        final = form(unit, rng, revised=True)
        steps += [
            Step(
                "return",
                False,
                "POST",
                "/review",
                {
                    "decision": "return",
                    "scores": {**scores, "precision": 50},
                    "reasons": ["措施不具体，请细化阶段任务"],
                },
                lambda p: _reviews(p, "returned"),
            ),
            Step(
                "re-declaration",
                True,
                "PUT",
                "/declaration",
                final,
                lambda p: p["revision"] >= 2,
            ),
            Step(
                "second submission",
                True,
                "POST",
                "/submission",
                None,
                lambda p: p["revision"] >= 2 and p["status"] != "draft",
            ),
        ]
    if rng.random() < 0.04:
        return steps  # waiting for review
    steps += [
        Step(
            "approval",
            False,
            "POST",
            "/review",
            {"decision": "approve", "scores": scores, "comment": "切口小、能完成"},
            lambda p: _reviews(p, "approved"),
        ),
        Step("filing", False, "POST", "/filing", None, lambda p: p["filing_number"] is not None),
        Step(
            "announcement",
            False,
            "POST",
            "/announcement",
            {"starts_on": ANNOUNCEMENT[0].isoformat(), "ends_on": ANNOUNCEMENT[1].isoformat()},
            lambda p: p["announcement"] is not None,
        ),
    ]
    if today <= ANNOUNCEMENT[1]:
        return steps  # execution starts once the announcement is over
    steps.append(Step("execution", False, "POST", "/execution", None, lambda p: bool(p["stages"])))
    diligent = rng.random()
    current = today.strftime("%Y-%m")
    months = sorted({t["month"] for t in final["stage_tasks"]})
    reported = 0
    for month in months:
        # Drawn for every month, due or not: the draws after these stay the same all year.
        if rng.random() > diligent + 0.25 or month >= current:
            continue  # not reported (the daily checks flag it overdue), or not due yet
        reported += 1
        steps.append(
            Step(
                f"stage {month} report",
                True,
                "POST",
                f"/stages/{month}/reports",
                {
                    "status": "done",
                    "percent": 100,
                    "narrative": f"{month} 阶段任务完成",
                    "attachments": [
                        {
                            "name": f"{month} 台账.pdf",
                            "content_type": "application/pdf",
                            "size_bytes": 102400,
                        }
                    ],
                },
                _stage_reported(month),
            )
        )
    week_now = today.isocalendar().week
    for week in range(max(1, week_now - 3), week_now):
        # A generator of its own per week: the weeks due move on with the date.
        if random.Random(seed * 100 + week).random() < 0.6:
            name = f"{YEAR}-W{week:02d}"
            steps.append(
                Step(
                    f"weekly report {name}",
                    True,
                    "POST",
                    "/weekly-reports",
                    {"week": name, "key_tasks": ["重点任务推进"], "narrative": "按计划推进"},
                    _weekly_reported(name),
                )
            )
    if reported < len(months):
        return steps
    steps.append(
        Step(
            "completion request",
            True,
            "POST",
            "/completion-request",
            {"summary": "各阶段任务全部办结"},
            lambda p: p["completion_summary"] is not None,
        )
    )
    if rng.random() >= 0.8:
        return steps
    steps.append(
        Step(
            "acceptance",
            False,
            "POST",
            "/completion-decision",
            {"accept": True, "comment": "同意验收"},
            lambda p: bool(p["completion_decisions"]),
        )
    )
    if rng.random() >= 0.5:
        return steps
    g, p, c = rng.randint(72, 98), rng.randint(70, 98), rng.randint(75, 99)
    steps.append(
        Step(
            "evaluation",
            False,
            "POST",
            "/evaluation",
            {
                "governance_effect": g,
                "problem_solved": p,
                "plan_completed": c,
                "model_case": (g + p + c) / 3 >= 90,
            },
            lambda p: p["evaluation"] is not None,
        )
    )
    return steps


def next_step(plan: list[Step], project: Project | None) -> int:
    """Where to continue: after the last step the project shows as done (0: declare it).

    Steps run one after another, so an interrupted load leaves a done prefix;
    a step left out before a done one (a week or month no longer due) stays out.
    """
    if project is None:
        return 0
    for index in range(len(plan) - 1, -1, -1):
        if plan[index].done(project):
            return index + 1
    return 1


@dataclass
class UnitWork:
    unit: Unit
    plan: list[Step]
    start: int
    project: Project | None


def missing_work(
    tree: DivisionTree, projects: list[Project], today: date
) -> tuple[list[UnitWork], list[Project], list[Project]]:
    """(units with steps to run, projects already complete, duplicate projects ignored)."""
    silent = silent_units(tree)
    by_unit: dict[str, Project] = {}
    duplicates: list[Project] = []
    # Each unit's 书记项目; its 书记领办事项 are another part's (demo_project_kinds).
    secretary_projects = [
        p
        for p in projects
        if p.get("kind", ProjectKind.SECRETARY_PROJECT) == ProjectKind.SECRETARY_PROJECT
    ]
    for project in sorted(secretary_projects, key=lambda p: (p["created_at"], p["id"])):
        if project["unit_code"] in by_unit:
            duplicates.append(project)
        else:
            by_unit[project["unit_code"]] = project
    work: list[UnitWork] = []
    complete: list[Project] = []
    for unit in tree:
        if unit.code in silent:
            continue
        found = by_unit.get(unit.code)
        plan = plan_year(unit, int(unit.code), today)
        start = next_step(plan, found)
        if start < len(plan):
            work.append(UnitWork(unit, plan, start, found))
        elif found is not None:
            complete.append(found)
    return work, complete, duplicates


# ---- the projects part --------------------------------------------------------------------


class ProjectsLoader:
    def __init__(self, api: Api, tree: DivisionTree) -> None:
        self.api = api
        self.tree = tree
        city = next(u for u in tree if u.level is Level.CITY)
        self.org = api.token(Role.CITY_ORG, city.code)

    def list_projects(self) -> list[Project]:
        found: list[Project] = []
        while True:
            page = self.api.call(
                "GET", f"/v1/projects?year={YEAR}&limit=500&offset={len(found)}", self.org
            )
            found += page
            if len(page) < 500:
                return found

    def find_project(self, unit: Unit) -> Project | None:
        """The unit's own project (a township's region query also lists its villages')."""
        rows = self.api.call("GET", f"/v1/projects?year={YEAR}&region={unit.code}", self.org)
        mine = [p for p in rows if p["unit_code"] == unit.code]
        return min(mine, key=lambda p: (p["created_at"], p["id"])) if mine else None

    def run(self, work: UnitWork, stop: threading.Event) -> Project | None:
        """Run the unit's remaining steps; returns the project as the last answer showed it."""
        unit = work.unit
        project: Project | None = work.project
        me = self.api.token(unit_role(unit), unit.code)
        role, above_code = reviewer_role(self.tree, unit)
        # The city reviews its own project through a second person of its organisation
        # department: whoever declared a project may not review, accept or evaluate it.
        above = self.api.token(role, above_code, "reviewer" if above_code == unit.code else "")
        for step in work.plan[work.start :]:
            if stop.is_set():
                break
            if project is None:
                project = self.api.call(
                    "POST",
                    "/v1/projects",
                    me,
                    step.body,
                    applied=lambda: self.find_project(unit),
                )
                continue
            url = f"/v1/projects/{project['id']}"

            def applied(step: Step = step, url: str = url) -> Project | None:
                current: Project = self.api.call("GET", url, self.org)
                return current if step.done(current) else None

            project = self.api.call(
                step.method,
                f"{url}{step.suffix}",
                me if step.by_unit else above,
                step.body,
                applied=applied,
            )
        return project


def load_projects(api: Api, tree: DivisionTree, today: date) -> tuple[PartResult, list[Project]]:
    """The projects part; also returns every project as it stands afterwards."""
    loader = ProjectsLoader(api, tree)
    checking = Progress("demo projects", None).start(f"checking the {YEAR} projects")
    try:
        projects = loader.list_projects()
    finally:
        checking.close()
    work, complete, duplicates = missing_work(tree, projects, today)
    new = [w for w in work if w.project is None]
    resumed = [w for w in work if w.project is not None]
    progress = Progress("demo projects", len(work))
    if not work:
        progress.start(f"all {len(complete)} projects found complete", began=checking.began)
    else:
        progress.start(
            f"{len(new)} to declare and take through the year, {len(resumed)} to resume, "
            f"{len(complete)} found complete",
            began=checking.began,
        )
    for w in resumed[:5]:
        assert w.project is not None
        progress.note(
            f"resuming {w.unit.name} ({w.unit.code}): {w.project['status']}, "
            f"next step {w.plan[w.start].name} ({len(w.plan) - w.start} of {len(w.plan)} left)"
        )
    if len(resumed) > 5:
        progress.note(f"… and {len(resumed) - 5} more half-done projects")
    if duplicates:
        progress.note(
            f"{len(duplicates)} units have more than one project for {YEAR}; "
            "the oldest is used: " + ", ".join(sorted({p["unit_code"] for p in duplicates}))
        )
    finished = run_all(work, loader.run, workers(), progress)
    steps = sum(len(w.plan) - w.start for w in work)
    seconds = progress.finish(
        f"{len(new)} added, {len(resumed)} resumed ({steps} calls), {len(complete)} found complete"
    )
    after = {p["id"]: p for p in projects}
    after.update({p["id"]: p for p in finished if p is not None})
    result = PartResult(
        "projects",
        len(new) + len(resumed),
        len(complete),
        seconds,
        f"{len(new)} added, {len(resumed)} resumed",
    )
    return result, list(after.values())


# ---- the daily checks part ----------------------------------------------------------------


def checks_due(projects: list[Project], today: date) -> tuple[int, int]:
    """(announced projects to start, unreported past months not yet flagged overdue)."""
    current = demo_today(today).strftime("%Y-%m")
    to_start = sum(
        1
        for p in projects
        if p["status"] == "announced"
        and p["announcement"] is not None
        and p["announcement"][1] < demo_today(today).isoformat()
    )
    to_flag = sum(
        1
        for p in projects
        if p["status"] == "in_execution"
        for s in p["stages"]
        if s["month"] < current and s["reports"] == 0 and s["overdue_since"] is None
    )
    return to_start, to_flag


def flagged_overdue(projects: list[Project]) -> int:
    return sum(1 for p in projects for s in p["stages"] if s["overdue_since"] is not None)


def run_daily_checks(
    api: Api, tree: DivisionTree, projects: list[Project], today: date
) -> PartResult:
    """Flag the unreported months now rather than at the service's next daily run."""
    to_start, to_flag = checks_due(projects, today)
    already = flagged_overdue(projects)
    progress = Progress("demo daily checks", None)
    if not to_start and not to_flag:
        progress.start(f"nothing due; {already} overdue months already flagged")
        seconds = progress.finish("0 added")
        return PartResult("daily checks", 0, already, seconds, "0 added")
    progress.start(
        f"flagging {to_flag} unreported months overdue and starting {to_start} projects "
        "(one pass over every project)"
    )
    city = next(u for u in tree if u.level is Level.CITY)
    try:
        result = api.call(
            "POST",
            "/v1/operations/daily-checks",
            api.token(Role.CITY_ORG, city.code),
            timeout=LONG_CALL_TIMEOUT_SECONDS,
        )
    finally:
        progress.close()
    added = len(result["stages_overdue"]) + len(result["execution_started"])
    seconds = progress.finish(
        f"{len(result['stages_overdue'])} months flagged overdue, "
        f"{len(result['execution_started'])} projects started, {already} found flagged"
    )
    return PartResult("daily checks", added, already, seconds, f"{added} added")


# ---- all parts ------------------------------------------------------------------------------


def seed(
    service_urls: dict[str, str],
    secret: str = DEV_JWT_SECRET,
    today: date | None = None,
    kafka_bootstrap_servers: str | None = None,
) -> list[PartResult]:
    """Load whatever of the demo is missing, part by part; returns what each part did.

    With `kafka_bootstrap_servers`, and when this run added data, waits a while
    for the services to apply the events of the load before the notifications
    part (which reads what they applied).
    """
    # After the projects: supervision draws from them, notifications remind about both.
    from devstack import (
        demo_assessment,
        demo_dispatch,
        demo_events,
        demo_notifications,
        demo_project_kinds,
        demo_stationing,
        demo_supervision,
    )

    today = today or date.today()
    tree = default_tree()
    stats = CallStats()
    results: list[PartResult] = []
    # The directory first: the notices the other parts cause then reach the named
    # secretaries and staff, not the units' role inboxes (通讯录未登记).
    notifications = service_urls["notifications"]
    results.append(
        demo_notifications.load_contacts(Api(notifications, secret, "contacts", stats=stats), tree)
    )
    projects_api = Api(service_urls["projects"], secret, "projects", stats=stats)
    result, projects = load_projects(projects_api, tree, today)
    results.append(result)
    checks_api = Api(service_urls["projects"], secret, "daily checks", stats=stats)
    results.append(run_daily_checks(checks_api, tree, projects, today))
    # 书记领办事项 beside the 书记项目: an objection, a change, a lagging stage.
    kinds_api = Api(service_urls["projects"], secret, "project kinds", stats=stats)
    results.append(demo_project_kinds.load_items(kinds_api, tree, today))
    in_execution = sum(
        1 for p in projects if p["status"] in ("in_execution", "completion_requested")
    )
    supervision_api = Api(service_urls["supervision"], secret, "supervision", stats=stats)
    results.append(demo_supervision.load_supervision(supervision_api, tree, today, in_execution))
    # Monthly dispatch meetings and the tasks they assigned (调度与交办).
    dispatch_api = Api(service_urls["supervision"], secret, "dispatch", stats=stats)
    results.append(
        announced(
            "dispatch",
            "monthly dispatch meetings (一月一调度) and the tasks they assigned (交办)",
            lambda _: demo_dispatch.load(dispatch_api, tree, today),
        )
    )
    # Stationed-contact rosters, plans, residence days, leave and household visits (驻点).
    stationing_api = Api(service_urls["supervision"], secret, "stationing", stats=stats)
    results.append(
        announced(
            "stationing",
            "stationed-contact rosters, visit plans, residence days and leave (驻点联系)",
            lambda progress: demo_stationing.load(stationing_api, tree, today, progress),
            total=demo_stationing.steps(tree, today),
        )
    )
    # Contacts cause no events: only the other parts' writes are worth waiting for.
    caused = any(r.added for r in results if r.part != "contacts")
    if kafka_bootstrap_servers:
        results.append(demo_events.wait_applied(kafka_bootstrap_servers, wait=caused))
    # The year-end assessment (考核) of the evaluated projects, and two model cases: after
    # the wait, since it reads the ratings supervision took from the project events.
    assessment_api = Api(service_urls["supervision"], secret, "assessment", stats=stats)
    results.append(
        announced(
            "assessment",
            "the year's assessment (考核), its 表扬/约谈 lists and two model cases",
            lambda _: demo_assessment.load(assessment_api, tree, today, projects),
        )
    )
    notices = Api(notifications, secret, "notifications", stats=stats)
    results.append(demo_notifications.tick(notices, tree, due=any(r.added for r in results)))
    if os.environ.get("DEVSTACK_DEMO_STATS"):
        print(f"devstack: demo calls by endpoint ({stats.total_calls} calls):", file=sys.stderr)
        for line in stats.table():
            print(f"  {line}", file=sys.stderr)
    return results

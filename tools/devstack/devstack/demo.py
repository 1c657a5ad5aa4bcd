"""Demo data for `make up`, loaded through the services' public HTTP APIs.

Modelled on the Tongcheng (桐城) report: the city, its 15 townships and
streets and their 226 villages and communities (the demo division tree) each
declare a project for the year, and the projects move through the year as
far as today allows: most are approved and in execution with their monthly
reports, a few were returned and re-declared, some months went unreported and
are overdue, some projects are finished and accepted, a few are evaluated. A
handful of units declare nothing, so the coverage rule has something to show.

Loading is idempotent: units that already have a project for the year are
skipped, so a second `make up` adds nothing.
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level, Unit, default_tree
from lingban_kit.auth import DEV_JWT_SECRET, Role, issue_dev_token

YEAR = 2026
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


class Api:
    def __init__(self, base: str, secret: str) -> None:
        self.base = base.rstrip("/")
        self.secret = secret

    def token(self, role: Role, unit: str) -> str:
        return issue_dev_token(
            secret=self.secret,
            sub=f"demo-{role.value}-{unit}",
            name=f"演示用户 {unit}",
            roles=[role],
            region=unit,
        )

    def call(
        self, method: str, path: str, token: str, body: Any = None, timeout: float = 30
    ) -> Any:
        request = urllib.request.Request(
            f"{self.base}{path}",
            method=method,
            data=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise RuntimeError(
                f"demo: {method} {path} -> {error.code} {error.read().decode()}"
            ) from None


def unit_role(unit: Unit) -> Role:
    return {Level.VILLAGE: Role.VILLAGE_SECRETARY, Level.TOWNSHIP: Role.TOWNSHIP_SECRETARY}.get(
        unit.level, Role.CITY_ORG
    )


def reviewer_role(tree: DivisionTree, unit: Unit) -> tuple[Role, str]:
    above = tree.parent_of(unit.code) or unit
    return (Role.CITY_ORG if above.level is Level.CITY else Role.TOWNSHIP_SECRETARY), above.code


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


def run_year(api: Api, tree: DivisionTree, unit: Unit, seed: int, today: date) -> None:
    """Take one unit's project as far through the year as its draw and today allow."""
    rng = random.Random(seed)
    me = api.token(unit_role(unit), unit.code)
    role, above_code = reviewer_role(tree, unit)
    above = api.token(role, above_code)
    project = api.call(
        "POST", "/v1/projects", me, {"unit_code": unit.code, "year": YEAR, **form(unit, rng)}
    )
    url = f"/v1/projects/{project['id']}"
    if rng.random() < 0.05:
        return  # still a draft
    api.call("POST", f"{url}/submission", me)
    scores = {
        "feasibility": rng.randint(70, 95),
        "precision": rng.randint(70, 95),
        "effectiveness": rng.randint(70, 95),
    }
    if rng.random() < 0.12:
        api.call(
            "POST",
            f"{url}/review",
            above,
            {
                "decision": "return",
                "scores": {**scores, "precision": 50},
                "reasons": ["措施不具体，请细化阶段任务"],
            },
        )
        api.call("PUT", f"{url}/declaration", me, form(unit, rng, revised=True))
        api.call("POST", f"{url}/submission", me)
    if rng.random() < 0.04:
        return  # waiting for review
    api.call(
        "POST",
        f"{url}/review",
        above,
        {"decision": "approve", "scores": scores, "comment": "切口小、能完成"},
    )
    api.call("POST", f"{url}/filing", above)
    api.call(
        "POST",
        f"{url}/announcement",
        above,
        {"starts_on": f"{YEAR}-02-01", "ends_on": f"{YEAR}-02-07"},
    )
    project = api.call("POST", f"{url}/execution", above)
    diligent = rng.random()
    done_months = 0
    for stage in project["stages"]:
        month = stage["month"]
        if month >= today.strftime("%Y-%m"):
            break
        if rng.random() > diligent + 0.25:
            continue  # not reported: the daily checks will flag it overdue
        api.call(
            "POST",
            f"{url}/stages/{month}/reports",
            me,
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
        )
        done_months += 1
    for week in range(max(1, today.isocalendar().week - 3), today.isocalendar().week):
        if rng.random() < 0.6:
            api.call(
                "POST",
                f"{url}/weekly-reports",
                me,
                {
                    "week": f"{YEAR}-W{week:02d}",
                    "key_tasks": ["重点任务推进"],
                    "narrative": "按计划推进",
                },
            )
    if done_months == len(project["stages"]):
        api.call("POST", f"{url}/completion-request", me, {"summary": "各阶段任务全部办结"})
        if rng.random() < 0.8:
            api.call(
                "POST", f"{url}/completion-decision", above, {"accept": True, "comment": "同意验收"}
            )
            if rng.random() < 0.5:
                g, p, c = rng.randint(72, 98), rng.randint(70, 98), rng.randint(75, 99)
                api.call(
                    "POST",
                    f"{url}/evaluation",
                    above,
                    {
                        "governance_effect": g,
                        "problem_solved": p,
                        "plan_completed": c,
                        "model_case": (g + p + c) / 3 >= 90,
                    },
                )


def seed(service_urls: dict[str, str], secret: str = DEV_JWT_SECRET) -> int:
    """Declare and advance one project per demo unit that has none yet; returns how many."""
    api = Api(service_urls["projects"], secret)
    tree = default_tree()
    city = next(u for u in tree if u.level is Level.CITY)
    org = api.token(Role.CITY_ORG, city.code)
    existing = {p["unit_code"] for p in api.call("GET", f"/v1/projects?year={YEAR}&limit=500", org)}
    rng = random.Random(YEAR)
    # A few units never declare: the coverage table shows them.
    silent = set(rng.sample([u.code for u in tree if u.level is Level.VILLAGE], 6))
    todo = [u for u in tree if u.code not in existing and u.code not in silent]
    today = date.today()
    with ThreadPoolExecutor(max_workers=6) as pool:
        for future in [pool.submit(run_year, api, tree, u, int(u.code), today) for u in todo]:
            future.result()
    if todo:
        # Flags the unreported months: one pass over every project, so give it time.
        api.call("POST", "/v1/operations/daily-checks", org, timeout=600)
    from devstack import demo_supervision  # after the projects: it draws from them

    demo_supervision.seed(service_urls, secret)
    from devstack import demo_notifications  # after both: it reminds about their data

    demo_notifications.seed(service_urls, secret)
    return len(todo)

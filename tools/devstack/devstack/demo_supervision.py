"""Supervision demo data for `make up`, loaded through the supervision service's public HTTP API.

Modelled on the Jishan (稷山) and stationed-contact reports: two city groups
drawn from several departments cover the townships between them; four
townships run their own groups. For the last three months each group inspects
on site every half month, the city groups also draw projects at random
(sealed) and inspect one of them unannounced; some inspections fail (one
finds the task force absent), and their rectifications are verified, waiting,
or left to go overdue. Township teams log stationed-contact visits whose
opinions enter the problem list; a few problems come from other sources, and
some are resolved.

Idempotent: when groups for the year exist, nothing is added.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

from devstack.demo import YEAR, Api
from lingban_contracts.divisions import DivisionTree, Level, Unit, default_tree
from lingban_kit.auth import DEV_JWT_SECRET, Role

DEPARTMENTS = ("组织部", "纪委监委", "宣传部", "政法委", "农业农村局", "民政局", "住建局")
CHECKLIST = (
    ("专班在岗履职", 25),
    ("阶段任务推进", 30),
    ("台账资料规范", 20),
    ("群众知晓满意", 25),
)
CATEGORIES = ("组织建设", "作风建设", "项目推进", "民生服务", "人居环境", "矛盾纠纷", "平安建设")
OPINIONS = (
    ("人居环境", "村道路灯损坏，夜间出行不便"),
    ("民生服务", "老年食堂用餐时间短"),
    ("矛盾纠纷", "宅基地边界纠纷未化解"),
    ("作风建设", "村务公开不及时"),
    ("平安建设", "河塘缺少防护栏"),
    ("项目推进", "项目施工进度慢"),
)
HOUSEHOLDS = (
    "ordinary",
    "ordinary",
    "veteran_party_member",
    "lifted_out_of_poverty",
    "petitioner",
    "in_difficulty",
)


def _members(rng: random.Random, size: int) -> list[dict[str, Any]]:
    names = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
    return [
        {
            "name": f"{rng.choice(names)}{'督导员' if i else '组长'}{i + 1}",
            "department": DEPARTMENTS[(i + rng.randint(0, 6)) % len(DEPARTMENTS)],
            "leader": i == 0,
        }
        for i in range(size)
    ]


def _checklist(rng: random.Random, weak: bool) -> list[dict[str, Any]]:
    return [
        {
            "item": item,
            "max_points": points,
            "deducted": min(points, rng.randint(8, points) if weak else rng.randint(0, 4)),
        }
        for item, points in CHECKLIST
    ]


def _months(today: date) -> list[tuple[int, int]]:
    """The last three months of the demo year up to today, oldest first."""
    first = today.replace(day=1)
    months = []
    for back in range(2, -1, -1):
        day = first
        for _ in range(back):
            day = (day - timedelta(days=1)).replace(day=1)
        if day.year == YEAR:
            months.append((day.year, day.month))
    return months or [(YEAR, 3)]


class Loader:
    def __init__(self, api: Api, tree: DivisionTree, today: date) -> None:
        self.api = api
        self.tree = tree
        self.today = min(today, date(YEAR, 12, 31))
        self.rng = random.Random(YEAR * 7)
        self.city = next(u for u in tree if u.level is Level.CITY)
        self.townships = sorted(
            (u for u in tree if u.level is Level.TOWNSHIP), key=lambda u: u.code
        )
        self.org = api.token(Role.CITY_ORG, self.city.code)
        self.supervisor = api.token(Role.SUPERVISOR, self.city.code)

    def township_staff(self, township: Unit) -> str:
        return self.api.token(Role.TOWNSHIP_STAFF, township.code)

    def secretary(self, unit: Unit) -> str:
        role = Role.VILLAGE_SECRETARY if unit.level is Level.VILLAGE else Role.TOWNSHIP_SECRETARY
        return self.api.token(role, unit.code)

    def wait_for_pool(self, seconds: float = 60) -> int:
        """Supervision learns of projects from their events; give it a moment."""
        deadline = time.monotonic() + seconds
        rows: list[Any] = []
        while time.monotonic() < deadline:
            rows = self.api.call("GET", f"/v1/inspectable-projects?year={YEAR}", self.supervisor)
            if rows:
                break
            time.sleep(1)
        return len(rows)

    def groups(self) -> list[tuple[dict[str, Any], str, list[str]]]:
        """(group, token of its inspectors, units it inspects)."""
        made = []
        halves = (self.townships[::2], self.townships[1::2])
        for i, covered in enumerate(halves, start=1):
            group = self.api.call(
                "POST",
                "/v1/groups",
                self.org,
                {
                    "region_code": self.city.code,
                    "year": YEAR,
                    "name": f"市第{'一二'[i - 1]}督导组",
                    "members": _members(self.rng, 5),
                    "covered_units": [u.code for u in covered],
                },
            )
            villages = [v.code for t in covered for v in self.tree.children(t.code)]
            made.append((group, self.supervisor, villages))
        for township in self.townships[:4]:
            villages = [v.code for v in self.tree.children(township.code)]
            group = self.api.call(
                "POST",
                "/v1/groups",
                self.secretary(township),
                {
                    "region_code": township.code,
                    "year": YEAR,
                    "name": f"{township.name}督导组",
                    "members": _members(self.rng, 4),
                    "covered_units": villages,
                },
            )
            made.append((group, self.township_staff(township), villages))
        return made

    def inspect(
        self, group: dict[str, Any], token: str, body: dict[str, Any], on: date, weak: bool
    ) -> None:
        plan = self.api.call("POST", "/v1/inspections", token, {"group_id": group["id"], **body})
        if on > self.today:
            return  # still planned
        absent = weak and self.rng.random() < 0.25
        result = self.api.call(
            "POST",
            f"/v1/inspections/{plan['id']}/result",
            token,
            {
                "inspected_on": on.isoformat(),
                "checklist": _checklist(self.rng, weak),
                "team_absent": absent,
                "findings": ["工作专班无人在岗"] if absent else (["台账不规范"] if weak else []),
            },
        )
        if result["status"] != "failed":
            return
        fate = self.rng.random()
        if fate < 0.35:
            return  # left open: the checks flag it overdue once its deadline passes
        unit = self.tree.get(result["unit_code"])
        assert unit is not None
        url = f"/v1/inspections/{plan['id']}/rectification"
        self.api.call(
            "POST",
            f"{url}/submission",
            self.secretary(unit),
            {"measures": ["专班成员 AB 岗", "补齐阶段台账"], "narrative": "已按要求整改"},
        )
        if fate < 0.8:
            self.api.call(
                "POST", f"{url}/verification", token, {"decision": "close", "comment": "核验销号"}
            )

    def month(
        self, year: int, month: int, groups: list[tuple[dict[str, Any], str, list[str]]]
    ) -> None:
        for group, token, villages in groups:
            for day in (self.rng.randint(3, 13), self.rng.randint(18, 27)):
                on = date(year, month, day)
                method = self.rng.choice(["on_site", "on_site", "household_visit"])
                body = {
                    "planned_on": on.isoformat(),
                    "method": method,
                    "unit_code": self.rng.choice(villages),
                }
                self.inspect(group, token, body, on, weak=self.rng.random() < 0.2)
            if group["level"] != "city" or date(year, month, 14) > self.today:
                continue
            sample = self.api.call(
                "POST",
                "/v1/samples",
                token,
                {"group_id": group["id"], "half_month": f"{year}-{month:02d}-H1", "sealed": True},
            )
            if sample["drawn_project_ids"]:
                on = date(year, month, 14)
                body = {
                    "planned_on": on.isoformat(),
                    "method": "unannounced",
                    "project_id": sample["drawn_project_ids"][0],
                    "sample_id": sample["id"],
                }
                self.inspect(group, token, body, on, weak=self.rng.random() < 0.5)
            self.api.call("POST", f"/v1/samples/{sample['id']}/disclosure", token)

    def visits_and_problems(self, year: int, month: int) -> None:
        for township in self.townships[:4]:
            staff = self.township_staff(township)
            villages = self.tree.children(township.code)
            for village in self.rng.sample(villages, k=min(len(villages), self.rng.randint(6, 12))):
                on = date(year, month, self.rng.randint(1, 28))
                if on > self.today:
                    continue
                opinions = [
                    {"description": text, "category": category}
                    for category, text in self.rng.sample(OPINIONS, k=self.rng.randint(0, 2))
                ]
                self.api.call(
                    "POST",
                    "/v1/visits",
                    staff,
                    {
                        "unit_code": village.code,
                        "visited_on": on.isoformat(),
                        "visitor": f"{township.name}驻点领导",
                        "visitor_role": self.rng.choice(["leader", "team"]),
                        "team": ["驻村干部"],
                        "households": [
                            {"kind": self.rng.choice(HOUSEHOLDS)}
                            for _ in range(self.rng.randint(2, 6))
                        ],
                        "opinions": opinions,
                    },
                )
            for source, channel in (
                ("residents", "online_questionnaire"),
                ("self_examination", "forum"),
                ("superior", "inspection"),
                ("peers", "talk"),
            ):
                village = self.rng.choice(villages)
                problem = self.api.call(
                    "POST",
                    "/v1/problems",
                    staff,
                    {
                        "unit_code": village.code,
                        "year": year,
                        "source": source,
                        "channel": channel,
                        "category": self.rng.choice(CATEGORIES),
                        "level": self.rng.choice(["organisation", "individual"]),
                        "description": f"{village.name}{self.rng.choice(OPINIONS)[1]}",
                        "measures": ["明确责任人", "限期整改"],
                    },
                )
                if self.rng.random() < 0.5:
                    self.api.call(
                        "POST",
                        f"/v1/problems/{problem['id']}/resolution",
                        staff,
                        {"resolution": "已整改到位，群众满意"},
                    )

    def resolve_some_visit_problems(self) -> None:
        """Opinions reach the problem list through the service's own events; resolve some."""
        time.sleep(3)
        for township in self.townships[:4]:
            staff = self.township_staff(township)
            found = self.api.call(
                "GET", f"/v1/problems?region={township.code}&year={YEAR}&status=open", staff
            )
            for problem in found:
                if problem["facts"]["visit_id"] and self.rng.random() < 0.6:
                    self.api.call(
                        "POST",
                        f"/v1/problems/{problem['id']}/resolution",
                        staff,
                        {"resolution": "已现场解决并回访"},
                    )


def seed(service_urls: dict[str, str], secret: str = DEV_JWT_SECRET) -> int:
    """Groups, a season of inspections, rectifications, problems and visits; returns groups added."""
    api = Api(service_urls["supervision"], secret)
    loader = Loader(api, default_tree(), date.today())
    if api.call("GET", f"/v1/groups?year={YEAR}", loader.org):
        return 0
    loader.wait_for_pool()
    groups = loader.groups()
    for year, month in _months(loader.today):
        loader.month(year, month, groups)
        loader.visits_and_problems(year, month)
    loader.resolve_some_visit_problems()
    api.call("POST", "/v1/operations/checks", loader.org)
    return len(groups)

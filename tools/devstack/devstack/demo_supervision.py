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

Resumable, per piece of work, compared with what the service holds:
- groups: by name; a missing one is formed;
- each group and month: its planned inspections, found by date (a group
  inspects at most once a day here); each one is taken as far as its own
  draw says (recorded, rectification submitted, verified) from wherever it
  stands; a city group's draw is found through its unannounced inspection,
  and disclosed when it is not yet;
- each township: its visits per month by the month's visit count (a
  township's visits are logged one after another, so the first N exist), its
  directly registered problems per channel by count the same way, and the
  resolutions, drawn per problem from what it says, so a rerun makes the same choice.
Every draw comes from a generator seeded by the group or township and month,
never from the order of calls, so a rerun plans exactly the same data.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from devstack.demo import YEAR, PartResult, demo_today, workers
from devstack.demo_api import Api, run_all
from devstack.progress import Progress
from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_kit.auth import Role

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
DIRECT_CHANNELS = (
    ("residents", "online_questionnaire"),
    ("self_examination", "forum"),
    ("superior", "inspection"),
    ("peers", "talk"),
)
UNANNOUNCED_DAY = 14
# Opinions reach the problem list through the service's own events; how long to wait for them.
VISIT_PROBLEMS_WAIT_SECONDS = 60.0
POOL_WAIT_SECONDS = 120.0

Json = dict[str, Any]


def _members(rng: random.Random, size: int) -> list[Json]:
    names = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
    return [
        {
            "name": f"{rng.choice(names)}{'督导员' if i else '组长'}{i + 1}",
            "department": DEPARTMENTS[(i + rng.randint(0, 6)) % len(DEPARTMENTS)],
            "leader": i == 0,
        }
        for i in range(size)
    ]


def _checklist(rng: random.Random, weak: bool) -> list[Json]:
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


def chance(key: str) -> float:
    """A draw fixed by `key`: the same answer on every run."""
    return random.Random(key).random()


# ---- what the demo should hold ----------------------------------------------------------


@dataclass(frozen=True)
class GroupSpec:
    name: str
    region_code: str
    city: bool
    covered_units: list[str]
    villages: list[str]  # where its inspections go
    members: list[Json]
    creator: tuple[Role, str]  # who forms it
    inspector: tuple[Role, str]  # who plans and records its inspections
    # Who verifies (销号): a supervisor, never a township's secretary or staff, who
    # answer for their villages' rectification themselves.
    verifier: tuple[Role, str]

    def body(self) -> Json:
        return {
            "region_code": self.region_code,
            "year": YEAR,
            "name": self.name,
            "members": self.members,
            "covered_units": self.covered_units,
        }


def group_specs(tree: DivisionTree) -> list[GroupSpec]:
    city = next(u for u in tree if u.level is Level.CITY)
    townships = sorted((u for u in tree if u.level is Level.TOWNSHIP), key=lambda u: u.code)
    specs = []
    for i, covered in enumerate((townships[::2], townships[1::2])):
        name = f"市第{'一二'[i]}督导组"
        specs.append(
            GroupSpec(
                name=name,
                region_code=city.code,
                city=True,
                covered_units=[t.code for t in covered],
                villages=[v.code for t in covered for v in tree.children(t.code)],
                members=_members(random.Random(f"{name}:members"), 5),
                creator=(Role.CITY_ORG, city.code),
                inspector=(Role.SUPERVISOR, city.code),
                verifier=(Role.SUPERVISOR, city.code),
            )
        )
    for township in townships[:4]:
        name = f"{township.name}督导组"
        villages = [v.code for v in tree.children(township.code)]
        specs.append(
            GroupSpec(
                name=name,
                region_code=township.code,
                city=False,
                covered_units=villages,
                villages=villages,
                members=_members(random.Random(f"{name}:members"), 4),
                creator=(Role.TOWNSHIP_SECRETARY, township.code),
                inspector=(Role.TOWNSHIP_STAFF, township.code),
                verifier=(Role.SUPERVISOR, township.code),
            )
        )
    return specs


@dataclass(frozen=True)
class InspectionPlan:
    planned_on: date
    method: str
    unit_code: str | None  # None: the project of a draw (unannounced)
    key: str  # seeds its own outcome

    def outcome(self) -> tuple[Json, float]:
        """(the result to record, its fate: < 0.35 rectification left open, < 0.8 closed)."""
        rng = random.Random(self.key)
        weak = rng.random() < (0.5 if self.method == "unannounced" else 0.2)
        checklist = _checklist(rng, weak)
        absent = weak and rng.random() < 0.25
        result = {
            "inspected_on": self.planned_on.isoformat(),
            "checklist": checklist,
            "team_absent": absent,
            "findings": ["工作专班无人在岗"] if absent else (["台账不规范"] if weak else []),
        }
        return result, rng.random()


def month_inspections(group: GroupSpec, year: int, month: int) -> list[InspectionPlan]:
    """The group's two half-monthly inspections of a month (planned whether due or not)."""
    rng = random.Random(f"{group.name}:{year}-{month:02d}")
    plans = []
    for day in (rng.randint(3, 13), rng.randint(18, 27)):
        on = date(year, month, day)
        method = rng.choice(["on_site", "on_site", "household_visit"])
        plans.append(InspectionPlan(on, method, rng.choice(group.villages), f"{group.name}:{on}"))
    return plans


def unannounced_inspection(group: GroupSpec, year: int, month: int) -> InspectionPlan:
    on = date(year, month, UNANNOUNCED_DAY)
    return InspectionPlan(on, "unannounced", None, f"{group.name}:{on}")


@dataclass(frozen=True)
class TownshipMonth:
    visits: list[Json]  # due visits, in the order they are logged
    problems: list[Json]  # one per DIRECT_CHANNELS entry, in that order


def township_month(
    tree: DivisionTree, township: Unit, year: int, month: int, today: date
) -> TownshipMonth:
    rng = random.Random(f"{township.code}:{year}-{month:02d}")
    villages = tree.children(township.code)
    visits = []
    for village in rng.sample(villages, k=min(len(villages), rng.randint(6, 12))):
        on = date(year, month, rng.randint(1, 28))
        opinions = [
            {"description": text, "category": category}
            for category, text in rng.sample(OPINIONS, k=rng.randint(0, 2))
        ]
        body = {
            "unit_code": village.code,
            "visited_on": on.isoformat(),
            "visitor": f"{township.name}驻点领导",
            "visitor_role": rng.choice(["leader", "team"]),
            "team": ["驻村干部"],
            "households": [{"kind": rng.choice(HOUSEHOLDS)} for _ in range(rng.randint(2, 6))],
            "opinions": opinions,
        }
        if on <= today:
            visits.append(body)
    problems = []
    for source, channel in DIRECT_CHANNELS:
        village = rng.choice(villages)
        problems.append(
            {
                "unit_code": village.code,
                "year": year,
                "source": source,
                "channel": channel,
                "category": rng.choice(CATEGORIES),
                "level": rng.choice(["organisation", "individual"]),
                "description": f"{village.name}{rng.choice(OPINIONS)[1]}",
                "measures": ["明确责任人", "限期整改"],
            }
        )
    return TownshipMonth(visits, problems)


def is_direct(problem: Json) -> bool:
    facts = problem["facts"]
    return facts["visit_id"] is None and facts["inspection_id"] is None


def direct_counts(problems: list[Json]) -> Counter[tuple[str, str]]:
    """Directly registered problems per (source, channel)."""
    return Counter((p["facts"]["source"], p["facts"]["channel"]) for p in problems if is_direct(p))


def missing_direct_problems(
    plans: list[TownshipMonth], problems: list[Json]
) -> list[tuple[int, Json]]:
    """(month index, body) of the planned direct problems not registered yet.

    A township registers them month by month, so with N of a channel stored,
    the first N months' problems of that channel exist.
    """
    have = direct_counts(problems)
    missing = []
    for index, plan in enumerate(plans):
        for body in plan.problems:
            if index >= have[(body["source"], body["channel"])]:
                missing.append((index, body))
    return missing


def to_resolve(problems: list[Json]) -> list[Json]:
    """Open problems whose own draw says resolved: half the direct ones, 60 % of the visits'.

    The draw is keyed by what the problem says and where, not by its id (a new
    one on every fresh machine), so every fresh load resolves the same ones.
    """
    return [
        p
        for p in problems
        if p["status"] == "open" and chance(problem_key(p)) < (0.5 if is_direct(p) else 0.6)
    ]


def problem_key(problem: Json) -> str:
    facts = problem["facts"]
    return "|".join(
        str(facts[k]) for k in ("unit_code", "source", "channel", "category", "description")
    )


# ---- loading ------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the part added and found, counted from all workers."""

    added: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, count: int = 1) -> None:
        with self.lock:
            self.added[what] += count

    def saw(self, what: str, count: int = 1) -> None:
        with self.lock:
            self.found[what] += count


@dataclass(frozen=True)
class GroupMonth:
    spec: GroupSpec
    group: Json
    year: int
    month: int


class Loader:
    def __init__(self, api: Api, tree: DivisionTree, today: date, in_execution: int = 0) -> None:
        self.api = api
        self.tree = tree
        self.today = demo_today(today)
        self.months = _months(self.today)
        self.city = next(u for u in tree if u.level is Level.CITY)
        self.townships = sorted(
            (u for u in tree if u.level is Level.TOWNSHIP), key=lambda u: u.code
        )
        self.org = api.token(Role.CITY_ORG, self.city.code)
        self.supervisor = api.token(Role.SUPERVISOR, self.city.code)
        self.tally = Tally()
        self.shortfalls: list[str] = []
        self.inspections: dict[str, dict[str, Json]] = {}  # group id -> planned_on -> inspection
        self.in_execution = in_execution  # projects the draws' pool should hold
        self.progress: Progress | None = None  # for notes while the work runs
        self.pool_lock = threading.Lock()
        self.pool_ready = False
        self.visit_counts: dict[tuple[str, str], int] = {}  # (township, month) -> visits
        self.visits_logged: dict[str, bool] = {}  # township -> visits added in this run

    def token(self, who: tuple[Role, str]) -> str:
        return self.api.token(*who)

    def secretary(self, unit_code: str) -> str:
        unit = self.tree.get(unit_code)
        assert unit is not None
        role = Role.VILLAGE_SECRETARY if unit.level is Level.VILLAGE else Role.TOWNSHIP_SECRETARY
        return self.api.token(role, unit.code)

    # ---- groups ----------------------------------------------------------------
    def groups(self) -> list[tuple[GroupSpec, Json]]:
        """Every group of the demo, formed where missing."""

        def existing() -> dict[tuple[str, str], Json]:
            rows = self.api.call("GET", f"/v1/groups?year={YEAR}", self.org)
            return {(g["region_code"], g["composition"]["name"]): g for g in rows}

        def existing_group(key: tuple[str, str]) -> Json | None:
            return existing().get(key)

        found = existing()
        made = []
        for spec in group_specs(self.tree):
            key = (spec.region_code, spec.name)
            group = found.get(key)
            if group is None:
                group = self.api.call(
                    "POST",
                    "/v1/groups",
                    self.token(spec.creator),
                    spec.body(),
                    applied=partial(existing_group, key),
                )
                self.tally.add("groups")
            else:
                self.tally.saw("groups")
            made.append((spec, group))
        return made

    def load_inspections(self, spec: GroupSpec, group: Json) -> None:
        rows = self.api.call(
            "GET", f"/v1/inspections?group_id={group['id']}&year={YEAR}", self.token(spec.inspector)
        )
        self.inspections[group["id"]] = {i["planned_on"]: i for i in rows}

    def find_inspection(self, spec: GroupSpec, group: Json, on: date) -> Json | None:
        rows = self.api.call(
            "GET", f"/v1/inspections?group_id={group['id']}&year={YEAR}", self.token(spec.inspector)
        )
        return next((i for i in rows if i["planned_on"] == on.isoformat()), None)

    def wait_for_pool(self) -> None:
        """Before the first draw: supervision learns of projects in execution from their
        events, later than the projects part wrote them; wait until it knows them all.

        Only draws wait (one waits, the others wait for it); everything else goes on.
        """
        with self.pool_lock:
            if not self.pool_ready:
                self._wait_for_pool(self.in_execution)
                self.pool_ready = True

    def note(self, message: str) -> None:
        if self.progress is not None:
            self.progress.note(message)

    def _wait_for_pool(self, expected: int) -> None:
        deadline = time.monotonic() + POOL_WAIT_SECONDS
        size, said = 0, False
        while time.monotonic() < deadline:
            size = len(
                self.api.call("GET", f"/v1/inspectable-projects?year={YEAR}", self.supervisor)
            )
            if size >= expected:
                return
            if not said:
                self.note(
                    f"waiting for the service to learn of the {expected} projects in execution "
                    f"from their events ({size} so far): the draws pick from them"
                )
                said = True
            time.sleep(1)
        self.note(
            f"the draw's pool has {size} of {expected} projects in execution after "
            f"{POOL_WAIT_SECONDS:.0f} s; drawing from those"
        )

    # ---- one group's month -------------------------------------------------------
    def group_month(self, work: GroupMonth, stop: threading.Event) -> None:
        spec, group = work.spec, work.group
        for plan in month_inspections(spec, work.year, work.month):
            if stop.is_set():
                return
            self.inspection(spec, group, plan, {"unit_code": plan.unit_code}, stop)
        on = date(work.year, work.month, UNANNOUNCED_DAY)
        if spec.city and on <= self.today and not stop.is_set():
            self.draw(spec, group, unannounced_inspection(spec, work.year, work.month), stop)

    def inspection(
        self,
        spec: GroupSpec,
        group: Json,
        plan: InspectionPlan,
        target: Json,
        stop: threading.Event,
    ) -> Json:
        """Plan the inspection unless it exists, then take it as far as its draw says."""
        token = self.token(spec.inspector)
        found = self.inspections.get(group["id"], {}).get(plan.planned_on.isoformat())
        if found is None:
            found = self.api.call(
                "POST",
                "/v1/inspections",
                token,
                {
                    "group_id": group["id"],
                    "planned_on": plan.planned_on.isoformat(),
                    "method": plan.method,
                    **target,
                },
                applied=lambda: self.find_inspection(spec, group, plan.planned_on),
            )
            self.tally.add("inspections")
        else:
            self.tally.saw("inspections")
        if plan.planned_on > self.today or stop.is_set():
            return found  # still planned
        return self.follow_up(found, plan, token, self.token(spec.verifier), stop)

    def follow_up(
        self,
        inspection: Json,
        plan: InspectionPlan,
        token: str,
        verifier: str,
        stop: threading.Event,
    ) -> Json:
        """Record the result, then submit and verify the rectification as the fate says."""
        url = f"/v1/inspections/{inspection['id']}"

        def now_shows(done: Callable[[Json], bool]) -> Callable[[], Json | None]:
            def check() -> Json | None:
                current: Json = self.api.call("GET", url, token)
                return current if done(current) else None

            return check

        result, fate = plan.outcome()
        if inspection["status"] == "planned":
            inspection = self.api.call(
                "POST",
                f"{url}/result",
                token,
                result,
                applied=now_shows(lambda i: i["status"] != "planned"),
            )
            self.tally.add("results")
        if inspection["status"] != "failed" or fate < 0.35 or stop.is_set():
            return inspection  # passed, or its rectification is left open
        rectification = inspection["rectification"]
        if rectification["status"] == "open" and not rectification["submissions"]:
            inspection = self.api.call(
                "POST",
                f"{url}/rectification/submission",
                self.secretary(inspection["unit_code"]),
                {"measures": ["专班成员 AB 岗", "补齐阶段台账"], "narrative": "已按要求整改"},
                applied=now_shows(lambda i: bool(i["rectification"]["submissions"])),
            )
            self.tally.add("rectifications")
        if fate < 0.8 and inspection["rectification"]["status"] == "submitted":
            inspection = self.api.call(
                "POST",
                f"{url}/rectification/verification",
                verifier,
                {"decision": "close", "comment": "核验销号"},
                applied=now_shows(lambda i: i["rectification"]["status"] == "closed"),
            )
            self.tally.add("verifications")
        return inspection

    def draw(
        self, spec: GroupSpec, group: Json, plan: InspectionPlan, stop: threading.Event
    ) -> None:
        """A sealed draw, an unannounced inspection of its first project, then disclosure."""
        token = self.token(spec.inspector)
        found = self.inspections.get(group["id"], {}).get(plan.planned_on.isoformat())
        if found is not None:
            self.tally.saw("draws")
            self.inspection(spec, group, plan, {}, stop)
            sample_id = found["sample_id"]
            disclosed = self._disclosed(sample_id, token) is not None if sample_id else True
        else:
            # One draw per group and half month: the one an interrupted load left
            # without its inspection is the one inspected now.
            half_month = f"{plan.planned_on:%Y-%m}-H1"
            sample = self._draw_of(group, half_month, token)
            if sample is not None:
                self.tally.saw("draws")
            else:
                self.wait_for_pool()
                sample = self.api.call(
                    "POST",
                    "/v1/samples",
                    token,
                    {"group_id": group["id"], "half_month": half_month, "sealed": True},
                    applied=lambda: self._draw_of(group, half_month, token),
                )
                self.tally.add("draws")
            sample_id, disclosed = sample["id"], sample["disclosed_at"] is not None
            if sample["drawn_project_ids"]:
                target = {"project_id": sample["drawn_project_ids"][0], "sample_id": sample_id}
                self.inspection(spec, group, plan, target, stop)
        if disclosed or stop.is_set():
            return
        self.api.call(
            "POST",
            f"/v1/samples/{sample_id}/disclosure",
            token,
            applied=lambda: self._disclosed(sample_id, token),
        )
        self.tally.add("disclosures")

    def _draw_of(self, group: Json, half_month: str, token: str) -> Json | None:
        query = f"/v1/samples?group_id={group['id']}&half_month={half_month}"
        found: list[Json] = self.api.call("GET", query, token)
        return found[0] if found else None

    def _disclosed(self, sample_id: str, token: str) -> Json | None:
        sample: Json = self.api.call("GET", f"/v1/samples/{sample_id}", token)
        return sample if sample["disclosed_at"] is not None else None

    # ---- one township's visits and problems -----------------------------------------
    def township(self, township: Unit, stop: threading.Event) -> None:
        staff = self.api.token(Role.TOWNSHIP_STAFF, township.code)
        plans = [
            township_month(self.tree, township, year, month, self.today)
            for year, month in self.months
        ]
        problems = self.problems(township, staff)
        listed = list(problems)
        missing_problems = missing_direct_problems(plans, problems)
        self.tally.saw("problems", sum(len(p.problems) for p in plans) - len(missing_problems))
        for index, (year, month) in enumerate(self.months):
            if stop.is_set():
                return
            self.visits(township, staff, f"{year}-{month:02d}", plans[index].visits)
            for body in [b for i, b in missing_problems if i == index]:
                channel = (body["source"], body["channel"])
                before = direct_counts(problems)[channel]
                self.api.call(
                    "POST",
                    "/v1/problems",
                    staff,
                    body,
                    applied=partial(self._registered, township, staff, channel, before),
                )
                # Counted locally: the next one's "did it take effect" check needs the count.
                problems.append({"facts": {**body, "visit_id": None, "inspection_id": None}})
                self.tally.add("problems")
        opinions = sum(len(v["opinions"]) for plan in plans for v in plan.visits)
        if len(problems) > len(listed) or self.visits_logged.get(township.code):
            listed = []  # something was added: list again
        problems = self.wait_for_visit_problems(township, staff, opinions, listed)
        arrived = sum(1 for p in problems if not is_direct(p))
        if arrived < opinions:
            with self.tally.lock:
                self.shortfalls.append(
                    f"{township.name}: {arrived} of {opinions} visit opinions are in the "
                    f"problem list after {VISIT_PROBLEMS_WAIT_SECONDS:.0f} s"
                )
        for problem in to_resolve(problems):
            if stop.is_set():
                return
            self.api.call(
                "POST",
                f"/v1/problems/{problem['id']}/resolution",
                staff,
                {
                    "resolution": "已整改到位，群众满意"
                    if is_direct(problem)
                    else "已现场解决并回访"
                },
                applied=partial(self._resolved, problem["id"], staff),
            )
            self.tally.add("resolutions")

    def problems(self, township: Unit, staff: str) -> list[Json]:
        rows: list[Json] = self.api.call(
            "GET", f"/v1/problems?region={township.code}&year={YEAR}", staff
        )
        return rows

    def _registered(
        self, township: Unit, staff: str, channel: tuple[str, str], before: int
    ) -> Json | None:
        count = direct_counts(self.problems(township, staff))[channel]
        return {"registered": count} if count > before else None

    def _resolved(self, problem_id: str, staff: str) -> Json | None:
        problem: Json = self.api.call("GET", f"/v1/problems/{problem_id}", staff)
        return problem if problem["status"] == "resolved" else None

    def count_visits(self) -> None:
        """The visits each township has logged in each month (one call a month for all)."""
        for year, month in self.months:
            name = f"{year}-{month:02d}"
            rows = self.api.call(
                "GET", f"/v1/visits/figures?month={name}&region={self.city.code}", self.org
            )
            for row in rows:
                self.visit_counts[(row["township_code"], name)] = row["visits"]

    def visits(self, township: Unit, staff: str, month: str, planned: list[Json]) -> None:
        """Log the month's visits after the ones the service already counts."""
        logged = self.visit_counts.get((township.code, month), 0)
        self.tally.saw("visits", min(logged, len(planned)))
        for index in range(logged, len(planned)):
            self.api.call(
                "POST",
                "/v1/visits",
                staff,
                planned[index],
                applied=partial(self._logged, township, staff, month, index),
            )
            self.tally.add("visits")
            with self.tally.lock:
                self.visits_logged[township.code] = True

    def _logged(self, township: Unit, staff: str, month: str, index: int) -> Json | None:
        count = self.visit_count(township, staff, month)
        return {"logged": count} if count > index else None

    def visit_count(self, township: Unit, staff: str, month: str) -> int:
        rows = self.api.call(
            "GET", f"/v1/visits/figures?month={month}&region={township.code}", staff
        )
        return sum(r["visits"] for r in rows if r["township_code"] == township.code)

    def wait_for_visit_problems(
        self, township: Unit, staff: str, expected: int, listed: list[Json]
    ) -> list[Json]:
        """The township's problems once the visits' opinions are among them (or time is up).

        `listed`: the problems as listed before, if nothing was added since.
        """
        deadline = time.monotonic() + VISIT_PROBLEMS_WAIT_SECONDS
        while True:
            problems, listed = listed or self.problems(township, staff), []
            arrived = sum(1 for p in problems if p["facts"]["visit_id"] is not None)
            if arrived >= expected or time.monotonic() > deadline:
                return problems
            time.sleep(2)  # a listing is not free: it reads the township's whole year


def load_supervision(api: Api, tree: DivisionTree, today: date, in_execution: int) -> PartResult:
    """Groups, a season of inspections, rectifications, problems and visits: what is missing.

    `in_execution`: how many projects the draws' pool should hold once the
    service has applied the projects' events.
    """
    loader = Loader(api, tree, today, in_execution)
    groups = loader.groups()
    for spec, group in groups:
        loader.load_inspections(spec, group)
    loader.count_visits()
    # The townships first: each is one long sequence of calls, the rest are short.
    items: list[GroupMonth | Unit] = list(loader.townships[:4])
    items += [
        GroupMonth(spec, group, year, month)
        for spec, group in groups
        for year, month in loader.months
    ]
    progress = Progress("demo supervision", len(items))
    progress.start(
        f"{len(groups)} groups × {len(loader.months)} months of inspections and draws, "
        f"visits and problems of 4 townships"
    )
    loader.progress = progress

    def work(item: GroupMonth | Unit, stop: threading.Event) -> None:
        if isinstance(item, GroupMonth):
            loader.group_month(item, stop)
        else:
            loader.township(item, stop)

    run_all(items, work, workers(), progress)
    for shortfall in loader.shortfalls:
        progress.note(f"{shortfall}; the next `make up` resolves the late ones")
    added = sum(loader.tally.added.values())
    if added:
        # Flag the rectifications already past their deadline now, not at the next periodic run.
        api.call("POST", "/v1/operations/checks", loader.org)

    def listing(counts: Counter[str]) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(counts.items()) if n) or "nothing"

    seconds = progress.finish(
        f"added {listing(loader.tally.added)}; found {listing(loader.tally.found)}"
    )
    return PartResult(
        "supervision",
        added,
        sum(loader.tally.found.values()),
        seconds,
        f"added {listing(loader.tally.added)}",
    )

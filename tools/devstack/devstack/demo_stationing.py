"""Stationed-contact demo data (驻点联系) for `make up`, through the supervision API.

Five townships keep a roster for the demo year: the fifth to eighth by code, and
文昌街道, the township of the development sign-in (last, so that the others keep the
order-dependent variations below). 文昌街道 is also one of the four whose visits
`demo_supervision` logs and resumes by counting them; that part runs before this one
and finishes its month's visits first (a failure stops the load), so its count still
finds its own visits complete and a rerun adds none. The Party secretary and the
mayor (a street's 办事处主任) are each stationed in a village on Tuesdays, two other
leaders on Wednesdays, and a team member with the secretary (三个固定); every village
of the township has its households and four-must-visit counts (四必访). In the first
township the mayor moves to Thursdays from the first of the current month (a change
recorded, not overwritten). For the last three months each stationed person visits on
their stationed days up to today, each visit to two or three labelled households (so
the visit rate counts them); the leaders record their residence days — three working
days every week up to today (每周工作日住村不少于 3 天), except that the mayors of
every other township resided one day fewer in the month's first week, so the figures
flag them and count that week below the weekly minimum; the first township's secretary takes one
leave in the current month; and each month's plan is set last.

Resumable, compared with what the service holds: a roster by township and year; a
person's month is done once it has a plan (set after its visits, residence and
leave). A rerun adds nothing; a load interrupted inside a month logs that month's
visits again (household refs count each household once, so the visit rate holds).

Entry point: `await load_stationing(api, tree, today)` with an `Api` on the
supervision service (part "stationing"); the calls are blocking, so they run in a
worker thread.
"""

from __future__ import annotations

import asyncio
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from devstack.demo import YEAR, PartResult, demo_today, workers
from devstack.demo_api import Api
from devstack.progress import Progress
from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_contracts.events.stationing import month_dates
from lingban_kit.auth import Role

MUST_VISIT = ("veteran_party_member", "lifted_out_of_poverty", "petitioner", "in_difficulty")
AREAS = ("一组", "二组", "三组", "老街片区", "新村小区")
MONTHS = 3

Json = dict[str, Any]


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    position: str
    village: Unit
    weekday: int


def townships(tree: DivisionTree) -> list[Unit]:
    units = sorted((u for u in tree if u.level is Level.TOWNSHIP), key=lambda u: u.code)
    # The first by code is the development sign-in's township (文昌街道).
    return [*units[4:8], units[0]]


def people(tree: DivisionTree, township: Unit) -> list[Person]:
    villages = sorted(tree.children(township.code), key=lambda u: u.code)
    if township.name.endswith("街道"):
        # A street (街道) is led by a Party working committee and its office's director.
        secretary, mayor, deputy = (
            f"{township.name}党工委书记",
            f"{township.name}办事处主任",
            f"{township.name}办事处副主任",
        )
    else:
        short = township.name.removesuffix("镇") or township.name
        secretary, mayor, deputy = f"{short}党委书记", f"{short}镇长", f"{short}副镇长"
    short = township.name.removesuffix("镇").removesuffix("街道") or township.name
    return [
        Person("sec", secretary, "party_secretary", villages[0], 2),
        Person("mayor", mayor, "mayor", villages[1 % len(villages)], 2),
        Person("leader-1", deputy, "other_leader", villages[2 % len(villages)], 3),
        Person("leader-2", f"{short}组织委员", "other_leader", villages[3 % len(villages)], 3),
        Person("team-1", f"{short}驻点队员", "team_member", villages[0], 2),
    ]


def village_counts(township: Unit, village: Unit) -> Json:
    rng = random.Random(f"counts:{village.code}")
    households = rng.randint(120, 480)
    return {
        "village_code": village.code,
        "households": households,
        "must_visit": {kind: rng.randint(3, max(4, households // 40)) for kind in MUST_VISIT},
    }


def roster_body(tree: DivisionTree, township: Unit) -> Json:
    return {
        "township_code": township.code,
        "year": YEAR,
        "assignments": [
            {
                "person_id": p.person_id,
                "name": p.name,
                "position": p.position,
                "village_code": p.village.code,
                "weekday": p.weekday,
                "valid_from": f"{YEAR}-01-01",
            }
            for p in people(tree, township)
        ],
        "villages": [village_counts(township, v) for v in tree.children(township.code)],
    }


def months(today: date) -> list[str]:
    current = demo_today(today)
    found: list[str] = []
    for back in range(MONTHS):
        number = current.month - back
        if number >= 1:
            found.append(f"{YEAR}-{number:02d}")
    return sorted(found)


def stationed(month: str, weekday: int, today: date) -> list[date]:
    return [d for d in month_dates(month) if d.isoweekday() == weekday and d <= today]


def steps(tree: DivisionTree, today: date) -> int:
    """The part's progress items: one per person and month of every township."""
    return sum(len(people(tree, t)) for t in townships(tree)) * len(months(today))


def load(api: Api, tree: DivisionTree, today: date, progress: Progress | None = None) -> PartResult:
    """Every township's roster and stationed months, the townships side by side (their
    calls touch nothing in common); `progress` advances per person and month."""
    started = time.monotonic()
    today = demo_today(today)
    with ThreadPoolExecutor(max_workers=workers()) as pool:
        counts = list(
            pool.map(
                lambda indexed: _township(api, tree, today, indexed[0], indexed[1], progress),
                enumerate(townships(tree)),
            )
        )
    added = sum(a for a, _ in counts)
    found = sum(f for _, f in counts)
    summary = f"{added} rosters, changes and stationed months added, {found} found"
    return PartResult("stationing", added, found, time.monotonic() - started, summary)


def _township(
    api: Api,
    tree: DivisionTree,
    today: date,
    t_index: int,
    township: Unit,
    progress: Progress | None,
) -> tuple[int, int]:
    """One township's roster, its change and its people's months: (added, found)."""
    added = found = 0
    current = today.strftime("%Y-%m")
    keeper = api.token(Role.TOWNSHIP_SECRETARY, township.code)
    listed = api.call("GET", f"/v1/rosters?year={YEAR}&region={township.code}", keeper)
    if listed:
        roster = listed[0]
        found += 1
    else:
        roster = api.call("POST", "/v1/rosters", keeper, roster_body(tree, township))
        added += 1
    rid = roster["id"]
    first_of_month = f"{current}-01"
    moved = any(
        a["person_id"] == "mayor" and a["valid_from"] == first_of_month
        for a in roster["assignments"]
    )
    if t_index == 0 and not moved and today.day > 1 and today.month > 1:
        api.call(
            "POST",
            f"/v1/rosters/{rid}/changes",
            keeper,
            {
                "kind": "reassigned",
                "person_id": "mayor",
                "effective_from": first_of_month,
                "weekday": 4,
                "reason": "分工调整，驻点日改为每周四",
            },
        )
        added += 1
    for month in months(today):
        for month_record in api.call("GET", f"/v1/rosters/{rid}/months/{month}", keeper):
            if month_record["planned_days"]:
                found += 1
            else:
                added += _person_month(api, township, t_index, rid, month_record, today, current)
            if progress is not None:
                progress.advance()
    return added, found


def residence_days(month: str, today: date, on_leave: date | None, *, short: bool) -> list[date]:
    """The first three working days of each week of the month up to today (not on leave);
    `short`: one day fewer in the first week."""
    weeks: dict[tuple[int, int], list[date]] = {}
    for day in month_dates(month):
        if day.isoweekday() <= 5 and day <= today and day != on_leave:
            weeks.setdefault(day.isocalendar()[:2], []).append(day)
    resided = [day for week in weeks.values() for day in week[:3]]
    return resided[1:] if short else resided


def _person_month(
    api: Api, township: Unit, t_index: int, rid: str, record: Json, today: date, current: str
) -> int:
    month, person = record["month"], record["person_id"]
    rng = random.Random(f"{rid}:{person}:{month}")
    staff = api.token(Role.TOWNSHIP_STAFF, township.code)
    days = [
        date.fromisoformat(d) for d in record["stationed_days"] if date.fromisoformat(d) <= today
    ]
    added = 0
    on_leave: date | None = None
    if t_index == 0 and person == "sec" and month == current and len(days) > 1:
        on_leave = days[1]
        api.call(
            "POST",
            f"/v1/rosters/{rid}/people/{person}/months/{month}/leave",
            staff,
            {
                "first_day": on_leave.isoformat(),
                "last_day": on_leave.isoformat(),
                "reason": "参加市委全会",
            },
        )
        added += 1
    leader = record["position"] != "team_member"
    village = record["village_code"]
    for day in days:
        if day == on_leave:
            continue
        households = [
            {
                "kind": rng.choice(("ordinary", "ordinary", *MUST_VISIT)),
                "label": f"{rng.choice(AREAS)}{rng.randint(1, 120)}号",
            }
            for _ in range(rng.randint(2, 3))
        ]
        api.call(
            "POST",
            "/v1/visits",
            staff,
            {
                "unit_code": village,
                "visited_on": day.isoformat(),
                "visitor": record["name"],
                "visitor_role": "leader" if leader else "team",
                "households": households,
                "person_id": person,
            },
        )
        added += 1
    if leader and days:
        # The mayors of even-numbered townships stay one day short in the first week.
        resided = residence_days(
            month, today, on_leave, short=person == "mayor" and t_index % 2 == 0
        )
        api.call(
            "POST",
            f"/v1/rosters/{rid}/people/{person}/months/{month}/residence",
            staff,
            {"days": [d.isoformat() for d in resided]},
        )
        added += 1
    plan = {
        "items": [
            {"day": d, "area": rng.choice(AREAS), "households": rng.randint(2, 4)}
            for d in record["stationed_days"]
        ]
    }
    if not plan["items"]:  # no stationed day this month: the plan still marks it done
        plan["items"] = [{"day": f"{month}-01", "area": "走访计划待定"}]
    api.call("PUT", f"/v1/rosters/{rid}/people/{person}/months/{month}/plan", staff, plan)
    return added + 1


async def load_stationing(api: Api, tree: DivisionTree, today: date) -> PartResult:
    """Load the rosters and stationed months that are missing (see the module docstring)."""
    return await asyncio.to_thread(load, api, tree, today)

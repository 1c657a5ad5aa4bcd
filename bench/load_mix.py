"""The command mix of bench/load.py: what a month of a province's year asks of the platform.

Each command picks a project (or inspection) of the benchmark year in the
right state, sends the command as the user who would send it, and moves the
local copy of the state on from the answer. Weekly and monthly reports are
most of a month's traffic; the declaration pipeline (declare, submit, review,
revise, file, announce, start) runs at equal rates so its states neither
run dry nor pile up; supervision plans and records inspections and logs
stationed-contact visits. When a kind finds nothing to act on (say, no
project announced yet) a weekly report is sent instead and counted as a
fallback.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from bench.load_lag import LagTracker
from bench.load_open_loop import Outcome
from bench.load_world import (
    CITY,
    LOAD_MARK,
    TREE,
    UNITS,
    VILLAGES,
    Api,
    ApiError,
    Pool,
    Project,
    Projects,
    Who,
    announcement,
    declaration,
    declaration_form,
    level_above,
    review_scores,
    stage_report,
    unit_side,
    weekly_report,
)
from lingban_contracts.divisions import Level
from lingban_kit.auth import Role

# Commands per 100 (the declaration pipeline's steps have equal rates, see above).
WEIGHTS: dict[str, int] = {
    "weekly_report": 33,
    "stage_report": 20,
    "declare": 5,
    "submit": 6,
    "review:approve": 4,
    "review:return": 2,
    "revise": 2,
    "file": 4,
    "announce": 4,
    "start": 4,
    "inspection_plan": 5,
    "inspection_result": 5,
    "visit": 6,
}
PROJECT_KINDS = frozenset(WEIGHTS) - {"inspection_plan", "inspection_result", "visit"}
GROUP_NAME = "压测督导组"
CHECKLIST = (("专班在岗履职", 25), ("阶段任务推进", 30), ("台账资料规范", 20), ("群众知晓满意", 25))
OPINIONS = (
    ("人居环境", "村道路灯损坏，夜间出行不便"),
    ("民生服务", "老年食堂用餐时间短"),
    ("矛盾纠纷", "宅基地边界纠纷未化解"),
    ("平安建设", "河塘缺少防护栏"),
)
HOUSEHOLDS = ("ordinary", "ordinary", "veteran_party_member", "petitioner", "in_difficulty")
SUPERVISOR = (Role.SUPERVISOR, CITY.code)


def random_day(year: int, rng: random.Random) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


async def ensure_group(api: Api, year: int) -> str:
    """The benchmark's city supervision group for the year (formed once, then reused)."""
    org = (Role.CITY_ORG, CITY.code)
    name = f"{GROUP_NAME}（{year}）"
    for group in await api.call("supervision", "GET", f"/v1/groups?year={year}", org):
        if group["composition"]["name"] == name:
            return str(group["id"])
    townships = [u.code for u in UNITS if u.level is Level.TOWNSHIP]
    body = {
        "region_code": CITY.code,
        "year": year,
        "name": name,
        "members": [
            {"name": "压测组长", "department": "组织部", "leader": True},
            {"name": "压测督导员", "department": "纪委监委", "leader": False},
        ],
        "covered_units": townships,
    }
    group = await api.call("supervision", "POST", "/v1/groups", org, body)
    return str(group["id"])


async def planned_inspections(api: Api, group_id: str) -> dict[str, str]:
    """The group's inspections still waiting for a result: id -> inspected unit."""
    found = await api.call(
        "supervision", "GET", f"/v1/inspections?group_id={group_id}&status=planned", SUPERVISOR
    )
    return {str(i["id"]): str(i["unit_code"]) for i in found}


def plan_body(group_id: str, year: int, rng: random.Random) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "planned_on": random_day(year, rng).isoformat(),
        "method": rng.choice(["on_site", "on_site", "household_visit"]),
        "unit_code": rng.choice(VILLAGES).code,
    }


def record_body(year: int, rng: random.Random, weak: bool) -> dict[str, Any]:
    """An inspection result; a weak one scores below the pass mark."""
    return {
        "inspected_on": random_day(year, rng).isoformat(),
        "checklist": [
            {
                "item": item,
                "max_points": points,
                "deducted": min(points, rng.randint(12, points)) if weak else rng.randint(0, 4),
            }
            for item, points in CHECKLIST
        ],
        "findings": ["台账不规范"] if weak else [],
        # From today, as a real group would set it: a deadline in the benchmark
        # year would be overdue at once and warned about every day.
        "rectification_deadline": (date.today() + timedelta(days=15)).isoformat(),
    }


def visit_body(year: int, rng: random.Random) -> dict[str, Any]:
    village = rng.choice(VILLAGES)
    township = TREE.township_of(village.code)
    assert township is not None
    opinions = [
        {"description": text, "category": category}
        for category, text in rng.sample(OPINIONS, k=rng.randint(0, 2))
    ]
    return {
        "unit_code": village.code,
        "visited_on": random_day(year, rng).isoformat(),
        "visitor": f"{township.name}驻点领导",
        "visitor_role": rng.choice(["leader", "team"]),
        "team": ["驻村干部"],
        "households": [{"kind": rng.choice(HOUSEHOLDS)} for _ in range(rng.randint(2, 5))],
        "opinions": opinions,
    }


@dataclass
class Mix:
    api: Api
    projects: Projects
    year: int
    stages: int
    group_id: str
    rng: random.Random
    lag: LagTracker | None = None
    reporting_sample: float = 0.1
    inbox: bool = True
    planned: dict[str, str] = field(default_factory=dict)  # inspection id -> unit
    _planned_pool: Pool = field(default_factory=Pool)
    fallbacks: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # "kind status: message"
    _kinds: list[str] = field(default_factory=list)
    _weights: list[int] = field(default_factory=list)
    _background: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._kinds = list(WEIGHTS)
        self._weights = [WEIGHTS[k] for k in self._kinds]
        for inspection_id in self.planned:
            self._planned_pool.add(inspection_id)

    def add_planned(self, inspection_id: str, unit_code: str) -> None:
        self.planned[inspection_id] = unit_code
        self._planned_pool.add(inspection_id)

    # ---- one command --------------------------------------------------------
    async def send(self, index: int) -> Outcome:
        kind = self.rng.choices(self._kinds, self._weights)[0]
        command = self._prepare(kind)
        if command is None:
            self.fallbacks[kind] += 1
            kind = "weekly_report"
            command = self._prepare(kind)
        if command is None:
            kind = "declare"
            command = self._prepare(kind)
        assert command is not None  # a declaration is always possible
        return await command()

    def _prepare(self, kind: str) -> Callable[[], Awaitable[Outcome]] | None:
        """Take what the command acts on now (synchronously, so no two commands take
        the same project), or None when there is nothing to act on."""
        if kind == "declare":
            return self._declare
        if kind == "inspection_plan":
            return self._plan
        if kind == "inspection_result":
            return self._result_command()
        if kind == "visit":
            return self._visit
        status = {
            "submit": "draft",
            "review:approve": "submitted",
            "review:return": "submitted",
            "revise": "returned",
            "file": "approved",
            "announce": "filed",
            "start": "announced",
            "stage_report": "in_execution",
            "weekly_report": "in_execution",
        }[kind]
        for _ in range(5):
            project = self.projects.take(status, self.rng)
            if project is None:
                return None
            if kind == "stage_report" and project.open_month() is None:
                self.projects.release(project)
                continue
            if kind == "weekly_report" and project.free_week(self.year) is None:
                self.projects.release(project)
                continue
            return self._project_command(kind, project)
        return None

    def _result_command(self) -> Callable[[], Awaitable[Outcome]] | None:
        inspection_id = self._planned_pool.pick(self.rng)
        if inspection_id is None:
            return None

        async def run() -> Outcome:
            return await self._record(inspection_id)

        return run

    def _project_command(self, kind: str, p: Project) -> Callable[[], Awaitable[Outcome]]:
        url = f"/v1/projects/{p.id}"
        me: Who = unit_side(p.unit)
        above = level_above(p.unit)
        body: Any = None
        if kind == "submit":
            method, path, who = "POST", f"{url}/submission", me
        elif kind.startswith("review:"):
            method, path, who = "POST", f"{url}/review", above
            if kind == "review:return":
                body = {
                    "decision": "return",
                    "scores": review_scores(self.rng, low=True),
                    "reasons": ["措施不具体，请细化阶段任务"],
                }
            else:
                body = {"decision": "approve", "scores": review_scores(self.rng)}
        elif kind == "revise":
            method, path, who = "PUT", f"{url}/declaration", me
            body = declaration_form(p.unit, self.year, self.stages, self.rng, LOAD_MARK, True)
        elif kind == "file":
            method, path, who = "POST", f"{url}/filing", above
        elif kind == "announce":
            method, path, who = "POST", f"{url}/announcement", above
            body = announcement(self.year)
        elif kind == "start":
            method, path, who = "POST", f"{url}/execution", above
        elif kind == "stage_report":
            month = p.open_month()
            assert month is not None
            done = self.rng.random() < 0.25
            percent = self.rng.randint(55, 95)
            method, path, who = "POST", f"{url}/stages/{month}/reports", me
            body = stage_report(month, done, percent)
        else:  # weekly_report
            week = p.free_week(self.year)
            assert week is not None
            method, path, who = "POST", f"{url}/weekly-reports", me
            body = weekly_report(week)

        async def run() -> Outcome:
            try:
                response = await self.api.request("projects", method, path, who, body)
            except httpx.HTTPError as exc:
                self.projects.release(p)
                return self._failed(kind, None, f"{type(exc).__name__}: {exc}")
            if response.status_code >= 300:
                # Our copy was stale (say, the daily check moved the project): re-read it.
                resync = asyncio.create_task(self._resync(p))
                self._background.add(resync)
                resync.add_done_callback(self._background.discard)
                return self._failed(kind, response.status_code, response.text)
            answer = response.json()
            accepted = asyncio.get_running_loop().time()
            p.update(answer)
            self.projects.release(p)
            self._track_project(kind, p, accepted)
            return Outcome(kind, ok=True, status=response.status_code)

        return run

    def _track_project(self, kind: str, p: Project, accepted: float) -> None:
        if self.lag is None:
            return
        if self.rng.random() < self.reporting_sample:
            self.lag.track_reporting(p.id, p.version, accepted)
        if kind == "review:return" and self.inbox:
            period = f"{p.id}@v{p.version}"
            self.lag.track_inbox(p.unit_code, "project-returned", p.id, period, accepted)

    async def _resync(self, p: Project) -> None:
        try:
            p.update(
                await self.api.call("projects", "GET", f"/v1/projects/{p.id}", unit_side(p.unit))
            )
        except (ApiError, httpx.HTTPError):
            return  # leave it out of the pools
        self.projects.release(p)

    def _failed(self, kind: str, status: int | None, text: str) -> Outcome:
        self.failures[f"{kind} {status}: {text[:160]}"] += 1
        return Outcome(kind, ok=False, status=status, error=text[:300])

    async def _post(
        self, kind: str, service: str, path: str, who: Who, body: Any
    ) -> tuple[Outcome, Any]:
        try:
            response = await self.api.request(service, "POST", path, who, body)
        except httpx.HTTPError as exc:
            return self._failed(kind, None, f"{type(exc).__name__}: {exc}"), None
        if response.status_code >= 300:
            return self._failed(kind, response.status_code, response.text), None
        return Outcome(kind, ok=True, status=response.status_code), response.json()

    # ---- commands that need no prior state -------------------------------------
    async def _declare(self) -> Outcome:
        unit = self.rng.choice(UNITS)
        body = declaration(unit, self.year, self.stages, self.rng, LOAD_MARK)
        outcome, answer = await self._post(
            "declare", "projects", "/v1/projects", unit_side(unit), body
        )
        if answer is not None:
            accepted = asyncio.get_running_loop().time()
            project = Project.of_answer(answer, preload=False)
            self.projects.add(project)
            self._track_project("declare", project, accepted)
        return outcome

    async def _plan(self) -> Outcome:
        body = plan_body(self.group_id, self.year, self.rng)
        outcome, answer = await self._post(
            "inspection_plan", "supervision", "/v1/inspections", SUPERVISOR, body
        )
        if answer is not None:
            self.add_planned(str(answer["id"]), str(answer["unit_code"]))
        return outcome

    async def _record(self, inspection_id: str) -> Outcome:
        body = record_body(self.year, self.rng, weak=self.rng.random() < 0.2)
        path = f"/v1/inspections/{inspection_id}/result"
        outcome, answer = await self._post(
            "inspection_result", "supervision", path, SUPERVISOR, body
        )
        unit_code = self.planned.pop(inspection_id, None)
        if answer is not None and answer["status"] == "failed" and self.lag and self.inbox:
            accepted = asyncio.get_running_loop().time()
            assert unit_code is not None
            self.lag.track_inbox(unit_code, "inspection-failed", inspection_id, None, accepted)
        return outcome

    async def _visit(self) -> Outcome:
        body = visit_body(self.year, self.rng)
        township = TREE.township_of(body["unit_code"])
        assert township is not None
        who = (Role.TOWNSHIP_STAFF, township.code)
        outcome, _ = await self._post("visit", "supervision", "/v1/visits", who, body)
        return outcome

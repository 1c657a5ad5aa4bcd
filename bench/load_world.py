"""The world bench/load.py acts in: units and who acts for them, request bodies, HTTP calls,
and the projects of the benchmark year grouped by state.

Projects of the benchmark year carry a mark in their title, so the preload
finds its own projects again (and never touches the demo year's): "（压测预置）"
for the preload's, "（压测）" for those the load declares.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from lingban_contracts.divisions import DivisionTree, Level, Unit, default_tree
from lingban_kit.auth import Role, issue_dev_token
from lingban_kit.mongo import Database
from lingban_projects.projects.repository import unpacked
from lingban_projects.settings import DEFAULT_CATEGORIES

PRELOAD_MARK = "（压测预置）"
LOAD_MARK = "（压测）"
TITLES = (
    "老旧小区加装电梯",
    "“板凳议事会”常态化",
    "12345 诉求“接诉即办”",
    "“一老一小”助餐服务",
    "背街小巷环境整治",
    "矛盾纠纷“三调联动”",
    "村集体经济“强村富民”",
    "“平安守护”网格巡防",
    "移风易俗“红白理事会”",
    "党员“联户包片”",
    "“四点半课堂”",
)
STATUSES = (
    "draft",
    "submitted",
    "returned",
    "approved",
    "filed",
    "announced",
    "in_execution",
    "completion_requested",
    "completed",
    "evaluated",
)
TREE: DivisionTree = default_tree()
CITY: Unit = next(u for u in TREE if u.level is Level.CITY)
UNITS: tuple[Unit, ...] = tuple(sorted(TREE, key=lambda u: u.code))
VILLAGES: tuple[Unit, ...] = tuple(u for u in UNITS if u.level is Level.VILLAGE)


# ---- who acts -------------------------------------------------------------------
def unit_side(unit: Unit) -> tuple[Role, str]:
    """The unit's own secretary (the city's projects: its organisation department)."""
    role = {Level.VILLAGE: Role.VILLAGE_SECRETARY, Level.TOWNSHIP: Role.TOWNSHIP_SECRETARY}
    return role.get(unit.level, Role.CITY_ORG), unit.code


# Who acts: (role, unit), or (role, unit, person) for a second person of the same
# role and unit; the person only changes the token's subject.
Who = tuple[Role, str] | tuple[Role, str, str]


def level_above(unit: Unit) -> Who:
    """Who reviews, files, announces and starts: the parent unit (the city reviews itself,
    through a second person: nobody reviews a project they declared)."""
    above = TREE.parent_of(unit.code)
    if above is None:
        return Role.CITY_ORG, unit.code, "reviewer"
    return (Role.CITY_ORG if above.level is Level.CITY else Role.TOWNSHIP_SECRETARY), above.code


def unit_of(code: str) -> Unit:
    unit = TREE.get(code)
    if unit is None:
        raise ValueError(f"unknown unit {code}")
    return unit


def bench_user(role: Role, unit_code: str, person: str = "") -> tuple[str, str]:
    """(subject, display name) of the benchmark's user for (role, unit[, person])."""
    subject = f"bench-{role.value}-{unit_code}" + (f"-{person}" if person else "")
    return subject, f"压测用户 {unit_code}"


class Tokens:
    """Development tokens, one per (role, unit), signed once."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._cache: dict[tuple[Role, str, str], str] = {}

    def header(self, role: Role, unit_code: str, person: str = "") -> dict[str, str]:
        key = (role, unit_code, person)
        if key not in self._cache:
            subject, name = bench_user(role, unit_code, person)
            self._cache[key] = issue_dev_token(
                secret=self.secret,
                sub=subject,
                name=name,
                roles=[role],
                region=unit_code,
                ttl_seconds=7 * 24 * 3600,
            )
        return {"Authorization": f"Bearer {self._cache[key]}"}


# ---- HTTP -----------------------------------------------------------------------
@dataclass(frozen=True)
class Urls:
    projects: str
    supervision: str
    notifications: str
    reporting: str

    def all(self) -> dict[str, str]:
        return {
            "projects": self.projects,
            "supervision": self.supervision,
            "notifications": self.notifications,
            "reporting": self.reporting,
        }


class ApiError(Exception):
    def __init__(self, method: str, url: str, status: int, text: str) -> None:
        super().__init__(f"{method} {url} -> {status} {text[:300]}")
        self.status = status


class GatedClient:
    """An httpx client for one server that never queues requests inside httpx.

    httpx's pool re-examines every queued request against every connection on
    each event, which with hundreds of requests waiting (a slow server under an
    open-loop load) costs the generator more CPU than the requests themselves.
    So at most `in_flight` requests go to httpx, which has a connection for each;
    the rest wait here, in order. Waiting is part of a request's latency.
    """

    def __init__(self, base_url: str, in_flight: int, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._gate = asyncio.Semaphore(in_flight)
        self._client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight),
            timeout=httpx.Timeout(timeout, pool=None),
        )

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, json: Any = None
    ) -> httpx.Response:
        async with self._gate:
            return await self._client.request(
                method, f"{self.base_url}{path}", headers=headers, json=json
            )

    async def aclose(self) -> None:
        await self._client.aclose()


class Api:
    """The four services as one user-aware client: `request(service, method, path, who)`."""

    def __init__(self, urls: Urls, tokens: Tokens, in_flight: int, timeout: float) -> None:
        self.tokens = tokens
        self.clients = {
            name: GatedClient(base, in_flight, timeout) for name, base in urls.all().items()
        }

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        who: Who,
        body: Any = None,
    ) -> httpx.Response:
        return await self.clients[service].request(
            method, path, headers=self.tokens.header(*who), json=body
        )

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        who: Who,
        body: Any = None,
    ) -> Any:
        """The JSON body of a 2xx answer; ApiError otherwise."""
        response = await self.request(service, method, path, who, body)
        if response.status_code >= 300:
            raise ApiError(method, path, response.status_code, response.text)
        return response.json()

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()


# ---- request bodies -------------------------------------------------------------
def stage_months(year: int, stages: int) -> list[str]:
    """The last `stages` months of the year: every month between the first and the deadline."""
    return [f"{year}-{m:02d}" for m in range(13 - stages, 13)]


def declaration_form(
    unit: Unit, year: int, stages: int, rng: random.Random, mark: str, revised: bool = False
) -> dict[str, Any]:
    title = rng.choice(TITLES)
    return {
        "title": f"{title}{'（修订）' if revised else ''}{mark}",
        "category": rng.choice(DEFAULT_CATEGORIES),
        "problem": "群众反映强烈的难点、堵点问题",
        "expected_goals": "年底前问题实质性解决，群众满意度 90% 以上",
        "evaluation_criteria": "治理成效明显、难点问题解决、既定计划完成",
        "lead_secretary": unit.secretary or "书记",
        "task_force": ["专班成员甲", "专班成员乙"],
        "deadline": date(year, 12, 28).isoformat(),
        "topic_source": rng.choice(["assigned", "chosen"]),
        "responsibility_statement": "书记为第一责任人，专班成员包保到人",
        "pre_approval_steps": [
            {"step": "investigation", "done_on": f"{year}-01-08"},
            {"step": "collective_study", "done_on": f"{year}-01-12"},
        ],
        "stage_tasks": [
            {
                "month": m,
                "task": f"{m} 阶段任务：{title}",
                "deliverable": "阶段台账",
                "owner": "专班",
            }
            for m in stage_months(year, stages)
        ],
    }


def declaration(
    unit: Unit, year: int, stages: int, rng: random.Random, mark: str
) -> dict[str, Any]:
    return {"unit_code": unit.code, "year": year, **declaration_form(unit, year, stages, rng, mark)}


def review_scores(rng: random.Random, low: bool = False) -> dict[str, int]:
    return {
        "feasibility": rng.randint(70, 95),
        "precision": 50 if low else rng.randint(70, 95),
        "effectiveness": rng.randint(70, 95),
    }


def announcement(year: int) -> dict[str, str]:
    # Long over, so execution may start at once.
    return {"starts_on": f"{year}-02-01", "ends_on": f"{year}-02-07"}


def stage_report(month: str, done: bool, percent: int) -> dict[str, Any]:
    return {
        "status": "done" if done else "partly",
        "percent": 100 if done else percent,
        "narrative": f"{month} 阶段任务{'完成' if done else '推进中'}",
        "attachments": [
            {"name": f"{month} 台账.pdf", "content_type": "application/pdf", "size_bytes": 102400}
        ],
    }


def weekly_report(week: str) -> dict[str, Any]:
    return {"week": week, "key_tasks": ["重点任务推进", "入户走访"], "narrative": "按计划推进"}


# ---- the projects of the benchmark year -----------------------------------------
@dataclass
class Project:
    id: str
    unit_code: str
    status: str
    version: int = 0
    preload: bool = False
    months: list[str] = field(default_factory=list)  # stage months, once in execution
    reported: set[str] = field(default_factory=set)  # months with at least one report
    completed: set[str] = field(default_factory=set)
    weeks: set[str] = field(default_factory=set)

    @property
    def unit(self) -> Unit:
        return unit_of(self.unit_code)

    def open_month(self) -> str | None:
        """The first stage month not struck off yet."""
        return next((m for m in self.months if m not in self.completed), None)

    def free_week(self, year: int) -> str | None:
        for n in range(1, 53):
            week = f"{year}-W{n:02d}"
            if week not in self.weeks:
                return week
        return None

    def update(self, body: dict[str, Any]) -> None:
        """Take the state from a projects-service answer (ProjectOut)."""
        self.status = body["status"]
        self.version = int(body["version"])
        stages = body.get("stages") or []
        self.months = [s["month"] for s in stages]
        self.reported = {s["month"] for s in stages if s.get("reports")}
        self.completed = {s["month"] for s in stages if s.get("completed_on")}
        self.weeks = {w["week"] for w in body.get("weekly_reports") or []}

    @classmethod
    def of_answer(cls, body: dict[str, Any], preload: bool) -> Project:
        project = cls(id=body["id"], unit_code=body["unit_code"], status=body["status"])
        project.preload = preload
        project.update(body)
        return project

    @classmethod
    def of_document(cls, stored: dict[str, Any]) -> Project:
        doc = unpacked(stored)
        stages = doc.get("stages") or []
        return cls(
            id=str(doc["_id"]),
            unit_code=doc["unit_code"],
            status=doc["status"],
            version=int(doc.get("version", 0)),
            preload=PRELOAD_MARK in str(doc.get("title", "")),
            months=[s["month"] for s in stages],
            reported={s["month"] for s in stages if s.get("reports")},
            completed={s["month"] for s in stages if s.get("completed_on")},
            weeks={w["week"] for w in doc.get("weekly_reports") or []},
        )


# Only what the benchmark needs of each stored project (the lists are stored as text).
PROJECTION = {
    "unit_code": 1,
    "status": 1,
    "version": 1,
    "title": 1,
    "stages": 1,
    "weekly_reports": 1,
}


async def read_projects(db: Database, year: int) -> list[Project]:
    """Every project of the year, read from the projects service's collection.

    Read-only and outside any measurement: the public list API pages through a
    sorted subtree, which is far slower for 25,000 projects than one find.
    """
    return [Project.of_document(d) async for d in db["projects"].find({"year": year}, PROJECTION)]


class Pool:
    """A set with O(1) add, remove and uniformly random pick."""

    def __init__(self) -> None:
        self._items: list[str] = []
        self._where: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: str) -> bool:
        return item in self._where

    def add(self, item: str) -> None:
        if item not in self._where:
            self._where[item] = len(self._items)
            self._items.append(item)

    def discard(self, item: str) -> None:
        index = self._where.pop(item, None)
        if index is None:
            return
        last = self._items.pop()
        if index < len(self._items):
            self._items[index] = last
            self._where[last] = index

    def pick(self, rng: random.Random) -> str | None:
        """Remove and return a random item, or None when empty."""
        if not self._items:
            return None
        item = self._items[rng.randrange(len(self._items))]
        self.discard(item)
        return item


class Projects:
    """The year's projects by status; a project taken for a command is out of its pool
    until released, so no two commands of the run touch one project at once."""

    def __init__(self, projects: Iterable[Project] = ()) -> None:
        self.all: dict[str, Project] = {}
        self.pools: dict[str, Pool] = {s: Pool() for s in STATUSES}
        for project in projects:
            self.add(project)

    def add(self, project: Project) -> None:
        self.all[project.id] = project
        self.release(project)

    def take(self, status: str, rng: random.Random) -> Project | None:
        pool = self.pools.get(status)
        found = pool.pick(rng) if pool is not None else None
        return self.all[found] if found is not None else None

    def release(self, project: Project) -> None:
        for pool in self.pools.values():
            pool.discard(project.id)
        self.pools.setdefault(project.status, Pool()).add(project.id)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for project in self.all.values():
            found[project.status] = found.get(project.status, 0) + 1
        return found

"""The bulk preload of bench/load.py: a province-sized year in minutes instead of hours.

The public-API preload (bench/load_preload.py) runs about 43 commands/s on two
cores, so 25,000 projects of about 12 commands each take two hours: every
command pays HTTP, a read and a write of the 10–20 KB project document, and the
outbox relay's read and clear of it again. This path plays each project's year
through the projects service's own use cases (`ProjectCommands`: the same
rules, checks and events as the API) on a project held in memory, then writes
the project ONCE, with every event it recorded in its outbox: what the service
would have stored after the last command had its relay been away meanwhile. The
running projects service's relay then publishes those events in order, and the
consumers (reporting, notifications, supervision) fold them as they fold any;
`bench/load.py` waits for every outbox and consumer group to drain before it
measures.

What it leaves out, and the API preload keeps: HTTP and tokens (the principal is
built from the same (role, unit, person) a token would carry), the per-command
round trips, and publication after every command. The state and the events are
the ones the API path makes; their times are the moment of the preload.

The plan is the API preload's own (`load_preload.Preloader` and `next_step`):
this module only answers its calls (`HeldApi.call`) from memory.
"""

from __future__ import annotations

import asyncio
import random
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bench.load_preload import Preloader, PreloadResult, units_for
from bench.load_world import ApiError, Project, Who, bench_user, read_projects
from lingban_contracts.divisions import default_tree
from lingban_kit.auth import Principal
from lingban_kit.clock import Clock
from lingban_kit.errors import LingbanError
from lingban_kit.mongo import Database
from lingban_projects.projects import domain
from lingban_projects.projects import schemas as s
from lingban_projects.projects.repository import MongoProjectRepository, ProjectRepository, Where
from lingban_projects.projects.service import ProjectCommands
from lingban_projects.settings import ProjectsSettings

# Projects written side by side: each is one insert of one document.
WRITERS = 8
_PROJECT = re.compile(r"^/v1/projects/(?P<id>[^/]+)(?P<rest>/.*)$")
_STAGE_REPORT = re.compile(r"^/stages/(?P<month>\d{4}-\d{2})/reports$")


class HeldProjects(ProjectRepository):
    """Projects in memory while their year is played: `save` keeps the pending events
    on the project (they are written with it at the end), nothing reaches the database."""

    def __init__(self) -> None:
        self.held: dict[str, domain.Project] = {}

    async def add(self, project: domain.Project) -> None:
        self.held[project.id] = project

    async def get(self, project_id: str) -> domain.Project | None:
        return self.held.get(project_id)

    async def save(self, project: domain.Project, expected_version: int) -> None:
        self.held[project.id] = project

    async def matching(self, where: Where) -> list[domain.Project]:
        raise NotImplementedError("the bulk preload only runs commands")

    async def count_at_most(self, where: Where, cap: int) -> int:
        raise NotImplementedError("the bulk preload only runs commands")

    async def units_with_projects(self, region_code: str, year: int) -> set[str]:
        raise NotImplementedError("the bulk preload only runs commands")

    async def ids_in_status(self, statuses: tuple[domain.Status, ...]) -> list[str]:
        raise NotImplementedError("the bulk preload only runs commands")

    async def ids_with_unflagged_month_before(self, month: str) -> list[str]:
        raise NotImplementedError("the bulk preload only runs commands")

    def take(self, project_id: str) -> domain.Project:
        return self.held.pop(project_id)


def principal_of(who: Who) -> Principal:
    """Who a development token for (role, unit[, person]) signs in as (load_world.Tokens)."""
    role, unit_code, *person = who
    subject, name = bench_user(role, unit_code, *person)
    return Principal(id=subject, name=name, roles=frozenset({role}), region_code=unit_code)


def answer(project: domain.Project) -> dict[str, Any]:
    """What `Project.update` reads from a ProjectOut, without rendering all of one."""
    return {
        "id": project.id,
        "unit_code": project.unit_code,
        "status": project.status.value,
        "version": project.version,
        "stages": [
            {
                "month": stage.month,
                "reports": len(stage.reports),
                "completed_on": stage.completed_on,
            }
            for stage in project.stages
        ],
        "weekly_reports": [{"week": w.week} for w in project.weekly_reports],
    }


class HeldApi:
    """Answers the preload's project commands from memory, through `ProjectCommands`."""

    def __init__(self, commands: ProjectCommands, held: HeldProjects) -> None:
        self.commands = commands
        self.held = held

    @classmethod
    def new(cls) -> HeldApi:
        held = HeldProjects()
        commands = ProjectCommands(
            held, default_tree(), Clock(), ProjectsSettings().categories, files=None
        )
        return cls(commands, held)

    async def call(
        self, service: str, method: str, path: str, who: Who, body: Any = None
    ) -> dict[str, Any]:
        try:
            project = await self._command(service, method, path, principal_of(who), body)
        except LingbanError as problem:  # as the API would have answered it
            raise ApiError(method, path, problem.status_code, problem.message_en) from None
        return answer(project)

    async def _command(
        self, service: str, method: str, path: str, who: Principal, body: Any
    ) -> domain.Project:
        c = self.commands
        if service != "projects":
            raise ValueError(f"the bulk preload answers project commands only, not {service}")
        if (method, path) == ("POST", "/v1/projects"):
            form = s.DeclarationIn.model_validate(body)
            return await c.declare(who, form.unit_code, form.year, form.to_domain())
        found = _PROJECT.match(path)
        if found is None:
            raise ValueError(f"not a project command: {method} {path}")
        pid, rest = found["id"], found["rest"]
        match (method, rest):
            case ("POST", "/submission"):
                return await c.submit(who, pid, None)
            case ("POST", "/review"):
                return await c.review(who, pid, None, s.ReviewIn.model_validate(body))
            case ("PUT", "/declaration"):
                return await c.revise(who, pid, None, s.DeclarationFormIn.model_validate(body))
            case ("POST", "/filing"):
                return await c.file(who, pid, None)
            case ("POST", "/announcement"):
                return await c.announce(who, pid, None, s.AnnouncementIn.model_validate(body))
            case ("POST", "/execution"):
                return await c.start_execution(who, pid, None)
        stage = _STAGE_REPORT.match(rest)
        if method == "POST" and stage is not None:
            report = s.StageReportIn.model_validate(body)
            return await c.report_stage(who, pid, None, stage["month"], report)
        raise ValueError(f"the bulk preload has no use case for {method} {path}")


@dataclass
class BulkWrites:
    """Each played project written once, with its events, by the real repository."""

    repo: MongoProjectRepository
    held: HeldProjects
    written: int = 0
    events: int = 0

    async def write(self, project: Project) -> None:
        played = self.held.take(project.id)
        self.events += len(played.pending_events)
        await self.repo.add(played)
        self.written += 1


async def bulk_preload(
    db: Database,
    *,
    year: int,
    target: int,
    stages: int,
    seed: int,
    writers: int = WRITERS,
    units: Iterable[str] | None = None,
) -> PreloadResult:
    """Bring the year to `target` projects, each played to its target state in memory
    and written once; existing projects count (the API preload advances unfinished ones)."""
    began = time.monotonic()
    existing = await read_projects(db, year)
    result = PreloadResult(year=year, target=target, existing=len(existing))
    to_declare = list(units) if units is not None else units_for(target - len(existing), existing)
    api = HeldApi.new()
    loader = Preloader(
        api, year, stages, random.Random(seed), result, max_errors=max(50, len(to_declare) // 20)
    )
    out = BulkWrites(MongoProjectRepository(db), api.held)
    print(
        f"bulk preload {year}: {len(existing):,} projects exist, playing {len(to_declare):,} "
        f"in memory and writing each once ({writers} writes at a time)",
        file=sys.stderr,
    )
    queue = iter(to_declare)
    last = began

    async def worker() -> None:
        nonlocal last
        for unit_code in queue:  # a shared iterator: each unit is taken by one worker
            project = await loader.declare(unit_code)
            if project is not None:
                await out.write(project)
            if time.monotonic() - last >= 5:
                last = time.monotonic()
                spent = last - began
                print(
                    f"\r  bulk preload: {out.written:,}/{len(to_declare):,} projects, "
                    f"{out.events:,} events ({out.written / spent:.0f} projects/s), "
                    f"{result.errors} errors",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, writers)):
                group.create_task(worker())
    finally:
        print(file=sys.stderr)
    result.seconds = time.monotonic() - began
    return result

"""The preload of bench/load.py: bring the benchmark year to N projects through the public API.

Each preloaded project has a target state drawn from its id (so a rerun
finds the same target): most are in execution, a few wait in each earlier
state, which is where the load's submit, review and file commands find them.
Nothing is left merely "announced": the announcement period used here is
long over, and the projects service's daily check would start those itself.

The benchmark year lies in the past (see bench/load.py): a stage may only be
reported once its month has begun, and a past month without a report is
flagged overdue by the daily check and then warned about every day. So every
stage month of a preloaded project in execution gets a report (all done but
the last, which stays in progress for the load's monthly reports).

Idempotent and resumable: existing projects of the year count towards N, and
preloaded projects that have not reached their target yet (an interrupted
run, or one the load moved back) are advanced; nothing is ever moved back.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from bench.load_world import (
    PRELOAD_MARK,
    UNITS,
    Api,
    ApiError,
    Project,
    Who,
    announcement,
    declaration,
    declaration_form,
    level_above,
    read_projects,
    review_scores,
    stage_report,
    unit_side,
)
from lingban_kit.mongo import Database

# Target states per mille of the preloaded projects (a year well under way).
TARGETS: tuple[tuple[str, int], ...] = (
    ("draft", 20),
    ("submitted", 40),
    ("returned", 10),
    ("approved", 10),
    ("filed", 10),
    ("in_execution", 910),
)
RANK = {
    "draft": 0,
    "submitted": 1,
    "returned": 2,
    "approved": 3,
    "filed": 4,
    "announced": 5,
    "in_execution": 6,
}
MAX_STEPS = 40  # per project and run; a project needs at most ~20


def target_of(project_id: str) -> str:
    draw = int(hashlib.sha256(project_id.encode()).hexdigest()[:8], 16) % 1000
    for status, share in TARGETS:
        if draw < share:
            return status
        draw -= share
    return TARGETS[-1][0]


@dataclass(frozen=True)
class Step:
    name: str
    method: str
    path: str
    who: Who
    body: Any = None


def next_step(
    project: Project, target: str, year: int, stages: int, rng: random.Random
) -> Step | None:
    """The next command that moves the project towards its target, or None when there."""
    url = f"/v1/projects/{project.id}"
    unit = project.unit
    if project.status == "in_execution":
        month = next((m for m in project.months if m not in project.reported), None)
        if target != "in_execution" or month is None:
            return None
        last = month == project.months[-1]
        body = stage_report(month, done=not last, percent=50)
        return Step("stage_report", "POST", f"{url}/stages/{month}/reports", unit_side(unit), body)
    if project.status not in RANK or RANK[project.status] >= RANK[target]:
        return None
    above = level_above(unit)
    if project.status == "draft":
        return Step("submit", "POST", f"{url}/submission", unit_side(unit))
    if project.status == "submitted":
        if target == "returned":
            body = {
                "decision": "return",
                "scores": review_scores(rng, low=True),
                "reasons": ["措施不具体，请细化阶段任务"],
            }
        else:
            body = {
                "decision": "approve",
                "scores": review_scores(rng),
                "comment": "切口小、能完成",
            }
        return Step("review", "POST", f"{url}/review", above, body)
    if project.status == "returned":
        form = declaration_form(unit, year, stages, rng, PRELOAD_MARK, revised=True)
        return Step("revise", "PUT", f"{url}/declaration", unit_side(unit), form)
    if project.status == "approved":
        return Step("file", "POST", f"{url}/filing", above)
    if project.status == "filed":
        return Step("announce", "POST", f"{url}/announcement", above, announcement(year))
    return Step("start", "POST", f"{url}/execution", above)  # announced


@dataclass
class PreloadResult:
    year: int
    target: int
    existing: int
    declared: int = 0
    advanced: int = 0
    commands: int = 0
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class TooManyErrors(Exception):
    pass


class Caller(Protocol):
    """What the preload sends its commands to: the services over HTTP (`Api`), or the
    bulk preload's use cases in memory (`bench.load_bulk.HeldApi`)."""

    async def call(
        self, service: str, method: str, path: str, who: Who, body: Any = None
    ) -> Any: ...


@dataclass
class Preloader:
    api: Caller
    year: int
    stages: int
    rng: random.Random
    result: PreloadResult
    max_errors: int

    def _error(self, message: str) -> None:
        self.result.errors += 1
        if len(self.result.first_errors) < 5:
            self.result.first_errors.append(message)
        if self.result.errors > self.max_errors:
            raise TooManyErrors(
                f"preload: {self.result.errors} errors, first: {self.result.first_errors}"
            )

    async def advance(self, project: Project) -> None:
        target = target_of(project.id)
        for _ in range(MAX_STEPS):
            step = next_step(project, target, self.year, self.stages, self.rng)
            if step is None:
                return
            try:
                body = await self.api.call("projects", step.method, step.path, step.who, step.body)
            except (ApiError, httpx.HTTPError) as exc:
                self._error(f"{step.name} {project.id}: {exc}")
                return
            self.result.commands += 1
            project.update(body)

    async def declare(self, unit_code: str) -> Project | None:
        """Declare a project for the unit and take it to its target; None if declaring failed."""
        unit = next(u for u in UNITS if u.code == unit_code)
        body = declaration(unit, self.year, self.stages, self.rng, PRELOAD_MARK)
        try:
            answer = await self.api.call("projects", "POST", "/v1/projects", unit_side(unit), body)
        except (ApiError, httpx.HTTPError) as exc:
            self._error(f"declare {unit_code}: {exc}")
            return None
        self.result.commands += 1
        self.result.declared += 1
        project = Project.of_answer(answer, preload=True)
        await self.advance(project)
        return project


def units_for(count: int, existing: list[Project]) -> list[str]:
    """Where `count` new projects go: always to a unit with the fewest projects of the year."""
    per_unit = Counter({u.code: 0 for u in UNITS})
    per_unit.update(p.unit_code for p in existing)
    order = sorted(per_unit, key=lambda code: (per_unit[code], code))
    # Round-robin from the emptiest unit keeps the counts within one of each other
    # once the existing ones are even (they are, when only this preload declared).
    return [order[i % len(order)] for i in range(count)]


async def preload(
    api: Api,
    db: Database,
    *,
    year: int,
    target: int,
    stages: int,
    concurrency: int,
    seed: int,
) -> PreloadResult:
    began = time.monotonic()
    existing = await read_projects(db, year)
    result = PreloadResult(year=year, target=target, existing=len(existing))
    rng = random.Random(seed)
    to_declare = units_for(max(0, target - len(existing)), existing)
    to_advance = [
        p
        for p in existing
        if p.preload and next_step(p, target_of(p.id), year, stages, rng) is not None
    ]
    result.advanced = len(to_advance)
    jobs = len(to_declare) + len(to_advance)
    loader = Preloader(api, year, stages, rng, result, max_errors=max(50, jobs // 20))
    print(
        f"preload {year}: {len(existing):,} projects exist, declaring {len(to_declare):,}, "
        f"advancing {len(to_advance):,} ({concurrency} at a time)",
        file=sys.stderr,
    )

    def work() -> Iterator[Any]:
        for project in to_advance:
            yield loader.advance(project)
        for unit_code in to_declare:
            yield loader.declare(unit_code)

    queue = work()

    async def worker() -> None:
        for job in queue:  # a shared generator: each job is taken by one worker
            await job

    async def progress() -> None:
        while True:
            await asyncio.sleep(5)
            spent = time.monotonic() - began
            print(
                f"\r  preload: declared {result.declared:,}/{len(to_declare):,}, "
                f"{result.commands:,} commands ({result.commands / spent:.0f}/s), "
                f"{result.errors} errors",
                end="",
                file=sys.stderr,
                flush=True,
            )

    reporter = asyncio.create_task(progress())
    try:
        async with asyncio.TaskGroup() as workers:  # one failing cancels the others
            for _ in range(max(1, concurrency)):
                workers.create_task(worker())
    except* TooManyErrors as failed:
        raise failed.exceptions[0] from None
    finally:
        reporter.cancel()
        print(file=sys.stderr)
    result.seconds = time.monotonic() - began
    return result

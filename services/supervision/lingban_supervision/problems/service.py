"""Use cases of the problem list: register, move on, resolve, count."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from lingban_contracts.attachments import Attachment
from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.supervision import ProblemStatus
from lingban_kit.auth import Principal
from lingban_kit.clock import Clock
from lingban_kit.files.attach import file_ids, resolve
from lingban_kit.files.store import FileStore
from lingban_kit.logging import correlation_id
from lingban_supervision.access import UNIT_SIDE_ROLES, not_found, unit_or_invalid
from lingban_supervision.problems.domain import Facts, Problem
from lingban_supervision.store import AggregateStore, Criteria, changed_meanwhile

PROBLEMS_COLLECTION = "problems"
# The list answers at most this many problems, the first registered first.
LIST_LIMIT = 5000


def search_criteria(
    region_code: str,
    *,
    year: int | None = None,
    month: str | None = None,
    status: str | None = None,
) -> Criteria:
    """Problems of units in a region subtree, optionally of one year, month and status."""
    equal: dict[str, object] = {}
    for key, value in (("year", year), ("month", month), ("status", status)):
        if value is not None:
            equal[key] = value
    return Criteria(equal=equal, within=region_code)


def counts(problems: list[Problem]) -> dict[str, Any]:
    """Counts per category and level, source, channel and status, as the reports give them."""
    by_pair: Counter[tuple[str, str]] = Counter()
    resolved_pair: Counter[tuple[str, str]] = Counter()
    for p in problems:
        key = (p.facts.category, p.facts.level.value)
        by_pair[key] += 1
        if p.status is ProblemStatus.RESOLVED:
            resolved_pair[key] += 1
    resolved = sum(1 for p in problems if p.status is ProblemStatus.RESOLVED)
    return {
        "total": len(problems),
        "resolved": resolved,
        "resolution_rate": round(resolved / len(problems), 4) if problems else 0.0,
        "by_category_level": [
            {"category": c, "level": lv, "total": n, "resolved": resolved_pair[(c, lv)]}
            for (c, lv), n in sorted(by_pair.items())
        ],
        "by_category": dict(sorted(Counter(p.facts.category for p in problems).items())),
        "by_level": dict(sorted(Counter(p.facts.level.value for p in problems).items())),
        "by_source": dict(sorted(Counter(p.facts.source.value for p in problems).items())),
        "by_channel": dict(sorted(Counter(p.facts.channel.value for p in problems).items())),
        "by_status": dict(sorted(Counter(p.status.value for p in problems).items())),
    }


@dataclass
class ProblemCommands:
    store: AggregateStore[Problem]
    tree: DivisionTree
    clock: Clock
    categories: tuple[str, ...]
    # Where uploaded files live (None in tests without a database); see docs/files.md.
    files: FileStore | None = None
    max_record_bytes: int = 100 * 1024 * 1024

    async def _attachments(
        self, principal: Principal, refs: tuple[Attachment, ...], problem_id: str | None
    ) -> tuple[Attachment, ...]:
        if self.files is None or not refs:
            return refs
        return await resolve(
            self.files,
            principal,
            refs,
            record_id=problem_id,
            max_record_bytes=self.max_record_bytes,
        )

    async def _committed(self, problem: Problem) -> None:
        """After the write: the problem's files are attached (the sweep leaves them)."""
        if self.files is not None:
            await self.files.attach(file_ids(problem.attachments), problem.id, problem.unit_code)

    async def register(
        self,
        principal: Principal,
        facts: Facts,
        measures: list[str],
        attachments: tuple[Attachment, ...] = (),
    ) -> Problem:
        unit_or_invalid(self.tree, facts.unit_code)
        principal.require_any(*UNIT_SIDE_ROLES)
        principal.require_jurisdiction(facts.unit_code)
        attachments = await self._attachments(principal, attachments, None)
        problem = Problem.register(
            problem_id=uuid.uuid4().hex,
            facts=facts,
            measures=measures,
            categories=self.categories,
            today=self.clock.today(),
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
            attachments=attachments,
        )
        await self.store.add(problem)
        await self._committed(problem)
        return problem

    async def load(self, principal: Principal, problem_id: str) -> Problem:
        problem = await self.store.get(problem_id)
        if problem is None or not principal.can_see(problem.unit_code):
            raise not_found("问题", "Problem", problem_id)
        return problem

    async def change_status(
        self,
        principal: Principal,
        problem_id: str,
        status: ProblemStatus,
        measures: list[str] | None,
        note: str | None,
        expected: int | None,
    ) -> Problem:
        problem = await self.load(principal, problem_id)
        principal.require_any(*UNIT_SIDE_ROLES)
        loaded = problem.version
        if expected is not None and expected != loaded:
            raise changed_meanwhile(expected)
        problem.correlation_id = correlation_id.get()
        problem.change_status(
            status, measures=measures, note=note, actor=principal.actor, now=self.clock.now()
        )
        await self.store.save(problem, loaded)
        return problem

    async def resolve(
        self,
        principal: Principal,
        problem_id: str,
        resolution: str,
        expected: int | None,
        attachments: tuple[Attachment, ...] = (),
    ) -> Problem:
        problem = await self.load(principal, problem_id)
        principal.require_any(*UNIT_SIDE_ROLES)
        attachments = await self._attachments(principal, attachments, problem_id)
        loaded = problem.version
        if expected is not None and expected != loaded:
            raise changed_meanwhile(expected)
        problem.correlation_id = correlation_id.get()
        problem.resolve(
            resolution, self.clock.today(), principal.actor, self.clock.now(), attachments
        )
        await self.store.save(problem, loaded)
        await self._committed(problem)
        return problem

    async def search(
        self,
        principal: Principal,
        region: str,
        *,
        year: int | None = None,
        month: str | None = None,
        status: str | None = None,
        limit: int | None = LIST_LIMIT,
    ) -> list[Problem]:
        """Problems, the first registered first; `limit=None` for all (counts need every one)."""
        principal.require_jurisdiction(region)
        criteria = search_criteria(region, year=year, month=month, status=status)
        return await self.store.find(criteria, sort="registered_on", limit=limit)

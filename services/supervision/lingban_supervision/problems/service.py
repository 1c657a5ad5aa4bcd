"""Use cases of the problem list: register, move on, resolve, count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from lingban_contracts.attachments import Attachment
from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.supervision import (
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
)
from lingban_contracts.regions import in_subtree
from lingban_kit.auth import Principal
from lingban_kit.clock import Clock
from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_kit.files.attach import file_ids, resolve
from lingban_kit.files.store import FileStore
from lingban_kit.idempotency import new_id
from lingban_kit.logging import correlation_id
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork, no_relay
from lingban_supervision.access import (
    UNIT_SIDE_ROLES,
    is_group_side,
    not_found,
    require_level_above,
    unit_or_invalid,
)
from lingban_supervision.inspections.domain import Inspection
from lingban_supervision.problems.domain import Facts, Problem
from lingban_supervision.projects.inspectable import InspectableProjects
from lingban_supervision.store import AggregateStore, Criteria

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


def verified_above(facts: Facts) -> bool:
    """Raised by a superior (上级点) or found by supervision: the level above strikes it off."""
    return facts.source is ProblemSource.SUPERIOR or facts.channel is ProblemChannel.INSPECTION


@dataclass(frozen=True)
class CountRow:
    """What the counts read of a problem: a few stored fields, not the aggregate (LB-23)."""

    category: str
    level: ProblemLevel
    source: ProblemSource
    channel: ProblemChannel
    status: ProblemStatus

    FIELDS: ClassVar[tuple[str, ...]] = (
        "facts.category",
        "facts.level",
        "facts.source",
        "facts.channel",
        "status",
    )

    @classmethod
    def of(cls, doc: dict[str, Any]) -> CountRow:
        facts = doc["facts"]
        return cls(
            category=facts["category"],
            level=ProblemLevel(facts["level"]),
            source=ProblemSource(facts["source"]),
            channel=ProblemChannel(facts["channel"]),
            status=ProblemStatus(doc["status"]),
        )

    @classmethod
    def of_problem(cls, problem: Problem) -> CountRow:
        f = problem.facts
        return cls(f.category, f.level, f.source, f.channel, problem.status)


def counts(problems: Sequence[CountRow]) -> dict[str, Any]:
    """Counts per category and level, source, channel and status, as the reports give them."""
    by_pair: Counter[tuple[str, str]] = Counter()
    resolved_pair: Counter[tuple[str, str]] = Counter()
    for p in problems:
        key = (p.category, p.level.value)
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
        "by_category": dict(sorted(Counter(p.category for p in problems).items())),
        "by_level": dict(sorted(Counter(p.level.value for p in problems).items())),
        "by_source": dict(sorted(Counter(p.source.value for p in problems).items())),
        "by_channel": dict(sorted(Counter(p.channel.value for p in problems).items())),
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
    # What `project_id` / `inspection_id` must name (None: not checked, unit tests only).
    projects: InspectableProjects | None = None
    inspections: AggregateStore[Inspection] | None = None
    wake_relay: RelayWaker = no_relay

    @property
    def uow(self) -> UnitOfWork[Problem]:
        return UnitOfWork(self.store, self.wake_relay, "问题", "problem")

    async def _check_references(self, principal: Principal, facts: Facts) -> None:
        """A referenced project or inspection exists, is visible and is of the problem's
        unit or inside it: otherwise another unit's (or tenant's) record could be named."""
        problems: list[FieldProblem] = []
        if facts.project_id is not None and self.projects is not None:
            unit = await self.projects.unit_of(facts.project_id)
            if unit is None or not in_subtree(unit, facts.unit_code):
                problems.append(
                    FieldProblem(
                        "project_id",
                        f"项目 {facts.project_id} 不存在或不属于该单位",
                        "no such project of this unit",
                    )
                )
        if facts.inspection_id is not None and self.inspections is not None:
            found = await self.inspections.get(facts.inspection_id)
            visible = found is not None and (
                is_group_side(principal, found.region_code) or not found.hidden
            )
            if found is None or not visible or not in_subtree(found.unit_code, facts.unit_code):
                problems.append(
                    FieldProblem(
                        "inspection_id",
                        f"检查 {facts.inspection_id} 不存在或不是对该单位的检查",
                        "no such inspection of this unit",
                    )
                )
        if problems:
            raise ValidationFailed(
                message="关联的项目或检查不存在或不属于该单位",
                message_en="A referenced project or inspection is not of this unit",
                details=problems,
            )

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
        await self._check_references(principal, facts)
        attachments = await self._attachments(principal, attachments, None)
        problem = Problem.register(
            problem_id=new_id(),  # from the Idempotency-Key, when there is one
            facts=facts,
            measures=measures,
            categories=self.categories,
            today=self.clock.today(),
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
            attachments=attachments,
        )
        problem = await self.uow.create(problem)  # the stored one, when a retry
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
        return await self.uow.change(
            problem,
            expected,
            lambda p: p.change_status(
                status, measures=measures, note=note, actor=principal.actor, now=self.clock.now()
            ),
        )

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
        if verified_above(problem.facts):
            require_level_above(principal, problem.unit_code)
        attachments = await self._attachments(principal, attachments, problem_id)
        await self.uow.change(
            problem,
            expected,
            lambda p: p.resolve(
                resolution, self.clock.today(), principal.actor, self.clock.now(), attachments
            ),
        )
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
        """Problems, the first registered first, at most `limit` (None: all)."""
        principal.require_jurisdiction(region)
        criteria = search_criteria(region, year=year, month=month, status=status)
        return await self.store.find(criteria, sort="registered_on", limit=limit)

    async def count_rows(
        self, principal: Principal, region: str, *, year: int | None, month: str | None
    ) -> list[CountRow]:
        """Every matching problem (not the list's first page), as `CountRow`s: the
        indexed `search_criteria`, and only the fields the counts read."""
        principal.require_jurisdiction(region)
        criteria = search_criteria(region, year=year, month=month)
        return [CountRow.of(d) for d in await self.store.fields(criteria, CountRow.FIELDS)]

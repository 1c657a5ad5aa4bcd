"""Use cases of stationed-contact visits: log, monthly figures per township, and
the opinions raised entering the problem list (from our own `visit-logged` event)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lingban_contracts import Envelope
from lingban_contracts.attachments import Attachment
from lingban_contracts.divisions import DivisionTree, Level
from lingban_contracts.events.supervision import HouseholdVisit, ProblemStatus, VisitorRole
from lingban_kit.auth import Principal
from lingban_kit.clock import Clock
from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_kit.files.attach import file_ids, resolve
from lingban_kit.files.store import FileStore
from lingban_kit.logging import correlation_id
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork, no_relay
from lingban_supervision.access import (
    STATIONED_SIDE_ROLES,
    VISITING_ROLES,
    not_found,
    unit_or_invalid,
)
from lingban_supervision.aggregate import township_code
from lingban_supervision.problems.domain import Facts, Problem
from lingban_supervision.stationing.domain import Roster, roster_id_of
from lingban_supervision.store import AggregateStore, Criteria
from lingban_supervision.visits.domain import (
    MonthlyFigures,
    Opinion,
    Visit,
    VisitRow,
    monthly_figures,
)

VISITS_COLLECTION = "visits"
# A month of one city's visits fits well below this; it bounds one answer.
VISITS_LIMIT = 5000
# What the monthly figures read of a problem (`VisitCommands.figures`).
PROBLEM_FIGURE_FIELDS = ("facts.township_code", "facts.visit_id", "status")


def month_criteria(region_code: str, month: str) -> Criteria:
    """Visits (or problems) of units in a region subtree registered in one month."""
    return Criteria(equal={"month": month}, within=region_code)


@dataclass
class VisitCommands:
    store: AggregateStore[Visit]
    problems: AggregateStore[Problem]
    tree: DivisionTree
    clock: Clock
    categories: tuple[str, ...]
    # Where uploaded files live (None in tests without a database); see docs/files.md.
    files: FileStore | None = None
    max_record_bytes: int = 100 * 1024 * 1024
    # The rosters (stationing/): who is stationed, the households to cover, the salt of
    # the household refs. None where a test needs no rosters.
    rosters: AggregateStore[Roster] | None = None
    wake_relay: RelayWaker = no_relay

    @property
    def uow(self) -> UnitOfWork[Visit]:
        return UnitOfWork(self.store, self.wake_relay, "走访记录", "visit")

    async def log(
        self,
        principal: Principal,
        *,
        unit_code: str,
        visited_on: date,
        visitor: str,
        visitor_role: VisitorRole,
        team: list[str],
        households: list[HouseholdVisit],
        opinions: list[Opinion],
        notes: str | None,
        attachments: tuple[Attachment, ...] = (),
        person_id: str | None = None,
    ) -> Visit:
        unit = unit_or_invalid(self.tree, unit_code)
        principal.require_any(*VISITING_ROLES)
        principal.require_jurisdiction(unit.code)
        if (
            not principal.has_any(*STATIONED_SIDE_ROLES)
            and visitor_role is not VisitorRole.VILLAGE_STAFF
        ):
            # Village staff log visits in their own village as themselves: a village
            # account cannot file the stationed leader's or team's visits.
            raise ValidationFailed(
                message="村（社区）干部登记走访时，身份须为“村（社区）干部”",
                message_en="Village staff log visits as village_staff",
                details=[
                    FieldProblem("visitor_role", "须为 village_staff", "must be village_staff")
                ],
            )
        if self.files is not None and attachments:
            attachments = await resolve(
                self.files,
                principal,
                attachments,
                record_id=None,
                max_record_bytes=self.max_record_bytes,
            )
        problems = [
            FieldProblem(
                f"opinions.{i}.category",
                f"可选：{'、'.join(self.categories)}",
                f"one of: {', '.join(self.categories)}",
            )
            for i, o in enumerate(opinions)
            if self.categories and o.category not in self.categories
        ]
        if visited_on > self.clock.today():
            problems.append(
                FieldProblem("visited_on", "不能是将来的日期", "cannot be in the future")
            )
        township = township_code(self.tree, unit.code)
        roster = await self._roster(township, visited_on.year)
        assignment = None
        if person_id is not None:
            assignment = roster.assignment_on(person_id, visited_on) if roster else None
            if assignment is None or assignment.village_code != unit.code:
                problems.append(
                    FieldProblem(
                        "person_id",
                        f"{person_id} 在 {visited_on} 未驻点该村（社区）",
                        f"{person_id} is not stationed in {unit.code} on {visited_on}",
                    )
                )
        if problems:
            raise ValidationFailed(
                message="走访记录有误，请按提示修改",
                message_en="The visit log has problems to fix",
                details=problems,
            )
        visit = Visit.log(
            unit_code=unit.code,
            township_code=township,
            visited_on=visited_on,
            visitor=visitor,
            visitor_role=visitor_role,
            team=team,
            households=households,
            opinions=opinions,
            notes=notes,
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
            attachments=attachments,
            person_id=person_id,
            position=assignment.position if assignment is not None else None,
            household_refs=[
                roster.household_ref(unit.code, h.label) if roster else None for h in households
            ],
        )
        visit = await self.uow.create(visit)  # the stored one, when a retry
        if self.files is not None:  # attached once the visit is written
            await self.files.attach(file_ids(visit.attachments), visit.id, visit.unit_code)
        return visit

    async def _roster(self, township: str | None, year: int) -> Roster | None:
        if self.rosters is None or township is None:
            return None
        return await self.rosters.get(roster_id_of(township, year))

    async def load(self, principal: Principal, visit_id: str) -> Visit:
        visit = await self.store.get(visit_id)
        if visit is None or not principal.can_see(visit.unit_code):
            raise not_found("走访记录", "Visit", visit_id)
        return visit

    async def search(self, principal: Principal, region: str, month: str) -> list[Visit]:
        """The visits to units in `region` (its subtree) in one month, the latest first."""
        principal.require_jurisdiction(region)
        found = await self.store.find(month_criteria(region, month), limit=VISITS_LIMIT)
        return sorted(found, key=lambda v: (v.visited_on, v.logged_at), reverse=True)

    async def register_problems(self, event: Envelope) -> int:
        """Each opinion of a logged visit becomes a problem; idempotent by problem id."""
        visit = await self.store.get(event.aggregate_id)
        if visit is None:
            # The visit and its event are written together, so ours is always
            # stored; an unknown one was written to another database.
            return 0
        added = 0
        for problem_id, opinion in zip(visit.problem_ids, visit.opinions, strict=True):
            problem = Problem.register(
                problem_id=problem_id,
                facts=Facts(
                    unit_code=visit.unit_code,
                    township_code=visit.township_code,
                    project_id=None,
                    year=visit.year,
                    source=opinion.source,
                    channel=opinion.channel,
                    category=opinion.category,
                    level=opinion.level,
                    description=opinion.description,
                    visit_id=visit.id,
                ),
                measures=[],
                categories=(),
                today=visit.visited_on,
                actor=event.actor,
                now=event.time,
                correlation_id=event.correlation_id or event.id,
            )
            if await self.problems.add(problem):
                added += 1
                self.wake_relay(self.problems.collection_name, problem.id)
        return added

    async def figures(self, principal: Principal, region: str, month: str) -> list[MonthlyFigures]:
        """走访率 (households covered) and 办结率 for each township in `region` (or the township)."""
        principal.require_jurisdiction(region)
        townships = [u for u in self.tree.subtree(region) if u.level is Level.TOWNSHIP]
        if not townships:
            raise not_found("乡镇", "Township", region)
        # Only the fields the figures read, not whole aggregates with their
        # history: a month of a city is many records (LB-23); both queries are
        # the indexed `month_criteria` (indexes.py).
        visits = [
            VisitRow.of(d)
            for d in await self.store.fields(month_criteria(region, month), VisitRow.FIELDS)
        ]
        raised_rows = [
            d
            for d in await self.problems.fields(
                month_criteria(region, month), PROBLEM_FIGURE_FIELDS
            )
            if d["facts"].get("visit_id") is not None
        ]
        result: list[MonthlyFigures] = []
        for township in sorted(townships, key=lambda u: u.code):
            villages = [u.code for u in self.tree.children(township.code)]
            raised = [d for d in raised_rows if d["facts"].get("township_code") == township.code]
            roster = await self._roster(township.code, int(month[:4]))
            result.append(
                monthly_figures(
                    township.code,
                    month,
                    villages,
                    [v for v in visits if v.township_code == township.code],
                    raised=len(raised),
                    resolved=sum(1 for d in raised if d["status"] == ProblemStatus.RESOLVED),
                    villages=roster.villages if roster is not None else (),
                )
            )
        return result

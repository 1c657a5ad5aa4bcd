"""Use cases of the year-end assessment and the model-case library.

Who may do what:
- the scheme, adjustments (加分/扣分), list changes and finalizing: the city
  organisation department of the assessing city (the top of the unit's branch);
- recording a 约谈: the city organisation department over the unit, or the
  township's secretary for one of its villages (never the unit itself);
- reading the draft or the final scores: anyone, for their own subtree (the
  ranks stay the city-wide ones); leaders and subscribers without the 约谈 notes;
- model cases: nominated, published and withdrawn by the organisation department
  over the unit; leaders and subscribers read the published ones only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_contracts.events.assessment import (
    AssessmentStatus,
    ListAction,
    ListEntry,
    ModelCaseKind,
    ResultList,
    Scheme,
    UnitScore,
)
from lingban_contracts.regions import in_subtree
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import Clock
from lingban_kit.errors import FieldProblem, Forbidden, ValidationFailed
from lingban_kit.idempotency import replayed, request_mark
from lingban_kit.logging import correlation_id
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork, no_relay
from lingban_supervision.access import not_found, unit_or_invalid
from lingban_supervision.assessment.cases import ModelCase
from lingban_supervision.assessment.domain import (
    Adjustment,
    Assessment,
    ListChange,
    Talk,
    assessment_id,
)
from lingban_supervision.assessment.facts import Records, assessing_region, unit_facts
from lingban_supervision.assessment.scoring import result_lists, score_units
from lingban_supervision.store import AggregateStore, Criteria

ASSESSMENTS_COLLECTION = "assessments"
MODEL_CASES_COLLECTION = "model_cases"
# Stages of a project that is done: it may become a model case (一项目一品牌).
FINISHED_STAGES = ("completed", "evaluated")
TALKING_ROLES = (Role.CITY_ORG, Role.TOWNSHIP_SECRETARY)


def case_criteria(region: str, year: int | None) -> Criteria:
    """The model cases of a region subtree (and year): the library's index (`indexes.py`)."""
    return Criteria(equal={"year": year} if year is not None else {}, within=region)


@dataclass(frozen=True)
class AssessmentView:
    """An assessment as one reader sees it: the units of their subtree."""

    assessment: Assessment
    region_code: str
    scores: list[UnitScore]
    praise: list[ListEntry]
    talks: list[ListEntry]
    adjustments: list[Adjustment] = field(default_factory=list)
    list_changes: list[ListChange] = field(default_factory=list)
    talks_held: list[Talk] = field(default_factory=list)


@dataclass
class AssessmentCommands:
    store: AggregateStore[Assessment]
    records: Records
    tree: DivisionTree
    clock: Clock
    wake_relay: RelayWaker = no_relay

    @property
    def uow(self) -> UnitOfWork[Assessment]:
        # The year's first change inserts the assessment (the unit of work does, at version 0).
        return UnitOfWork(self.store, self.wake_relay, "年度考核", "assessment")

    # ---- reading -------------------------------------------------------------------
    async def view(self, principal: Principal, region: str, year: int) -> AssessmentView:
        """The draft (computed from the records now) or the frozen result, for `region`."""
        unit = unit_or_invalid(self.tree, region, "region")
        principal.require_jurisdiction(unit.code)
        city = self._city(unit.code)
        assessment = await self._load_or_new(city, year)
        if assessment.status is AssessmentStatus.DRAFT:
            scores, praise, talks = await self.compute(city, assessment)
        else:
            scores, praise, talks = assessment.scores, assessment.praise, assessment.talks

        def inside(code: str) -> bool:
            return in_subtree(code, unit.code)

        return AssessmentView(
            assessment=assessment,
            region_code=unit.code,
            scores=[s for s in scores if inside(s.unit_code)],
            praise=[e for e in praise if inside(e.unit_code)],
            talks=[e for e in talks if inside(e.unit_code)],
            adjustments=[a for a in assessment.adjustments if inside(a.unit_code)],
            list_changes=[c for c in assessment.list_changes if inside(c.unit_code)],
            talks_held=[t for t in assessment.talks_held if inside(t.unit_code)],
        )

    async def scheme(self, principal: Principal, region: str, year: int) -> Assessment:
        unit = unit_or_invalid(self.tree, region, "region")
        principal.require_jurisdiction(unit.code)
        return await self._load_or_new(self._city(unit.code), year)

    async def compute(
        self, city: Unit, assessment: Assessment
    ) -> tuple[list[UnitScore], list[ListEntry], list[ListEntry]]:
        year = assessment.year
        facts = unit_facts(
            self.tree.subtree(city.code),
            self.tree,
            await self.records.ratings(city.code, year),
            await self.records.inspections(city.code, year),
            await self.records.visits(city.code, year),
            await self.records.households(city.code, year),
        )
        scores = score_units(facts, assessment.scheme, assessment.adjustment_totals)
        praise, talks = result_lists(
            scores, assessment.scheme, assessment.overrides, assessing_region=city.code
        )
        return scores, praise, talks

    # ---- the department's commands ---------------------------------------------------
    async def set_scheme(
        self,
        principal: Principal,
        region_code: str,
        year: int,
        scheme: Scheme,
        expected: int | None,
    ) -> Assessment:
        city = self._assessor(principal, region_code, "region_code")
        if city.code != region_code:
            raise ValidationFailed(
                message=f"考核方案按市设置：请填写 {city.code}",
                message_en=f"A scheme is set per city: use {city.code}",
                details=[FieldProblem("region_code", "须为市级单位", "must be the city")],
            )
        assessment = await self._load_or_new(city, year)
        return await self.uow.change(
            assessment, expected, lambda a: a.set_scheme(scheme, principal.actor, self.clock.now())
        )

    async def adjust(
        self, principal: Principal, year: int, unit_code: str, points: float, reason: str
    ) -> tuple[Assessment, Adjustment]:
        city = self._assessor(principal, unit_code, "unit_code")
        assessment = await self._load_or_new(city, year)
        made: list[Adjustment] = []
        request, loaded = request_mark(), assessment.version
        await self.uow.change(
            assessment,
            None,
            lambda a: made.append(
                a.adjust(unit_code, points, reason, principal.actor, self.clock.now(), request)
            ),
        )
        if assessment.version == loaded:  # nothing written: the retry of one that landed
            replayed()
        return assessment, made[0]

    async def change_list(
        self,
        principal: Principal,
        year: int,
        unit_code: str,
        which: ResultList,
        action: ListAction,
        reason: str,
    ) -> Assessment:
        city = self._assessor(principal, unit_code, "unit_code")
        assessment = await self._load_or_new(city, year)
        return await self.uow.change(
            assessment,
            None,
            lambda a: a.change_list(
                unit_code, which, action, reason, principal.actor, self.clock.now()
            ),
        )

    async def finalize(
        self, principal: Principal, region_code: str, year: int, expected: int | None
    ) -> Assessment:
        city = self._assessor(principal, region_code, "region_code")
        assessment = await self._load_or_new(city, year)
        scores, praise, talks = await self.compute(city, assessment)
        return await self.uow.change(
            assessment,
            expected,
            lambda a: a.finalize(scores, praise, talks, principal.actor, self.clock.now()),
        )

    async def record_talk(
        self,
        principal: Principal,
        *,
        year: int,
        unit_code: str,
        held_on: date,
        held_by: str,
        attendees: list[str],
        notes: str | None,
    ) -> tuple[Assessment, Talk]:
        unit = unit_or_invalid(self.tree, unit_code)
        principal.require_any(*TALKING_ROLES)
        principal.require_jurisdiction(unit.code)
        township_side = not principal.has_any(Role.CITY_ORG)
        if principal.region_code == unit.code or (township_side and unit.level != Level.VILLAGE):
            raise Forbidden(
                message="约谈由上级组织部门或所在乡镇党委书记登记，不能登记本单位的约谈",
                message_en="A talk is recorded by the level above the unit: the organisation "
                "department, or the township's secretary for its villages",
            )
        assessment = await self.store.get(assessment_id(self._city(unit.code).code, year))
        if assessment is None:
            raise not_found("年度考核", "Assessment", f"{year}")
        made: list[Talk] = []
        await self.uow.change(
            assessment,
            None,
            lambda a: made.append(
                a.record_talk(
                    unit_code=unit.code,
                    held_on=held_on,
                    held_by=held_by,
                    attendees=attendees,
                    notes=notes,
                    today=self.clock.today(),
                    actor=principal.actor,
                    now=self.clock.now(),
                )
            ),
        )
        return assessment, made[0]

    # ---- helpers -------------------------------------------------------------------
    def _city(self, unit_code: str) -> Unit:
        city = assessing_region(self.tree, unit_code)
        if city is None:
            raise not_found("单位", "Unit", unit_code)
        return city

    def _assessor(self, principal: Principal, code: str, field_name: str) -> Unit:
        """The city assessing `code`, if the caller is its organisation department."""
        unit = unit_or_invalid(self.tree, code, field_name)
        principal.require_any(Role.CITY_ORG)
        principal.require_jurisdiction(unit.code)
        city = self._city(unit.code)
        principal.require_jurisdiction(city.code)
        return city

    async def _load_or_new(self, city: Unit, year: int) -> Assessment:
        fresh = Assessment.new(city.code, year)
        return await self.store.get(fresh.id) or fresh


@dataclass
class ModelCaseCommands:
    store: AggregateStore[ModelCase]
    records: Records
    tree: DivisionTree
    clock: Clock
    wake_relay: RelayWaker = no_relay

    @property
    def uow(self) -> UnitOfWork[ModelCase]:
        return UnitOfWork(self.store, self.wake_relay, "典型案例", "model case")

    async def nominate(
        self,
        principal: Principal,
        *,
        kind: ModelCaseKind,
        unit_code: str,
        project_id: str | None,
        year: int,
        title: str,
        summary: str,
    ) -> ModelCase:
        unit = unit_or_invalid(self.tree, unit_code)
        principal.require_any(Role.CITY_ORG)
        principal.require_jurisdiction(unit.code)
        await self._check(kind, unit, project_id, year)
        case = ModelCase.nominate(
            kind=kind,
            unit_code=unit.code,
            project_id=project_id if kind is ModelCaseKind.PROJECT else None,
            year=year,
            title=title,
            summary=summary,
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
        )
        return await self.uow.create(case)

    async def publish(self, principal: Principal, case_id: str, expected: int | None) -> ModelCase:
        case = await self._editable(principal, case_id)
        return await self.uow.change(
            case,
            expected,
            lambda c: c.publish(self.clock.today(), principal.actor, self.clock.now()),
        )

    async def withdraw(
        self, principal: Principal, case_id: str, reason: str, expected: int | None
    ) -> ModelCase:
        case = await self._editable(principal, case_id)
        return await self.uow.change(
            case, expected, lambda c: c.withdraw(reason, principal.actor, self.clock.now())
        )

    async def load(self, principal: Principal, case_id: str) -> ModelCase:
        case = await self.store.get(case_id)
        if case is None or not self.visible(principal, case):
            raise not_found("典型案例", "Model case", case_id)
        return case

    async def search(self, principal: Principal, region: str, year: int | None) -> list[ModelCase]:
        principal.require_jurisdiction(region)
        found = await self.store.find(case_criteria(region, year))
        shown = [c for c in found if self.visible(principal, c)]
        return sorted(shown, key=lambda c: (-c.year, c.unit_code, c.nominated_at))

    @staticmethod
    def visible(principal: Principal, case: ModelCase) -> bool:
        """The subtree's cases; for leaders and subscribers the published library only."""
        if not principal.can_see(case.unit_code):
            return False
        return case.published or not principal.reads_public_view()

    async def _editable(self, principal: Principal, case_id: str) -> ModelCase:
        principal.require_any(Role.CITY_ORG)
        return await self.load(principal, case_id)

    async def _check(
        self, kind: ModelCaseKind, unit: Unit, project_id: str | None, year: int
    ) -> None:
        problems: list[FieldProblem] = []
        if kind is ModelCaseKind.PROJECT:
            info = await self.records.project(project_id) if project_id else None
            if info is None:
                problems.append(FieldProblem("project_id", "未找到该项目", "unknown project"))
            elif info.unit_code != unit.code or info.year != year:
                problems.append(
                    FieldProblem(
                        "project_id",
                        "项目不属于该单位或该年度",
                        "the project is not of that unit and year",
                    )
                )
            elif info.stage not in FINISHED_STAGES:
                problems.append(
                    FieldProblem(
                        "project_id",
                        "只有已验收的项目才能推荐为典型案例",
                        "only a completed (accepted) project can be a model case",
                    )
                )
        elif kind is ModelCaseKind.MODEL_TOWNSHIP and unit.level is not Level.TOWNSHIP:
            problems.append(FieldProblem("unit_code", "样板镇须为乡镇（街道）", "not a township"))
        elif kind is ModelCaseKind.MODEL_VILLAGE and unit.level is not Level.VILLAGE:
            problems.append(FieldProblem("unit_code", "示范村须为村（社区）", "not a village"))
        if problems:
            raise ValidationFailed(
                message="典型案例信息有误，请按提示修改",
                message_en="The model case has problems to fix",
                details=problems,
            )

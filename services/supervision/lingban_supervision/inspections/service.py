"""Use cases of inspections and rectification; the periodic overdue check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.supervision import ChecklistScore, InspectionMethod, Photo
from lingban_kit.auth import Principal
from lingban_kit.clock import Clock
from lingban_kit.errors import Conflict, FieldProblem, ValidationFailed
from lingban_kit.files.attach import file_ids, resolve
from lingban_kit.files.store import FileStore
from lingban_kit.logging import correlation_id
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork, no_relay
from lingban_supervision.access import (
    RECTIFYING_ROLES,
    is_group_side,
    not_found,
    require_group_side,
    require_independent_of_unit,
    unit_or_invalid,
)
from lingban_supervision.aggregate import SYSTEM_ACTOR, township_code
from lingban_supervision.groups.domain import Group
from lingban_supervision.inspections.cadence import Cadence, cadence
from lingban_supervision.inspections.domain import RECTIFICATION_OPEN, Inspection
from lingban_supervision.projects.inspectable import InspectableProjects
from lingban_supervision.sampling.domain import Sample
from lingban_supervision.store import AggregateStore, Criteria

INSPECTIONS_COLLECTION = "inspections"
# Every rectification still waiting for the unit; the overdue check tests the dates.
OPEN_RECTIFICATIONS = Criteria(equal={RECTIFICATION_OPEN: True})


def search_criteria(
    region_code: str,
    *,
    group_id: str | None = None,
    year: int | None = None,
    half_month: str | None = None,
    status: str | None = None,
) -> Criteria:
    """Inspections of units in a region subtree, with the list's optional filters.

    One query serves both sides: a group covers only units inside its own region,
    so every inspection of a group whose region is in the subtree has its unit
    there too (the group side's extra rights are applied by `visible`).
    """
    equal: dict[str, object] = {}
    for key, value in (
        ("group_id", group_id),
        ("year", year),
        ("half_month", half_month),
        ("status", status),
    ):
        if value is not None:
            equal[key] = value
    return Criteria(equal=equal, within=region_code)


def cadence_criteria(group_id: str, month: str) -> list[Criteria]:
    """The group's inspections of the month: one equality per half month (no `$in`, no regex)."""
    return [
        Criteria(equal={"group_id": group_id, "half_month": f"{month}-{half}"})
        for half in ("H1", "H2")
    ]


@dataclass(frozen=True)
class Rules:
    pass_mark: int = 60
    rectification_days: int = 15
    min_on_site_per_month: int = 2


@dataclass
class InspectionCommands:
    store: AggregateStore[Inspection]
    groups: AggregateStore[Group]
    samples: AggregateStore[Sample]
    inspectable: InspectableProjects
    tree: DivisionTree
    clock: Clock
    rules: Rules
    # Where uploaded photos live (None in tests without a database); see docs/files.md.
    files: FileStore | None = None
    max_record_bytes: int = 100 * 1024 * 1024
    wake_relay: RelayWaker = no_relay

    @property
    def uow(self) -> UnitOfWork[Inspection]:
        return UnitOfWork(self.store, self.wake_relay, "检查", "inspection")

    # ---- photos (stored files) ---------------------------------------------------
    async def photos(
        self, principal: Principal, photos: list[Photo], inspection_id: str
    ) -> list[Photo]:
        """The references as stored (422 for any that cannot be attached)."""
        if self.files is None or not photos:
            return photos
        found = await resolve(
            self.files,
            principal,
            photos,
            record_id=inspection_id,
            max_record_bytes=self.max_record_bytes,
            field="photos",
        )
        return list(found)

    async def photos_committed(self, inspection: Inspection) -> None:
        """After the write: the inspection's photos are attached (the sweep leaves them)."""
        if self.files is None:
            return
        photos = list(inspection.result.photos) if inspection.result else []
        if inspection.rectification:
            photos += [p for s in inspection.rectification.submissions for p in s.photos]
        region = inspection.unit_code or inspection.region_code
        await self.files.attach(file_ids(photos), inspection.id, region)

    # ---- reading -----------------------------------------------------------------
    def visible(self, principal: Principal, inspection: Inspection) -> bool:
        if is_group_side(principal, inspection.region_code):
            return True
        return principal.can_see(inspection.unit_code) and not inspection.hidden

    async def load(self, principal: Principal, inspection_id: str) -> Inspection:
        inspection = await self.store.get(inspection_id)
        # Hidden and outside the jurisdiction both look like missing.
        if inspection is None or not self.visible(principal, inspection):
            raise not_found("检查", "Inspection", inspection_id)
        return inspection

    async def search(
        self,
        principal: Principal,
        *,
        group_id: str | None,
        year: int | None,
        half_month: str | None,
        status: str | None,
    ) -> list[Inspection]:
        criteria = search_criteria(
            principal.region_code,
            group_id=group_id,
            year=year,
            half_month=half_month,
            status=status,
        )
        found = await self.store.find(criteria)
        visible = [i for i in found if self.visible(principal, i)]
        return sorted(visible, key=lambda i: (i.planned_on, i.id))

    async def cadence(self, principal: Principal, group: Group, month: str) -> Cadence:
        require_group_side(principal, group.region_code)
        found: list[Inspection] = []
        for criteria in cadence_criteria(group.id, month):
            found += await self.store.find(criteria)
        return cadence(group.id, month, found, self.rules.min_on_site_per_month)

    # ---- planning ----------------------------------------------------------------
    async def plan(
        self,
        principal: Principal,
        *,
        group_id: str,
        planned_on: date,
        method: InspectionMethod,
        unit_code: str | None,
        project_id: str | None,
        sample_id: str | None,
        days: int = 1,
    ) -> Inspection:
        group = await self.groups.get(group_id)
        if group is None or not principal.can_see(group.region_code):
            raise not_found("督导组", "Group", group_id)
        require_group_side(principal, group.region_code)
        problems: list[FieldProblem] = []
        if planned_on.year != group.year:
            problems.append(
                FieldProblem("planned_on", f"须在 {group.year} 年内", f"must be in {group.year}")
            )
        if sample_id is not None:
            sample = await self.samples.get(sample_id)
            if sample is None or sample.group_id != group.id:
                problems.append(
                    FieldProblem("sample_id", "不是本组的抽查", "not a draw of this group")
                )
            elif project_id not in sample.drawn_project_ids:
                problems.append(
                    FieldProblem("project_id", "该项目未被本次抽中", "not drawn in that sample")
                )
            elif method is InspectionMethod.UNANNOUNCED and not sample.sealed:
                # An open draw has published its projects: the visit would not be a surprise.
                problems.append(
                    FieldProblem(
                        "sample_id",
                        "暗访须使用密封的抽查结果",
                        "An unannounced inspection needs a sealed draw",
                    )
                )
        if project_id is not None:
            project = await self.inspectable.get(project_id)
            if project is None:
                problems.append(
                    FieldProblem(
                        "project_id",
                        "项目不存在或已撤销",
                        "no such project (or it was withdrawn)",
                    )
                )
            elif unit_code is not None and unit_code != project.unit_code:
                problems.append(
                    FieldProblem("unit_code", "与项目单位不符", "not the project's unit")
                )
            else:
                unit_code = project.unit_code
        if unit_code is None and project_id is None:
            problems.append(
                FieldProblem("unit_code", "请指定受检单位或项目", "name a unit or project")
            )
        if problems:
            raise ValidationFailed(
                message="督导计划有误，请按提示修改",
                message_en="The inspection plan has problems to fix",
                details=problems,
            )
        if unit_code is None:
            raise ValidationFailed(
                message="督导计划有误，请按提示修改",
                message_en="The inspection plan has problems to fix",
                details=problems,
            )
        unit = unit_or_invalid(self.tree, unit_code)
        if not group.covers(unit.code):
            raise ValidationFailed(
                message=f"{unit.name} 不在该督导组联系范围内",
                message_en=f"{unit.code} is not covered by this group",
                details=[FieldProblem("unit_code", "不在督导范围", "not covered")],
            )
        inspection = Inspection.plan(
            group_id=group.id,
            region_code=group.region_code,
            planned_on=planned_on,
            method=method,
            unit_code=unit.code,
            township_code=township_code(self.tree, unit.code),
            project_id=project_id,
            sample_id=sample_id,
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
            days=days,
        )
        return await self.uow.create(inspection)

    # ---- recording and rectification ---------------------------------------------
    async def record(
        self,
        principal: Principal,
        inspection_id: str,
        *,
        inspected_on: date,
        checklist: list[ChecklistScore],
        team_absent: bool,
        findings: list[str],
        photos: list[Photo],
        expected: int | None,
        measures: list[str] | None = None,
        deadline: date | None = None,
        days: int = 1,
    ) -> Inspection:
        inspection = await self.load(principal, inspection_id)
        require_group_side(principal, inspection.region_code)
        photos = await self.photos(principal, photos, inspection_id)
        recorded = await self.uow.change(
            inspection,
            expected,
            lambda i: i.record_result(
                inspected_on=inspected_on,
                checklist=checklist,
                team_absent=team_absent,
                findings=findings,
                photos=photos,
                pass_mark=self.rules.pass_mark,
                rectification_days=self.rules.rectification_days,
                actor=principal.actor,
                now=self.clock.now(),
                measures=measures,
                deadline=deadline,
                days=days,
            ),
        )
        await self.photos_committed(recorded)
        return recorded

    async def submit(
        self,
        principal: Principal,
        inspection_id: str,
        *,
        measures: list[str],
        narrative: str,
        photos: list[Photo],
        expected: int | None,
    ) -> Inspection:
        inspection = await self.load(principal, inspection_id)
        principal.require_any(*RECTIFYING_ROLES)
        principal.require_jurisdiction(inspection.unit_code)
        photos = await self.photos(principal, photos, inspection_id)
        submitted = await self.uow.change(
            inspection,
            expected,
            lambda i: i.submit_rectification(
                measures=measures,
                narrative=narrative,
                photos=photos,
                today=self.clock.today(),
                actor=principal.actor,
                now=self.clock.now(),
            ),
        )
        await self.photos_committed(submitted)
        return submitted

    async def verify(
        self, principal: Principal, inspection_id: str, comment: str | None, expected: int | None
    ) -> Inspection:
        inspection = await self.load(principal, inspection_id)
        require_group_side(principal, inspection.region_code)
        require_independent_of_unit(principal, inspection.unit_code)
        return await self.uow.change(
            inspection,
            expected,
            lambda i: i.verify_rectification(
                comment=comment,
                today=self.clock.today(),
                actor=principal.actor,
                now=self.clock.now(),
            ),
        )

    async def reopen(
        self,
        principal: Principal,
        inspection_id: str,
        reasons: list[str],
        deadline: date,
        expected: int | None,
    ) -> Inspection:
        inspection = await self.load(principal, inspection_id)
        require_group_side(principal, inspection.region_code)
        require_independent_of_unit(principal, inspection.unit_code)
        return await self.uow.change(
            inspection,
            expected,
            lambda i: i.reopen_rectification(
                reasons=reasons,
                new_deadline=deadline,
                today=self.clock.today(),
                actor=principal.actor,
                now=self.clock.now(),
            ),
        )

    # ---- the periodic check ------------------------------------------------------
    async def run_checks(self) -> dict[str, list[str]]:
        """Flag open rectifications past their deadline (each deadline once)."""
        today, now = self.clock.today(), self.clock.now()
        overdue: list[str] = []
        # Every open rectification, however many (no cap); `detect_overdue` tests the date.
        for inspection in await self.store.find(OPEN_RECTIFICATIONS):
            loaded = inspection.version
            if inspection.detect_overdue(today, SYSTEM_ACTOR, now):
                try:
                    await self.store.save(inspection, loaded)
                    self.wake_relay(self.store.collection_name, inspection.id)
                except Conflict:
                    continue  # changed meanwhile; the next run catches up
                assert inspection.rectification is not None
                overdue.append(inspection.rectification.id)
        return {"rectifications_overdue": overdue}

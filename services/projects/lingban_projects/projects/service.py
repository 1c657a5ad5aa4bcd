"""Use cases: who may act, the domain rule, and one write of state plus events.

One method per use case. Each checks who may act (`unit_side` /
`level_above`), then lets the pure domain change the project inside the kit's
unit of work (`lingban_kit.unit_of_work`), which checks the version the caller
edited, stamps the correlation id, writes state and events in one document
write and wakes the outbox relay. Route handlers only parse and render.

Two sides act on a project: the *unit side* (the unit's secretary, or staff of
a unit above acting inside their jurisdiction) declares, reports and asks for
a change or withdrawal; the *level above* (the parent unit's secretary or
staff; the organisation department for townships and the city itself)
reviews, files, announces, resolves objections, decides on change and
withdrawal requests, accepts and evaluates. While a project is announced,
anyone with a working role whose region holds it may object (公示异议).
Everyone reads only inside their region subtree.

Files: a command that carries attachments resolves them first (they must be
uploaded to this service and visible to the user; `lingban_kit.files.attach`)
and, once its one document write committed, marks the files the project now
carries as attached to it and releases those it dropped (the sweep removes
those after a day).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lingban_contracts import Actor
from lingban_contracts.attachments import Attachment
from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_kit.auth import WORKING_ROLES, Principal, Role
from lingban_kit.clock import Clock
from lingban_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lingban_kit.files.attach import file_ids, resolve
from lingban_kit.files.store import FileStore
from lingban_kit.idempotency import request_mark
from lingban_kit.logging import correlation_id
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork
from lingban_projects.projects import schemas as s
from lingban_projects.projects.domain import Declaration, Project, Status, month_of
from lingban_projects.projects.repository import ProjectRepository

UNIT_SIDE_ROLES = (
    Role.VILLAGE_SECRETARY,
    Role.TOWNSHIP_SECRETARY,
    Role.TOWNSHIP_STAFF,
    Role.CITY_ORG,
)
REVIEWER_ROLES = {
    Level.TOWNSHIP: (Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF),
    # The organisation department of a district or county reviews its townships.
    Level.DISTRICT: (Role.CITY_ORG,),
    Level.CITY: (Role.CITY_ORG,),
}
SYSTEM = "system:projects-scheduler"


@dataclass
class ProjectCommands:
    repo: ProjectRepository
    tree: DivisionTree
    clock: Clock
    categories: tuple[str, ...]
    wake_relay: RelayWaker | None = None
    # Where uploaded files live (None in unit tests without a database).
    files: FileStore | None = None
    max_record_bytes: int = 100 * 1024 * 1024
    uow: UnitOfWork[Project] = field(init=False)

    def __post_init__(self) -> None:
        self.uow = UnitOfWork(self.repo, noun="项目", noun_en="project")
        if self.wake_relay is not None:
            self.uow.wake_relay = self.wake_relay

    # ---- who ----------------------------------------------------------------
    def unit(self, code: str) -> Unit:
        unit = self.tree.get(code)
        if unit is None:
            raise ValidationFailed(
                message=f"区划代码 {code} 不是已登记的单位",
                message_en=f"{code} is not a registered unit",
                details=[],
            )
        return unit

    def reviewer_unit(self, unit: Unit) -> Unit:
        """The level above; the city reviews its own projects through its organisation department."""
        return self.tree.parent_of(unit.code) or unit

    def require_unit_side(self, principal: Principal, unit: Unit) -> None:
        principal.require_any(*UNIT_SIDE_ROLES)
        principal.require_jurisdiction(unit.code)

    def require_level_above(self, principal: Principal, unit: Unit) -> None:
        reviewer = self.reviewer_unit(unit)
        roles = REVIEWER_ROLES.get(reviewer.level, ())
        if principal.region_code != reviewer.code or not principal.has_any(*roles):
            raise Forbidden(
                message=f"只有上级单位（{reviewer.name}）的书记或工作人员可以办理此事项",
                message_en=f"Only the level above ({reviewer.name}, {reviewer.code}) may do this",
            )

    async def load(self, principal: Principal, project_id: str) -> Project:
        project = await self.repo.get(project_id)
        # Outside the jurisdiction looks the same as missing: no probing of ids.
        if project is None or not principal.can_see(project.unit_code):
            raise NotFound(
                message=f"未找到项目 {project_id}", message_en=f"Project {project_id} not found"
            )
        return project

    # ---- files ----------------------------------------------------------------
    async def attachments(
        self,
        principal: Principal,
        refs: Sequence[Attachment],
        record_id: str | None,
        field: str = "attachments",
    ) -> tuple[Attachment, ...]:
        """The references as stored (422 for any that cannot be attached)."""
        if self.files is None or not refs:
            return tuple(refs)
        return await resolve(
            self.files,
            principal,
            refs,
            record_id=record_id,
            max_record_bytes=self.max_record_bytes,
            field=field,
        )

    async def files_committed(self, project: Project, before: set[str]) -> None:
        """After the write: files now carried are attached, files dropped released."""
        if self.files is None:
            return
        now = project.file_ids()
        await self.files.attach(sorted(now - before), project.id, project.unit_code)
        await self.files.release(sorted(before - now), project.id)

    # ---- the two sides ------------------------------------------------------
    async def require_unit_side_of(self, principal: Principal, project_id: str) -> Project:
        """404 outside the jurisdiction, 403 off the unit side: checked before a request's
        attachments are resolved, whose 422 would otherwise answer a caller of another
        region first (tests/security, the jurisdiction matrix). Returns the project read."""
        project = await self.load(principal, project_id)
        self.require_unit_side(principal, self.unit(project.unit_code))
        return project

    @staticmethod
    def still_current(project: Project, attachments: Sequence[Attachment]) -> Project | None:
        """The project read for the check, to change without reading it again, unless
        resolving attachments took round trips since (then `unit_side` reads it afresh,
        as a write over an older read would only answer 409). Only uploaded files are
        looked up; references without a `file_id` take none."""
        return None if file_ids(attachments) else project

    async def unit_side(
        self,
        principal: Principal,
        project_id: str,
        expected_version: int | None,
        change: Callable[[Project], None],
        applied: Callable[[Project], bool] | None = None,
        loaded: Project | None = None,
    ) -> Project:
        """`loaded`: the project as the caller has just read it (`still_current`)."""
        project = loaded if loaded is not None else await self.load(principal, project_id)
        self.require_unit_side(principal, self.unit(project.unit_code))
        before = project.file_ids()
        changed = await self.uow.change(project, expected_version, change, applied)
        await self.files_committed(changed, before)
        return changed

    async def level_above(
        self,
        principal: Principal,
        project_id: str,
        expected_version: int | None,
        change: Callable[[Project], None],
    ) -> Project:
        project = await self.load(principal, project_id)
        self.require_level_above(principal, self.unit(project.unit_code))
        return await self.uow.change(project, expected_version, change)

    # ---- use cases: the unit side -------------------------------------------
    async def declare(
        self, principal: Principal, unit_code: str, year: int, form: Declaration
    ) -> Project:
        unit = self.unit(unit_code)
        self.require_unit_side(principal, unit)
        if not unit.active:
            # Its projects moved to the successor with the merge: so do new ones.
            raise Conflict(
                message=f"{unit.name}已撤并到 {unit.merged_into}，请以撤并后的单位申报",
                message_en=f"{unit.code} was merged into {unit.merged_into}; declare for it",
            )
        form = dataclasses.replace(
            form,
            attachments=await self.attachments(principal, form.attachments, None),
        )
        project = Project.declare(
            unit.code,
            year,
            form,
            principal.actor,
            self.clock.now(),
            self.categories,
            correlation_id.get(),
        )
        created = await self.uow.create(project)
        await self.files_committed(created, set())
        return created

    async def revise(
        self, principal: Principal, project_id: str, version: int | None, body: s.DeclarationFormIn
    ) -> Project:
        project = await self.require_unit_side_of(principal, project_id)
        form, now = body.to_domain(), self.clock.now()
        form = dataclasses.replace(
            form, attachments=await self.attachments(principal, form.attachments, project_id)
        )
        return await self.unit_side(
            principal,
            project_id,
            version,
            lambda p: p.revise(form, principal.actor, now, self.categories),
            loaded=self.still_current(project, body.attachments),
        )

    async def submit(self, principal: Principal, project_id: str, version: int | None) -> Project:
        now = self.clock.now()

        def change(p: Project) -> None:
            p.submit(self.reviewer_unit(self.unit(p.unit_code)).code, principal.actor, now)

        return await self.unit_side(principal, project_id, version, change)

    async def report_stage(
        self,
        principal: Principal,
        project_id: str,
        version: int | None,
        month: str,
        body: s.StageReportIn,
    ) -> Project:
        project = await self.require_unit_side_of(principal, project_id)
        today, now = self.clock.today(), self.clock.now()
        attachments = await self.attachments(principal, body.attachments, project_id)
        request = request_mark()  # a retry with the same Idempotency-Key appends nothing
        return await self.unit_side(
            principal,
            project_id,
            version,
            lambda p: p.report_stage(
                month,
                status=body.status,
                percent=body.percent,
                narrative=body.narrative,
                attachments=attachments,
                today=today,
                actor=principal.actor,
                now=now,
                request=request,
            ),
            lambda p: p.holds_request(request),
            loaded=self.still_current(project, body.attachments),
        )

    async def weekly_report(
        self, principal: Principal, project_id: str, version: int | None, body: s.WeeklyReportIn
    ) -> Project:
        project = await self.require_unit_side_of(principal, project_id)
        now = self.clock.now()
        attachments = await self.attachments(principal, body.attachments, project_id)
        request = request_mark()  # as `report_stage`
        return await self.unit_side(
            principal,
            project_id,
            version,
            lambda p: p.submit_weekly_report(
                body.week,
                tuple(body.key_tasks),
                body.narrative,
                principal.actor,
                now,
                attachments,
                request,
            ),
            lambda p: p.holds_request(request),
            loaded=self.still_current(project, body.attachments),
        )

    async def remove_attachment(
        self, principal: Principal, project_id: str, version: int | None, file_id: str
    ) -> Project:
        """Take a file off the declaration while it is a draft; the file is released."""
        now = self.clock.now()
        return await self.unit_side(
            principal,
            project_id,
            version,
            lambda p: p.remove_attachment(file_id, principal.actor, now, self.categories),
        )

    async def request_change(
        self, principal: Principal, project_id: str, version: int | None, body: s.ChangeRequestIn
    ) -> Project:
        """变更 / 撤销: the unit asks the level above, with a reason."""
        today, now = self.clock.today(), self.clock.now()
        changes = body.changes.to_contract() if body.changes is not None else None
        return await self.unit_side(
            principal,
            project_id,
            version,
            lambda p: p.request_change(
                body.kind,
                reason=body.reason,
                changes=changes,
                today=today,
                actor=principal.actor,
                now=now,
                categories=self.categories,
            ),
        )

    async def request_completion(
        self,
        principal: Principal,
        project_id: str,
        version: int | None,
        body: s.CompletionRequestIn,
    ) -> Project:
        now = self.clock.now()
        return await self.unit_side(
            principal,
            project_id,
            version,
            lambda p: p.request_completion(body.summary, principal.actor, now),
        )

    # ---- use cases: anyone working in the jurisdiction --------------------------
    async def raise_objection(
        self, principal: Principal, project_id: str, version: int | None, body: s.ObjectionIn
    ) -> Project:
        """公示异议: anyone with a working role who can see the project (404 otherwise);
        one received offline is recorded by the organisation department."""
        project = await self.load(principal, project_id)
        principal.require_any(*WORKING_ROLES)
        if body.received_offline and not principal.has_any(Role.CITY_ORG):
            raise Forbidden(
                message="线下收到的异议由组织部登记；如是您本人的异议，请取消“线下收到”后提交",
                message_en="Objections received offline are recorded by the organisation "
                "department; submit your own objection without received_offline",
            )
        now = self.clock.now()
        return await self.uow.change(
            project,
            version,
            lambda p: p.raise_objection(
                body.text, received_offline=body.received_offline, actor=principal.actor, now=now
            ),
        )

    # ---- use cases: the level above -----------------------------------------
    async def resolve_objection(
        self,
        principal: Principal,
        project_id: str,
        objection_id: str,
        version: int | None,
        body: s.ObjectionResolutionIn,
    ) -> Project:
        now = self.clock.now()
        return await self.level_above(
            principal,
            project_id,
            version,
            lambda p: p.resolve_objection(
                objection_id, upheld=body.upheld, reason=body.reason, actor=principal.actor, now=now
            ),
        )

    async def decide_change(
        self,
        principal: Principal,
        project_id: str,
        request_id: str,
        version: int | None,
        body: s.ChangeDecisionIn,
    ) -> Project:
        today, now = self.clock.today(), self.clock.now()
        return await self.level_above(
            principal,
            project_id,
            version,
            lambda p: p.decide_change(
                request_id,
                approve=body.approve,
                reasons=tuple(body.reasons),
                comment=body.comment,
                today=today,
                actor=principal.actor,
                now=now,
                categories=self.categories,
            ),
        )

    async def review(
        self, principal: Principal, project_id: str, version: int | None, body: s.ReviewIn
    ) -> Project:
        now = self.clock.now()
        return await self.level_above(
            principal,
            project_id,
            version,
            lambda p: p.review(
                approve=body.decision == "approve",
                scores=body.scores,
                reasons=tuple(body.reasons),
                comment=body.comment,
                actor=principal.actor,
                now=now,
                criteria=tuple(body.criteria),
            ),
        )

    async def file(self, principal: Principal, project_id: str, version: int | None) -> Project:
        now = self.clock.now()
        return await self.level_above(
            principal, project_id, version, lambda p: p.file(principal.actor, now)
        )

    async def announce(
        self, principal: Principal, project_id: str, version: int | None, body: s.AnnouncementIn
    ) -> Project:
        now = self.clock.now()
        return await self.level_above(
            principal,
            project_id,
            version,
            lambda p: p.announce(body.starts_on, body.ends_on, principal.actor, now),
        )

    async def start_execution(
        self, principal: Principal, project_id: str, version: int | None
    ) -> Project:
        today, now = self.clock.today(), self.clock.now()
        return await self.level_above(
            principal,
            project_id,
            version,
            lambda p: p.start_execution(today, principal.actor, now),
        )

    async def decide_completion(
        self,
        principal: Principal,
        project_id: str,
        version: int | None,
        body: s.CompletionDecisionIn,
    ) -> Project:
        now = self.clock.now()
        return await self.level_above(
            principal,
            project_id,
            version,
            lambda p: p.decide_completion(
                accept=body.accept,
                reasons=tuple(body.reasons),
                comment=body.comment,
                actor=principal.actor,
                now=now,
            ),
        )

    async def evaluate(
        self, principal: Principal, project_id: str, version: int | None, body: s.EvaluationIn
    ) -> Project:
        now = self.clock.now()
        return await self.level_above(
            principal,
            project_id,
            version,
            lambda p: p.evaluate(
                governance_effect=body.governance_effect,
                problem_solved=body.problem_solved,
                plan_completed=body.plan_completed,
                model_case=body.model_case,
                comment=body.comment,
                actor=principal.actor,
                now=now,
            ),
        )

    # ---- the daily clock ----------------------------------------------------
    async def run_daily_checks(self) -> dict[str, list[str]]:
        """Start execution after announcements end (none with an open objection); flag
        overdue stages (each once)."""
        system = Actor(id=SYSTEM, name="定时任务")
        today, now = self.clock.today(), self.clock.now()
        started: list[str] = []
        overdue: list[str] = []
        # Announced projects may start; of those in execution only the ones with a stage
        # month over, unreported and not flagged yet can change (not every project).
        announced = await self.repo.ids_in_status((Status.ANNOUNCED,))
        unflagged = await self.repo.ids_with_unflagged_month_before(month_of(today))
        for project_id in dict.fromkeys([*announced, *unflagged]):
            project = await self.repo.get(project_id)
            if project is None:
                continue

            def check(p: Project) -> None:
                if p.announcement_over(today):
                    p.start_execution(today, system, now)
                    started.append(p.id)
                overdue.extend(f"{p.id}:{m}" for m in p.detect_overdue(today, system, now))

            try:
                await self.uow.change(project, None, check)
            except Conflict:
                continue  # a user changed it meanwhile; the next run catches up
        return {"execution_started": started, "stages_overdue": overdue}

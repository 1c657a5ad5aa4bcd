"""Use cases: who may act, the domain rule, and one write of state plus events.

Two sides act on a project: the *unit side* (the unit's secretary, or staff of
a unit above acting inside their jurisdiction) declares and reports; the
*level above* (the parent unit's secretary or staff; the organisation
department for townships and the city itself) reviews, files, announces,
accepts and evaluates. Everyone reads only inside their region subtree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lingban_contracts import Actor
from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import Clock
from lingban_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lingban_kit.logging import correlation_id
from lingban_projects.projects.domain import Declaration, Project, Status
from lingban_projects.projects.repository import ProjectRepository

UNIT_SIDE_ROLES = (
    Role.VILLAGE_SECRETARY,
    Role.TOWNSHIP_SECRETARY,
    Role.TOWNSHIP_STAFF,
    Role.CITY_ORG,
)
REVIEWER_ROLES = {
    Level.TOWNSHIP: (Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF),
    Level.CITY: (Role.CITY_ORG,),
}
SYSTEM = "system:projects-scheduler"


@dataclass
class ProjectCommands:
    repo: ProjectRepository
    tree: DivisionTree
    clock: Clock
    categories: tuple[str, ...]

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

    # ---- commands ---------------------------------------------------------
    async def declare(
        self, principal: Principal, unit_code: str, year: int, form: Declaration
    ) -> Project:
        unit = self.unit(unit_code)
        self.require_unit_side(principal, unit)
        project = Project.declare(
            unit.code,
            year,
            form,
            principal.actor,
            self.clock.now(),
            self.categories,
            correlation_id.get(),
        )
        await self.repo.add(project)
        return project

    async def unit_side(
        self,
        principal: Principal,
        project_id: str,
        expected_version: int | None,
        change: Callable[[Project], None],
    ) -> Project:
        project = await self.load(principal, project_id)
        self.require_unit_side(principal, self.unit(project.unit_code))
        return await self._apply(project, expected_version, change)

    async def level_above(
        self,
        principal: Principal,
        project_id: str,
        expected_version: int | None,
        change: Callable[[Project], None],
    ) -> Project:
        project = await self.load(principal, project_id)
        self.require_level_above(principal, self.unit(project.unit_code))
        return await self._apply(project, expected_version, change)

    async def _apply(
        self, project: Project, expected_version: int | None, change: Callable[[Project], None]
    ) -> Project:
        if expected_version is not None and expected_version != project.version:
            raise Conflict(
                message=f"项目已更新到第 {project.version} 版，请刷新后重试",
                message_en=f"The project is at version {project.version}, not {expected_version}; reload and retry",
                extra={"current_version": project.version},
            )
        loaded = project.version
        project.correlation_id = correlation_id.get()
        change(project)
        await self.repo.save(project, loaded)
        return project

    # ---- the daily clock ----------------------------------------------------
    async def run_daily_checks(self) -> dict[str, list[str]]:
        """Start execution after announcements end; flag overdue stages (each once)."""
        system = Actor(id=SYSTEM, name="定时任务")
        today, now = self.clock.today(), self.clock.now()
        started: list[str] = []
        overdue: list[str] = []
        for project_id in await self.repo.ids_in_status((Status.ANNOUNCED, Status.IN_EXECUTION)):
            project = await self.repo.get(project_id)
            if project is None:
                continue
            loaded = project.version
            if project.announcement_over(today):
                project.start_execution(today, system, now)
                started.append(project.id)
            overdue += [f"{project.id}:{m}" for m in project.detect_overdue(today, system, now)]
            try:
                await self.repo.save(project, loaded)
            except Conflict:
                continue  # a user changed it meanwhile; the next run catches up
        return {"execution_started": started, "stages_overdue": overdue}

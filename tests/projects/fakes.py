"""Hand-written fakes that subclass the real ports."""

from __future__ import annotations

import copy

from lingban_contracts.regions import in_subtree
from lingban_kit.errors import Conflict
from lingban_projects.projects.domain import Project, Status
from lingban_projects.projects.repository import ProjectRepository, Where


class FakeProjectRepository(ProjectRepository):
    """Keeps snapshots, so a save against a stale version fails like the real one."""

    def __init__(self) -> None:
        self.projects: dict[str, Project] = {}
        self.published: list[str] = []  # event types, in the order they were stored
        self.reads = 0  # `get` calls: each is a round trip to the database
        self.list_reads = 0  # `matching` and `count_at_most` calls
        self.rows_read = 0  # projects `matching` returned

    def _store(self, project: Project) -> None:
        self.published += [e.type for e in project.pending_events]
        project.pending_events.clear()
        self.projects[project.id] = copy.deepcopy(project)

    async def add(self, project: Project) -> None:
        if project.id in self.projects:
            raise Conflict(message="项目已存在", message_en="exists")
        self._store(project)

    async def save(self, project: Project, expected_version: int) -> None:
        if self.projects[project.id].version != expected_version:
            raise Conflict(message="已被修改", message_en="changed meanwhile")
        self._store(project)

    async def get(self, project_id: str) -> Project | None:
        self.reads += 1
        stored = self.projects.get(project_id)
        return copy.deepcopy(stored) if stored else None

    def selected(self, where: Where) -> list[Project]:
        """What `where` selects, unordered (uncounted: for the tests' own reference)."""
        return [
            p
            for p in self.projects.values()
            if (
                p.unit_code == where.region
                if where.unit_only
                else in_subtree(p.unit_code, where.region)
            )
            and (where.year is None or p.year == where.year)
            and (where.status is None or p.status.value == where.status)
            and (where.category is None or p.declaration.category == where.category)
        ]

    async def matching(self, where: Where) -> list[Project]:
        self.list_reads += 1
        found = self.selected(where)
        self.rows_read += len(found)
        return found

    async def count_at_most(self, where: Where, cap: int) -> int:
        self.list_reads += 1
        return min(len(self.selected(where)), cap)

    async def units_with_projects(self, region_code: str, year: int) -> set[str]:
        return {
            p.unit_code
            for p in self.projects.values()
            if in_subtree(p.unit_code, region_code) and p.year == year
        }

    async def ids_in_status(self, statuses: tuple[Status, ...]) -> list[str]:
        return [p.id for p in self.projects.values() if p.status in statuses]

    async def ids_with_unflagged_month_before(self, month: str) -> list[str]:
        return [
            p.id
            for p in self.projects.values()
            if (first := p.first_unflagged_month) is not None and first < month
        ]

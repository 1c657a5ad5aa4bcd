"""Hand-written fakes that subclass the real ports."""

from __future__ import annotations

from lingban_contracts.regions import in_subtree
from lingban_kit.errors import Conflict
from lingban_projects.projects.domain import Project
from lingban_projects.projects.repository import ProjectRepository


class FakeProjectRepository(ProjectRepository):
    def __init__(self) -> None:
        self.projects: dict[str, Project] = {}
        self.published: list[str] = []  # event types, in the order they were stored

    async def add(self, project: Project) -> None:
        if project.id in self.projects:
            raise Conflict(message="项目已存在", message_en="exists")
        self.published += [e.type for e in project.pending_events]
        project.pending_events.clear()
        self.projects[project.id] = project

    async def get(self, project_id: str) -> Project | None:
        return self.projects.get(project_id)

    async def list(
        self, *, region_code: str, year: int | None, limit: int, offset: int
    ) -> list[Project]:
        found = [
            p
            for p in self.projects.values()
            if in_subtree(p.declaration.unit_code, region_code)
            and (year is None or p.declaration.year == year)
        ]
        return found[offset : offset + limit]

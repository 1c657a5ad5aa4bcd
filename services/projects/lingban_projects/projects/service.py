"""Use cases: check who may act, run the domain rule, store state with its events."""

from __future__ import annotations

from datetime import UTC, datetime

from lingban_kit.auth import Principal, Role
from lingban_kit.errors import NotFound
from lingban_kit.logging import correlation_id
from lingban_projects.projects.domain import Declaration, Project
from lingban_projects.projects.repository import ProjectRepository

DECLARING_ROLES = (Role.CITY_ORG, Role.TOWNSHIP_SECRETARY, Role.VILLAGE_SECRETARY)
READING_ROLES = tuple(Role)


async def declare_project(
    repo: ProjectRepository,
    principal: Principal,
    declaration: Declaration,
    now: datetime | None = None,
) -> Project:
    principal.require_any(*DECLARING_ROLES)
    principal.require_jurisdiction(declaration.unit_code)
    project = Project.declare(
        declaration, principal.actor, now or datetime.now(UTC), correlation_id.get()
    )
    await repo.add(project)
    return project


async def get_project(repo: ProjectRepository, principal: Principal, project_id: str) -> Project:
    principal.require_any(*READING_ROLES)
    project = await repo.get(project_id)
    # Outside the jurisdiction looks the same as missing: no probing of ids.
    if project is None or not principal.can_see(project.declaration.unit_code):
        raise NotFound(
            message=f"未找到项目 {project_id}", message_en=f"Project {project_id} not found"
        )
    return project

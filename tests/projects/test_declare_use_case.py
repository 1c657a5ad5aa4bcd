from __future__ import annotations

import pytest

from lingban_kit.auth import Role
from lingban_kit.errors import Forbidden, NotFound
from lingban_projects.projects import service

from .builders import OTHER_TOWNSHIP, TOWNSHIP, VILLAGE, declaration, principal
from .fakes import FakeProjectRepository


async def test_village_secretary_declares_for_own_village() -> None:
    repo = FakeProjectRepository()
    project = await service.declare_project(repo, principal(Role.VILLAGE_SECRETARY), declaration())
    assert repo.projects[project.id] is project
    assert repo.published == ["lingban.projects.project-declared.v1"]


async def test_township_secretary_may_declare_for_a_village_below() -> None:
    repo = FakeProjectRepository()
    await service.declare_project(repo, principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP), declaration())
    assert len(repo.projects) == 1


async def test_declaring_outside_jurisdiction_is_forbidden_and_stores_nothing() -> None:
    repo = FakeProjectRepository()
    with pytest.raises(Forbidden, match="outside your jurisdiction"):
        await service.declare_project(
            repo, principal(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP), declaration()
        )
    assert repo.projects == {}


@pytest.mark.parametrize("role", [Role.LEADER, Role.SUPERVISOR, Role.SUBSCRIBER])
async def test_read_only_roles_cannot_declare(role: Role) -> None:
    with pytest.raises(Forbidden):
        await service.declare_project(FakeProjectRepository(), principal(role), declaration())


async def test_a_project_outside_jurisdiction_reads_as_not_found() -> None:
    repo = FakeProjectRepository()
    project = await service.declare_project(repo, principal(Role.VILLAGE_SECRETARY), declaration())
    assert await service.get_project(repo, principal(Role.LEADER, TOWNSHIP), project.id) is project
    with pytest.raises(NotFound):
        await service.get_project(repo, principal(Role.LEADER, OTHER_TOWNSHIP), project.id)
    assert VILLAGE.startswith(TOWNSHIP[:9])

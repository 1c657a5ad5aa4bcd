"""HTTP routes of the project API (thin: parse, call the use case, render)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from lingban_kit.deps import DatabaseDep, PrincipalDep, RuntimeDep
from lingban_projects.projects import service
from lingban_projects.projects.repository import MongoProjectRepository, ProjectRepository
from lingban_projects.projects.schemas import DeclarationIn, ProjectOut

router = APIRouter(prefix="/v1/projects", tags=["projects"])


def get_repository(db: DatabaseDep) -> ProjectRepository:
    return MongoProjectRepository(db)


RepositoryDep = Annotated[ProjectRepository, Depends(get_repository)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Declare a project (申报)")
async def declare(
    body: DeclarationIn, principal: PrincipalDep, repo: RepositoryDep, runtime: RuntimeDep
) -> ProjectOut:
    project = await service.declare_project(repo, principal, body.to_domain())
    runtime.wake_relay()
    return ProjectOut.of(project)


@router.get("/{project_id}", summary="Read one project")
async def read(project_id: str, principal: PrincipalDep, repo: RepositoryDep) -> ProjectOut:
    return ProjectOut.of(await service.get_project(repo, principal, project_id))


@router.get("", summary="List projects in your jurisdiction")
async def list_projects(
    principal: PrincipalDep,
    repo: RepositoryDep,
    year: int | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ProjectOut]:
    root = region or principal.region_code
    principal.require_jurisdiction(root)
    projects = await repo.list(region_code=root, year=year, limit=limit, offset=offset)
    return [ProjectOut.of(p) for p in projects]

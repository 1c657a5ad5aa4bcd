"""Query API over the project read model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from lingban_contracts.regions import region_prefix
from lingban_kit.deps import DatabaseDep, PrincipalDep
from lingban_kit.errors import NotFound
from lingban_reporting.projects.projection import VIEWS

router = APIRouter(prefix="/v1/projects", tags=["projects"])


class ProjectView(BaseModel):
    id: str
    version: int
    unit_code: str
    year: int
    title: str
    category: str
    lead_secretary: str
    deadline: str
    stage_count: int
    status: str
    declared_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, doc: dict[str, Any]) -> ProjectView:
        return cls.model_validate({**doc, "id": doc["_id"]})


@router.get("/{project_id}", summary="One project as the read model sees it")
async def read(project_id: str, principal: PrincipalDep, db: DatabaseDep) -> ProjectView:
    doc = await db[VIEWS].find_one({"_id": project_id})
    if doc is None or not principal.can_see(doc["unit_code"]):
        raise NotFound(
            message=f"未找到项目 {project_id}", message_en=f"Project {project_id} not found"
        )
    return ProjectView.of(doc)


@router.get("", summary="Projects in a region subtree")
async def list_views(
    principal: PrincipalDep,
    db: DatabaseDep,
    year: int | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    category: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ProjectView]:
    root = region or principal.region_code
    principal.require_jurisdiction(root)
    query: dict[str, Any] = {"unit_code": {"$regex": f"^{region_prefix(root)}"}}
    for key, value in (("year", year), ("category", category), ("status", status)):
        if value is not None:
            query[key] = value
    cursor = db[VIEWS].find(query).sort([("declared_at", 1), ("_id", 1)]).skip(offset).limit(limit)
    return [ProjectView.of(d) async for d in cursor]

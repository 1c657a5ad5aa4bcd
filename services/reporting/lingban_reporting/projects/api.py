"""Query API over the per-project read model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from lingban_contracts.divisions import DivisionTree
from lingban_kit.deps import PrincipalDep
from lingban_kit.errors import NotFound
from lingban_kit.params import OffsetQuery
from lingban_reporting.deps import ModelsDep, ScopeDep, TreeDep
from lingban_reporting.projects.repository import MongoProjectReadRepository, ProjectFilter
from lingban_reporting.projects.state import STATUS_ZH

router = APIRouter(prefix="/v1/projects", tags=["projects"])


class ProjectView(BaseModel):
    id: str
    unit_code: str
    unit_name: str
    township_code: str | None
    year: int
    title: str
    category: str
    status: str
    status_zh: str
    lead_secretary: str
    deadline: str | None
    stages_total: int
    stages_done: int
    overdue_months: list[str]
    rating: str | None
    model_case: bool
    completed: bool
    weekly_reports: int
    version: int
    updated_at: datetime | None

    @classmethod
    def of(cls, doc: dict[str, Any], tree: DivisionTree) -> ProjectView:
        unit = tree.get(str(doc["unit_code"]))
        return cls(
            id=str(doc["_id"]),
            unit_code=doc["unit_code"],
            unit_name=unit.name if unit else "",
            township_code=doc.get("township_code"),
            year=doc["year"],
            title=doc.get("title", ""),
            category=doc.get("category", ""),
            status=doc["status"],
            status_zh=STATUS_ZH.get(doc["status"], doc["status"]),
            lead_secretary=doc.get("lead_secretary", ""),
            deadline=doc.get("deadline"),
            stages_total=doc.get("stages_total", 0),
            stages_done=doc.get("stages_done", 0),
            overdue_months=doc.get("overdue_months", []),
            rating=doc.get("rating"),
            model_case=bool(doc.get("model_case")),
            completed=bool(doc.get("completed")),
            weekly_reports=len(doc.get("weeks", [])),
            version=doc.get("version", 0),
            updated_at=doc.get("updated_at"),
        )


class ProjectPage(BaseModel):
    total: int
    items: list[ProjectView]


@router.get("/{project_id}", summary="One project as the read model sees it")
async def read(
    project_id: str, principal: PrincipalDep, models: ModelsDep, tree: TreeDep
) -> ProjectView:
    doc = await MongoProjectReadRepository(models, tree).get(project_id)
    if doc is None or not principal.can_see(doc["unit_code"]):
        raise NotFound(
            message=f"未找到项目 {project_id}", message_en=f"Project {project_id} not found"
        )
    return ProjectView.of(doc, tree)


@router.get("", summary="Projects of a region subtree, filtered and paginated")
async def list_views(
    models: ModelsDep,
    tree: TreeDep,
    scope: ScopeDep,
    category: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: OffsetQuery = 0,
) -> ProjectPage:
    where = ProjectFilter(
        year=scope.year,
        region=scope.region.code,
        category=category,
        status=status,
        overdue=overdue,
    )
    total, docs = await MongoProjectReadRepository(models, tree).page(where, limit, offset)
    return ProjectPage(total=total, items=[ProjectView.of(d, tree) for d in docs])

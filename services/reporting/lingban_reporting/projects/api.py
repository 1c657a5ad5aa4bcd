"""Query API over the per-project read model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from lingban_contracts.divisions import DivisionTree
from lingban_contracts.statuses import PROJECT_KIND_ZH, ProjectKind
from lingban_kit.deps import PrincipalDep
from lingban_kit.errors import NotFound
from lingban_kit.params import OffsetQuery
from lingban_reporting.deps import ModelsDep, ScopeDep, TreeDep
from lingban_reporting.ledgers.labels import RATING_ZH, zh
from lingban_reporting.projects.repository import MongoProjectReadRepository, ProjectFilter
from lingban_reporting.projects.state import STATUS_ZH, weeks_reported

router = APIRouter(prefix="/v1/projects", tags=["projects"])
KIND_ZH: dict[str, str] = {k.value: v for k, v in PROJECT_KIND_ZH.items()}


class CriterionView(BaseModel):
    """One review criterion (切口小、有难度、示范强、能完成) as judged; comments stay in projects."""

    criterion: str
    met: bool


class ObjectionView(BaseModel):
    """A 公示 objection: whether it is open, upheld or dismissed (its text stays in projects)."""

    id: str
    received_offline: bool | None
    raised_at: datetime | None
    outcome: str | None = Field(description="upheld | dismissed; null while open")
    resolved_at: datetime | None


class ChangeRequestView(BaseModel):
    """A 变更 / 撤销 request and how the level above decided."""

    id: str
    kind: str | None = Field(description="change | withdrawal")
    reason: str | None
    requested_at: datetime | None
    decision: str | None = Field(description="approved | rejected; null while pending")
    decided_at: datetime | None


class ProjectView(BaseModel):
    id: str
    unit_code: str
    unit_name: str
    township_code: str | None
    year: int
    title: str
    category: str
    kind: str = Field(description="secretary_project | secretary_led_item")
    kind_zh: str = Field(description="书记项目 / 书记领办事项")
    status: str
    status_zh: str
    lead_secretary: str
    deadline: str | None
    stages_total: int
    stages_done: int
    overdue_months: list[str]
    lagging_months: list[str] = Field(
        description="滞后: not done, and flagged overdue or last reported partly/blocked"
    )
    review_criteria: list[CriterionView] = Field(description="Of the latest review")
    objections: list[ObjectionView]
    objections_open: int
    change_requests: list[ChangeRequestView]
    withdrawn: bool
    rating: str | None
    rating_zh: str | None = Field(default=None, description="优秀/良好/一般/较差")
    model_case: bool
    completed: bool
    weekly_reports: int
    version: int
    updated_at: datetime | None

    @classmethod
    def of(cls, doc: dict[str, Any], tree: DivisionTree) -> ProjectView:
        unit = tree.get(str(doc["unit_code"]))
        kind = str(doc.get("kind") or ProjectKind.SECRETARY_PROJECT)
        review = doc.get("review") or {}
        return cls(
            id=str(doc["_id"]),
            unit_code=doc["unit_code"],
            unit_name=unit.name if unit else "",
            township_code=doc.get("township_code"),
            year=doc["year"],
            title=doc.get("title", ""),
            category=doc.get("category", ""),
            kind=kind,
            kind_zh=KIND_ZH.get(kind, kind),
            status=doc["status"],
            status_zh=STATUS_ZH.get(doc["status"], doc["status"]),
            lead_secretary=doc.get("lead_secretary", ""),
            deadline=doc.get("deadline"),
            stages_total=doc.get("stages_total", 0),
            stages_done=doc.get("stages_done", 0),
            overdue_months=doc.get("overdue_months", []),
            lagging_months=doc.get("lagging_months", []),
            review_criteria=[
                CriterionView(criterion=c["criterion"], met=c["met"])
                for c in review.get("criteria") or []
            ],
            objections=[
                ObjectionView(
                    id=o["id"],
                    received_offline=o.get("received_offline"),
                    raised_at=o.get("raised_at"),
                    outcome=o.get("outcome"),
                    resolved_at=o.get("resolved_at"),
                )
                for o in doc.get("objections") or []
            ],
            objections_open=int(doc.get("objections_open") or 0),
            change_requests=[
                ChangeRequestView(
                    id=r["id"],
                    kind=r.get("kind"),
                    reason=r.get("reason"),
                    requested_at=r.get("requested_at"),
                    decision=r.get("decision"),
                    decided_at=r.get("decided_at"),
                )
                for r in doc.get("change_requests") or []
            ],
            withdrawn=bool(doc.get("withdrawn")),
            rating=doc.get("rating"),
            rating_zh=zh(RATING_ZH, doc.get("rating")) or None,
            model_case=bool(doc.get("model_case")),
            completed=bool(doc.get("completed")),
            weekly_reports=len(weeks_reported(doc)),
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

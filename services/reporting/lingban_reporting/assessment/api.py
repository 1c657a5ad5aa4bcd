"""Query API over the assessment read models: the year's scores and ranks, the praise
and 约谈 lists with the talks held, and the published model-case library."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_contracts.events.assessment import (
    MODEL_CASE_KIND_ZH,
    AssessmentStatus,
    Components,
    ListBasis,
    ModelCaseKind,
    ModelCaseStatus,
    Weights,
)
from lingban_contracts.events.projects import Rating
from lingban_contracts.regions import in_subtree
from lingban_kit.regions import within
from lingban_reporting.deps import ModelsDep, ScopeDep, TreeDep
from lingban_reporting.ledgers.labels import RATING_ZH, zh
from lingban_reporting.overview.schemas import UnitRef
from lingban_reporting.read_models.generations import ASSESSMENTS, MODEL_CASES

router = APIRouter(prefix="/v1", tags=["assessment"])

BASIS_ZH = {
    ListBasis.RATING: "评价等次",
    ListBasis.RANK: "排名靠前",
    ListBasis.SCORE: "考核得分",
    ListBasis.MANUAL: "组织部调整",
}
STATUS_ZH = {AssessmentStatus.DRAFT: "草稿（未定稿）", AssessmentStatus.FINALIZED: "已定稿"}


class UnitScoreView(BaseModel):
    unit: UnitRef
    rating: Rating | None
    rating_zh: str = Field(description="The rating in Chinese (优秀/良好/一般/较差), '' if none")
    components: Components
    score: float
    adjustment: float
    party_building_points: float
    rank: int = Field(description="Among the whole city's units of its level")


class TalkHeldView(BaseModel):
    held_on: str
    held_by: str
    attendees: list[str]


class ListEntryView(BaseModel):
    unit: UnitRef
    basis: ListBasis
    basis_zh: str
    reason: str | None
    score: float | None
    rating_zh: str
    talks_held: list[TalkHeldView] = Field(
        default_factory=list, description="For the 约谈 list: the talks recorded so far"
    )


class AssessmentReport(BaseModel):
    """The year-end assessment of a region's units (finalized scores only)."""

    region: UnitRef
    assessing_region: str | None = Field(description="The city that assesses it")
    year: int
    status: AssessmentStatus | None = Field(description="Null: no assessment recorded yet")
    status_zh: str
    finalized_at: datetime | None
    weights: Weights | None
    party_building_share: float | None
    average_score: float | None
    scores: list[UnitScoreView] = Field(description="By level, then rank")
    praise: list[ListEntryView] = Field(description="表扬名单")
    talks: list[ListEntryView] = Field(description="约谈名单")
    talks_held: int = Field(description="约谈 recorded for the units on the list")
    adjustments: int = Field(description="Manual 加分/扣分 recorded")


class ModelCaseView(BaseModel):
    id: str
    kind: ModelCaseKind
    kind_zh: str
    unit: UnitRef
    project_id: str | None
    year: int
    title: str
    summary: str
    published_on: str | None


def library_filter(region: str, year: int | None) -> dict[str, Any]:
    """The model cases of a region subtree (and year): `generations.py`'s index."""
    query: dict[str, Any] = {**within(region)}
    if year is not None:
        query["year"] = year
    return query


def _ref(tree: DivisionTree, code: str) -> UnitRef:
    unit = tree.get(code)
    if unit is None:
        return UnitRef(code=code, name=code, level=Level.VILLAGE)
    return UnitRef(code=unit.code, name=unit.name, level=unit.level)


def _city(tree: DivisionTree, unit: Unit) -> Unit:
    found: Unit | None = unit
    top = unit
    while found is not None:
        top = found
        found = tree.get(found.parent) if found.parent else None
    return top


def report(
    doc: dict[str, Any] | None, region: Unit, year: int, tree: DivisionTree
) -> AssessmentReport:
    """The read-model document as a reader of `region` sees it (pure)."""

    def inside(code: str) -> bool:
        return in_subtree(code, region.code)

    if doc is None:
        return AssessmentReport(
            region=_ref(tree, region.code),
            assessing_region=None,
            year=year,
            status=None,
            status_zh="未开展",
            finalized_at=None,
            weights=None,
            party_building_share=None,
            average_score=None,
            scores=[],
            praise=[],
            talks=[],
            talks_held=0,
            adjustments=0,
        )
    status = AssessmentStatus(doc["status"])
    scores = [s for s in doc.get("scores", []) if inside(s["unit_code"])]
    by_unit = {s["unit_code"]: s for s in scores}
    held: dict[str, list[TalkHeldView]] = {}
    for talk in sorted(doc.get("talks_held", {}).values(), key=lambda t: t["held_on"]):
        held.setdefault(talk["unit_code"], []).append(TalkHeldView(**talk))

    def entry(raw: dict[str, Any]) -> ListEntryView:
        score = by_unit.get(raw["unit_code"], {})
        return ListEntryView(
            unit=_ref(tree, raw["unit_code"]),
            basis=ListBasis(raw["basis"]),
            basis_zh=BASIS_ZH[ListBasis(raw["basis"])],
            reason=raw.get("reason"),
            score=score.get("score"),
            rating_zh=zh(RATING_ZH, score.get("rating")),
            talks_held=held.get(raw["unit_code"], []),
        )

    talks = [entry(e) for e in doc.get("talks", []) if inside(e["unit_code"])]
    scheme = doc.get("scheme") or {}
    depth = {level: i for i, level in enumerate(Level)}
    views = [
        UnitScoreView(
            unit=_ref(tree, s["unit_code"]),
            rating=s.get("rating"),
            rating_zh=zh(RATING_ZH, s.get("rating")),
            components=Components.model_validate(s["components"]),
            score=s["score"],
            adjustment=s["adjustment"],
            party_building_points=s["party_building_points"],
            rank=s["rank"],
        )
        for s in scores
    ]
    views.sort(key=lambda v: (depth.get(v.unit.level, 9), v.rank, v.unit.code))
    return AssessmentReport(
        region=_ref(tree, region.code),
        assessing_region=doc["region_code"],
        year=year,
        status=status,
        status_zh=STATUS_ZH[status],
        finalized_at=doc.get("finalized_at"),
        weights=Weights.model_validate(scheme["weights"]) if scheme else None,
        party_building_share=scheme.get("party_building_share") if scheme else None,
        average_score=(round(sum(v.score for v in views) / len(views), 2) if views else None),
        scores=views,
        praise=[entry(e) for e in doc.get("praise", []) if inside(e["unit_code"])],
        talks=talks,
        talks_held=sum(len(t.talks_held) for t in talks),
        adjustments=sum(1 for a in doc.get("adjustments", {}).values() if inside(a["unit_code"])),
    )


@router.get(
    "/assessments",
    summary="Year-end assessment: scores and ranks, praise and 约谈 lists (考核结果运用)",
)
async def assessment(models: ModelsDep, tree: TreeDep, scope: ScopeDep) -> AssessmentReport:
    city = _city(tree, scope.region)
    doc = await models.collection(ASSESSMENTS).find_one({"_id": f"{city.code}-{scope.year}"})
    return report(doc, scope.region, scope.year, tree)


@router.get(
    "/model-cases", summary="The published model-case library (一项目一品牌、样板镇、示范村)"
)
async def model_cases(
    models: ModelsDep, tree: TreeDep, scope: ScopeDep, all_years: bool = False
) -> list[ModelCaseView]:
    query = library_filter(scope.region.code, None if all_years else scope.year)
    docs = await models.collection(MODEL_CASES).find(query).to_list(None)
    published = [d for d in docs if d.get("status") == ModelCaseStatus.PUBLISHED]
    published.sort(key=lambda d: (str(d.get("published_on") or ""), d["_id"]), reverse=True)
    return [
        ModelCaseView(
            id=str(d["_id"]),
            kind=ModelCaseKind(d["kind"]),
            kind_zh=MODEL_CASE_KIND_ZH[ModelCaseKind(d["kind"])],
            unit=_ref(tree, d["unit_code"]),
            project_id=d.get("project_id"),
            year=d["year"],
            title=d["title"],
            summary=d["summary"],
            published_on=d.get("published_on"),
        )
        for d in published
    ]

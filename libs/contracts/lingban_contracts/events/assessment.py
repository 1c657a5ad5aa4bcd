"""Payloads of the year-end assessment (考核) and the model-case library, topic
`lingban.supervision.v1` (the supervision service produces them).

Aggregates and their record keys:
- an assessment (年度考核) of one city for one year, key `assessment_id`
  (`<city code>-<year>`): the scheme (weights and the rules of the results' use)
  is set, manual adjustments (加分/扣分) and changes to the praise and 约谈 lists
  are recorded while it is a draft; `assessment-finalized` freezes every unit's
  score, the ranking and the two lists; then the 约谈 held are recorded;
- a model case (典型案例: 一项目一品牌, 样板镇, 示范村), key `case_id`:
  nominated → published | withdrawn.

Every assessment event carries the assessing city as `region_code`; those about
one unit (an adjustment, a list change, a 约谈) and the model-case events carry it
as `unit_code` too, and their envelope's region code is then that unit. Other government systems (assessment
and statistics systems) read these events: they are public and versioned like
every other contract.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lingban_contracts.base import EventData
from lingban_contracts.events.projects import Rating
from lingban_contracts.regions import RegionCode
from lingban_contracts.topics import SUPERVISION

TOPIC = SUPERVISION

ASSESSMENT_ID_PATTERN = r"^\d{12}-\d{4}$"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- vocabularies ------------------------------------------------------------
class ResultList(enum.StrEnum):
    PRAISE = "praise"  # 表扬
    TALK = "talk"  # 约谈


class ListAction(enum.StrEnum):
    ADD = "add"
    REMOVE = "remove"


class ListBasis(enum.StrEnum):
    """Why a unit is on a list."""

    RATING = "rating"  # its project's year-end rating (e.g. 优秀 → 表扬; 一般及以下 → 约谈)
    RANK = "rank"  # among the first of its level by score
    SCORE = "score"  # its score passed (or fell below) the threshold
    MANUAL = "manual"  # added by the organisation department, with a reason


class ModelCaseKind(enum.StrEnum):
    PROJECT = "project"  # 一项目一品牌 / 一项目一典型
    MODEL_TOWNSHIP = "model_township"  # 样板镇（街道）
    MODEL_VILLAGE = "model_village"  # 示范村（社区）


MODEL_CASE_KIND_ZH: dict[ModelCaseKind, str] = {
    ModelCaseKind.PROJECT: "一项目一品牌",
    ModelCaseKind.MODEL_TOWNSHIP: "样板镇（街道）",
    ModelCaseKind.MODEL_VILLAGE: "示范村（社区）",
}


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"  # 草稿: scores follow the records
    FINALIZED = "finalized"  # 已定稿: scores, ranking and lists frozen and published


class ModelCaseStatus(enum.StrEnum):
    NOMINATED = "nominated"  # 已推荐
    PUBLISHED = "published"  # 已发布
    WITHDRAWN = "withdrawn"  # 已撤回


# ---- the scheme --------------------------------------------------------------
class Weights(_Part):
    """Percentages of the assessment score; they add up to 100."""

    project: int = Field(default=40, ge=0, le=100, description="项目成效：年底评价等次")
    inspections: int = Field(default=20, ge=0, le=100, description="督导检查平均得分")
    deductions: int = Field(default=15, ge=0, le=100, description="督导扣分（100 减全年扣分）")
    rectification: int = Field(default=15, ge=0, le=100, description="整改按期完成")
    visits: int = Field(default=10, ge=0, le=100, description="驻点联系走访")

    @model_validator(mode="after")
    def _adds_up(self) -> Weights:
        total = self.project + self.inspections + self.deductions + self.rectification
        total += self.visits
        if total != 100:
            raise ValueError(f"weights must add up to 100 (%), not {total}")
        return self


class RatingPoints(_Part):
    """The project component's points (of 100) for each year-end rating."""

    excellent: int = Field(default=100, ge=0, le=100, description="优秀")
    good: int = Field(default=85, ge=0, le=100, description="良好")
    average: int = Field(default=70, ge=0, le=100, description="一般")
    poor: int = Field(default=50, ge=0, le=100, description="较差")

    @model_validator(mode="after")
    def _ordered(self) -> RatingPoints:
        if not self.excellent >= self.good >= self.average >= self.poor:
            raise ValueError("a better rating may not earn fewer points")
        return self

    def of(self, rating: Rating) -> int:
        points: int = getattr(self, rating.value)
        return points


class PraiseRule(_Part):
    """Who is praised (表扬): any of the conditions set."""

    ratings: list[Rating] = Field(
        default_factory=lambda: [Rating.EXCELLENT],
        max_length=4,
        description="Units whose project rating is one of these (default: 优秀)",
    )
    top_per_level: int = Field(
        default=0, ge=0, le=1000, description="And the first N of each level by score (0: none)"
    )
    min_score: float | None = Field(
        default=None, ge=0, le=100, description="And every unit scoring at least this"
    )


class TalkRule(_Part):
    """Who is called to a talk (约谈): any of the conditions set. A unit on this list is
    not praised by the rules (the organisation department may still add it)."""

    ratings: list[Rating] = Field(
        default_factory=lambda: [Rating.AVERAGE, Rating.POOR],
        max_length=4,
        description="Units whose project rating is one of these (default: 一般及以下)",
    )
    below_score: float | None = Field(
        default=60, ge=0, le=100, description="And every unit scoring below this (null: none)"
    )


class Scheme(_Part):
    """How a city's assessment of a year is computed and used (考核方案)."""

    weights: Weights = Field(default_factory=Weights)
    party_building_share: float = Field(
        default=10,
        ge=0,
        le=100,
        description="Percent of the grassroots party-building assessment this score makes up "
        "(the reports: 10 %)",
    )
    rating_points: RatingPoints = Field(default_factory=RatingPoints)
    visits_per_village: int = Field(
        default=12,
        ge=1,
        le=366,
        description="Visits a village should have in the year for full visit points",
    )
    praise: PraiseRule = Field(default_factory=PraiseRule)
    talk: TalkRule = Field(default_factory=TalkRule)


# ---- parts of the results ----------------------------------------------------
class Components(_Part):
    """A unit's sub-scores (each of 100); null where there was nothing to measure
    (never inspected, no rectification settled, no villages to visit): that weight
    is then shared out over the others."""

    project: float = Field(ge=0, le=100)
    inspections: float | None = Field(ge=0, le=100)
    deductions: float | None = Field(ge=0, le=100)
    rectification: float | None = Field(ge=0, le=100)
    visits: float | None = Field(ge=0, le=100)


class UnitScore(_Part):
    """One unit's frozen result."""

    unit_code: RegionCode
    level: str = Field(description="city | township | village (the division tree's levels)")
    rating: Rating | None = Field(
        description="The lowest year-end rating of its evaluated projects; null if none"
    )
    components: Components
    weighted: float = Field(ge=0, le=100, description="Weighted score before adjustments")
    adjustment: float = Field(description="Sum of the manual 加分/扣分")
    score: float = Field(ge=0, le=100, description="Final score (0-100)")
    party_building_points: float = Field(
        ge=0, description="score × party_building_share / 100: points of the party-building score"
    )
    rank: int = Field(ge=1, description="Rank among the units of its level (ties share a rank)")


class ListEntry(_Part):
    unit_code: RegionCode
    basis: ListBasis
    reason: str | None = Field(default=None, max_length=500, description="For manual entries")


# ---- events ------------------------------------------------------------------
class AssessmentEvent(EventData):
    assessment_id: str = Field(pattern=ASSESSMENT_ID_PATTERN)
    region_code: RegionCode = Field(description="The assessing city")
    year: int


class AssessmentSchemeSet(AssessmentEvent):
    """The city organisation department set the weights and rules (考核方案)."""

    scheme: Scheme


class AssessmentAdjusted(AssessmentEvent):
    """A manual 加分 (positive) or 扣分 (negative) for one unit, with its reason."""

    unit_code: RegionCode
    adjustment_id: str
    points: float = Field(ge=-100, le=100)
    reason: str = Field(min_length=1, max_length=500)


class AssessmentListChanged(AssessmentEvent):
    """Before finalizing: a unit put on or taken off the praise or 约谈 list, with a reason."""

    unit_code: RegionCode
    list: ResultList
    action: ListAction
    reason: str = Field(min_length=1, max_length=500)


class AssessmentFinalized(AssessmentEvent):
    """The assessment is final: every unit's score, the ranking and the two lists."""

    finalized_at: datetime
    scheme: Scheme
    scores: list[UnitScore]
    praise: list[ListEntry] = Field(description="表扬名单")
    talks: list[ListEntry] = Field(description="约谈名单")


class AdmonitionTalkRecorded(AssessmentEvent):
    """A 约谈 of a unit on the finalized list took place (the notes stay in the service)."""

    unit_code: RegionCode
    talk_id: str
    held_on: date
    held_by: str = Field(min_length=1, max_length=100, description="谈话人")
    attendees: list[str] = Field(max_length=50, description="被约谈人")


class ModelCaseEvent(EventData):
    case_id: str
    unit_code: RegionCode
    year: int


class ModelCaseNominated(ModelCaseEvent):
    """The organisation department nominated a model case (典型案例)."""

    kind: ModelCaseKind
    project_id: str | None = Field(description="For a project case: the completed project")
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=4000)


class ModelCasePublished(ModelCaseEvent):
    """Published in the model-case library, which leaders and the public read."""

    kind: ModelCaseKind
    project_id: str | None
    title: str
    summary: str
    published_on: date


class ModelCaseWithdrawn(ModelCaseEvent):
    """Taken out of the library (or never published), with a reason."""

    reason: str = Field(min_length=1, max_length=500)


EVENTS: tuple[tuple[str, type[EventData], str], ...] = (
    (
        "lingban.supervision.assessment-scheme-set.v1",
        AssessmentSchemeSet,
        "A city's assessment scheme for a year: weights, party-building share, list rules.",
    ),
    (
        "lingban.supervision.assessment-adjusted.v1",
        AssessmentAdjusted,
        "A manual adjustment (加分/扣分) of one unit's assessment score, with its reason.",
    ),
    (
        "lingban.supervision.assessment-list-changed.v1",
        AssessmentListChanged,
        "A unit put on or taken off the praise (表扬) or talk (约谈) list before finalizing.",
    ),
    (
        "lingban.supervision.assessment-finalized.v1",
        AssessmentFinalized,
        "The year's assessment is final: every unit's score and rank, the praise and 约谈 lists.",
    ),
    (
        "lingban.supervision.admonition-talk-recorded.v1",
        AdmonitionTalkRecorded,
        "A 约谈 of a unit on the finalized list took place (date, who held it, who attended).",
    ),
    (
        "lingban.supervision.model-case-nominated.v1",
        ModelCaseNominated,
        "A completed project, a 样板镇 or a 示范村 was nominated as a model case.",
    ),
    (
        "lingban.supervision.model-case-published.v1",
        ModelCasePublished,
        "A model case was published in the library (一项目一品牌).",
    ),
    (
        "lingban.supervision.model-case-withdrawn.v1",
        ModelCaseWithdrawn,
        "A model case was withdrawn from the library, with a reason.",
    ),
)

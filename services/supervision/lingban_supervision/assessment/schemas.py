"""Request and response bodies of the assessment (考核) and the model-case library."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, computed_field

from lingban_contracts import Actor
from lingban_contracts.events.assessment import (
    AssessmentStatus,
    ListAction,
    ListEntry,
    ModelCaseKind,
    ModelCaseStatus,
    ResultList,
    Scheme,
    UnitScore,
)
from lingban_contracts.regions import RegionCode
from lingban_supervision.assessment.cases import KIND_ZH, ModelCase
from lingban_supervision.assessment.cases import STATUS_ZH as CASE_STATUS_ZH
from lingban_supervision.assessment.domain import STATUS_ZH
from lingban_supervision.assessment.service import AssessmentView
from lingban_supervision.schemas import AggregateOut, Out

Year = Annotated[int, Field(ge=2000, le=2100)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- requests ----------------------------------------------------------------------
class SchemeIn(Scheme):
    """The scheme of one city and year (defaults where left out; weights must add up to 100)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    region_code: RegionCode = Field(description="The assessing city")
    year: Year

    def scheme(self) -> Scheme:
        return Scheme.model_validate(self.model_dump(exclude={"region_code", "year"}))


class AdjustmentIn(_In):
    year: Year
    unit_code: RegionCode
    points: float = Field(ge=-100, le=100, description="加分 positive, 扣分 negative")
    reason: Reason


class ListChangeIn(_In):
    year: Year
    unit_code: RegionCode
    list: ResultList
    action: ListAction
    reason: Reason


class FinalizationIn(_In):
    region_code: RegionCode = Field(description="The assessing city")
    year: Year


class TalkIn(_In):
    year: Year
    unit_code: RegionCode = Field(description="The unit on the 约谈 list")
    held_on: date
    held_by: str = Field(min_length=1, max_length=100, description="谈话人")
    attendees: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50, description="被约谈人"
    )
    notes: str | None = Field(default=None, max_length=4000, description="谈话记录")


class ModelCaseIn(_In):
    kind: ModelCaseKind
    unit_code: RegionCode
    project_id: str | None = Field(default=None, max_length=64, description="For kind=project")
    year: Year
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=4000)


class WithdrawalIn(_In):
    reason: Reason


# ---- responses ---------------------------------------------------------------------
class SchemeOut(BaseModel):
    """A city's assessment scheme for a year."""

    assessment_id: str
    region_code: str
    year: int
    version: int = Field(description="Send as If-Match to change it")
    status: AssessmentStatus
    defaults: bool = Field(description="True while the city has set no scheme (defaults apply)")
    scheme: Scheme


class AdjustmentOut(Out):
    id: str
    unit_code: str
    points: float
    reason: str
    by: Actor | None = Field(description="Who recorded it; null for leaders and subscribers")
    at: datetime


class ListChangeOut(Out):
    unit_code: str
    list: ResultList
    action: ListAction
    reason: str
    by: Actor | None = Field(description="Who recorded it; null for leaders and subscribers")
    at: datetime


class TalkOut(Out):
    id: str
    unit_code: str
    held_on: date
    held_by: str
    attendees: list[str]
    notes: str | None = Field(description="Null when a leader or subscriber reads it")
    by: Actor | None = Field(description="Who recorded it; null for leaders and subscribers")
    at: datetime


class AssessmentOut(BaseModel):
    """The assessment of the units of a region: the draft, computed from the records now,
    or the frozen result once finalized."""

    assessment_id: str
    region_code: str = Field(description="The region shown (the reader's subtree)")
    assessing_region: str = Field(description="The city that assesses it")
    year: int
    version: int
    status: AssessmentStatus
    status_zh: str
    finalized_at: datetime | None
    scheme: Scheme
    scores: list[UnitScore] = Field(description="Per unit; ranks are among the whole city's")
    praise: list[ListEntry] = Field(description="表扬名单")
    talks: list[ListEntry] = Field(description="约谈名单")
    adjustments: list[AdjustmentOut]
    list_changes: list[ListChangeOut]
    talks_held: list[TalkOut]
    withheld: bool = Field(
        default=False,
        description="True for leaders and subscribers: talk notes and who recorded what are "
        "left out",
    )

    @classmethod
    def of(cls, view: AssessmentView, public: bool) -> AssessmentOut:
        a = view.assessment
        talks = [TalkOut.model_validate(t) for t in view.talks_held]
        adjustments = [AdjustmentOut.model_validate(x) for x in view.adjustments]
        changes = [ListChangeOut.model_validate(x) for x in view.list_changes]
        if public:
            # The decisions and their reasons, not who in the department recorded them
            # nor what was said in a talk (LB-14).
            talks = [t.model_copy(update={"notes": None, "by": None}) for t in talks]
            adjustments = [x.model_copy(update={"by": None}) for x in adjustments]
            changes = [x.model_copy(update={"by": None}) for x in changes]
        return cls(
            assessment_id=a.id,
            region_code=view.region_code,
            assessing_region=a.region_code,
            year=a.year,
            version=a.version,
            status=a.status,
            status_zh=STATUS_ZH[a.status],
            finalized_at=a.finalized_at,
            scheme=a.scheme,
            scores=view.scores,
            praise=view.praise,
            talks=view.talks,
            adjustments=adjustments,
            list_changes=changes,
            talks_held=talks,
            withheld=public,
        )


class ModelCaseOut(AggregateOut):
    """A model case (典型案例)."""

    kind: ModelCaseKind
    unit_code: str
    project_id: str | None
    year: int
    title: str
    summary: str
    status: ModelCaseStatus
    nominated_at: datetime
    published_on: date | None
    withdrawal_reason: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind_zh(self) -> str:
        return KIND_ZH[self.kind]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status_zh(self) -> str:
        return CASE_STATUS_ZH[self.status]

    @classmethod
    def of(cls, case: ModelCase) -> ModelCaseOut:
        return cls.model_validate(case)

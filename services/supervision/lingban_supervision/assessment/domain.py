"""A city's year-end assessment (年度考核) as one aggregate (pure).

draft ─set scheme / adjust / change a list─→ draft ─finalize─→ finalized ─record a 约谈─→ …

While it is a draft its scores follow the records (`scoring.py` over the facts
of the moment); finalizing freezes the scores, the ranking and the two lists in
the aggregate and publishes them in one event. The id is `<city>-<year>`, so
there is one per city and year, made by its first command.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from lingban_contracts import Actor
from lingban_contracts.events import assessment as ev
from lingban_contracts.events.assessment import (
    AssessmentStatus,
    ListAction,
    ListEntry,
    ResultList,
    Scheme,
    UnitScore,
)
from lingban_kit.errors import FieldProblem, InvalidTransition, ValidationFailed
from lingban_kit.idempotency import RequestMark, already_applied
from lingban_supervision.aggregate import Aggregate
from lingban_supervision.assessment.scoring import ListOverride

STATUS_ZH = {AssessmentStatus.DRAFT: "草稿", AssessmentStatus.FINALIZED: "已定稿"}
LIST_ZH = {ResultList.PRAISE: "表扬名单", ResultList.TALK: "约谈名单"}


def assessment_id(region_code: str, year: int) -> str:
    return f"{region_code}-{year}"


@dataclass(frozen=True)
class Adjustment:
    """A manual 加分 (positive) or 扣分 (negative), with its reason."""

    id: str
    unit_code: str
    points: float
    reason: str
    by: Actor
    at: datetime
    # The request that made it, when it carried an Idempotency-Key (a retry adds none).
    request: RequestMark | None = None


@dataclass(frozen=True)
class ListChange:
    unit_code: str
    list: ResultList
    action: ListAction
    reason: str
    by: Actor
    at: datetime

    def override(self) -> ListOverride:
        return ListOverride(self.unit_code, self.list, self.action, self.reason)


@dataclass(frozen=True)
class Talk:
    """A 约谈 that took place."""

    id: str
    unit_code: str
    held_on: date
    held_by: str
    attendees: list[str]
    notes: str | None
    by: Actor
    at: datetime


@dataclass(kw_only=True)
class Assessment(Aggregate):
    region_code: str
    year: int
    scheme: Scheme = field(default_factory=Scheme)
    scheme_set: bool = False  # False: the defaults apply
    adjustments: list[Adjustment] = field(default_factory=list)
    list_changes: list[ListChange] = field(default_factory=list)
    status: AssessmentStatus = AssessmentStatus.DRAFT
    finalized_at: datetime | None = None
    finalized_by: Actor | None = None
    scores: list[UnitScore] = field(default_factory=list)
    praise: list[ListEntry] = field(default_factory=list)
    talks: list[ListEntry] = field(default_factory=list)
    talks_held: list[Talk] = field(default_factory=list)

    @classmethod
    def new(cls, region_code: str, year: int, correlation_id: str | None = None) -> Assessment:
        return cls(
            id=assessment_id(region_code, year),
            region_code=region_code,
            year=year,
            correlation_id=correlation_id,
        )

    @property
    def adjustment_totals(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for a in self.adjustments:
            totals[a.unit_code] = totals.get(a.unit_code, 0.0) + a.points
        return totals

    @property
    def overrides(self) -> list[ListOverride]:
        return [c.override() for c in self.list_changes]

    def _ids(self) -> dict[str, object]:
        return {"assessment_id": self.id, "region_code": self.region_code, "year": self.year}

    # ---- while a draft -----------------------------------------------------------
    def set_scheme(self, scheme: Scheme, actor: Actor, now: datetime) -> None:
        self._require_draft("修改考核方案", "change the scheme")
        self.scheme = scheme
        self.scheme_set = True
        self.record(
            ev.AssessmentSchemeSet(**self._ids(), scheme=scheme), actor, now, self.region_code
        )

    def adjust(
        self,
        unit_code: str,
        points: float,
        reason: str,
        actor: Actor,
        now: datetime,
        request: RequestMark | None = None,
    ) -> Adjustment:
        for made in self.adjustments:  # a retry whose first answer was lost: no second one
            if already_applied([made.request], request):
                return made
        self._require_draft("加分或扣分", "adjust a score")
        if points == 0:
            raise ValidationFailed(
                message="加减分不能为 0",
                message_en="An adjustment cannot be 0 points",
                details=[FieldProblem("points", "不能为 0", "cannot be 0")],
            )
        adjustment = Adjustment(uuid.uuid4().hex, unit_code, points, reason, actor, now, request)
        self.adjustments.append(adjustment)
        self.record(
            ev.AssessmentAdjusted(
                **self._ids(),
                unit_code=unit_code,
                adjustment_id=adjustment.id,
                points=points,
                reason=reason,
            ),
            actor,
            now,
            unit_code,
        )
        return adjustment

    def change_list(
        self,
        unit_code: str,
        which: ResultList,
        action: ListAction,
        reason: str,
        actor: Actor,
        now: datetime,
    ) -> None:
        if unit_code == self.region_code:
            raise ValidationFailed(
                message="考核单位本级不列入表扬或约谈名单",
                message_en="The assessing region itself is on neither list",
                details=[FieldProblem("unit_code", "不能是考核单位本级", "not the region itself")],
            )
        self._require_draft(f"调整{LIST_ZH[which]}", f"change the {which.value} list")
        self.list_changes.append(ListChange(unit_code, which, action, reason, actor, now))
        self.record(
            ev.AssessmentListChanged(
                **self._ids(), unit_code=unit_code, list=which, action=action, reason=reason
            ),
            actor,
            now,
            unit_code,
        )

    def finalize(
        self,
        scores: list[UnitScore],
        praise: list[ListEntry],
        talks: list[ListEntry],
        actor: Actor,
        now: datetime,
    ) -> None:
        self._require_draft("定稿", "finalize")
        self.status = AssessmentStatus.FINALIZED
        self.finalized_at, self.finalized_by = now, actor
        self.scores, self.praise, self.talks = scores, praise, talks
        self.record(
            ev.AssessmentFinalized(
                **self._ids(),
                finalized_at=now,
                scheme=self.scheme,
                scores=scores,
                praise=praise,
                talks=talks,
            ),
            actor,
            now,
            self.region_code,
        )

    # ---- once final ----------------------------------------------------------------
    def record_talk(
        self,
        *,
        unit_code: str,
        held_on: date,
        held_by: str,
        attendees: list[str],
        notes: str | None,
        today: date,
        actor: Actor,
        now: datetime,
    ) -> Talk:
        if self.status is not AssessmentStatus.FINALIZED:
            raise InvalidTransition(
                message="考核尚未定稿，约谈名单未确定，不能登记约谈",
                message_en="The assessment is not final yet, so there is no 约谈 list to record",
                extra={"status": self.status.value},
            )
        if unit_code not in {t.unit_code for t in self.talks}:
            raise ValidationFailed(
                message=f"{unit_code} 不在 {self.year} 年度约谈名单上",
                message_en=f"{unit_code} is not on the {self.year} 约谈 list",
                details=[FieldProblem("unit_code", "不在约谈名单上", "not on the list")],
            )
        if held_on > today or held_on.year < self.year:
            raise ValidationFailed(
                message="约谈日期须在考核年度之后且不晚于今天",
                message_en="The talk's date must be in or after the year and not in the future",
                details=[FieldProblem("held_on", "日期不对", "wrong date")],
            )
        talk = Talk(uuid.uuid4().hex, unit_code, held_on, held_by, attendees, notes, actor, now)
        self.talks_held.append(talk)
        self.record(
            ev.AdmonitionTalkRecorded(
                **self._ids(),
                unit_code=unit_code,
                talk_id=talk.id,
                held_on=held_on,
                held_by=held_by,
                attendees=attendees,
            ),
            actor,
            now,
            unit_code,
        )
        return talk

    def _require_draft(self, action: str, action_en: str) -> None:
        if self.status is not AssessmentStatus.DRAFT:
            raise InvalidTransition(
                message=f"{self.year} 年度考核已定稿，不能{action}",
                message_en=f"The {self.year} assessment is final; cannot {action_en}",
                extra={"status": self.status.value},
            )

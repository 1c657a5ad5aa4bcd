"""An inspection and its rectification, one aggregate (pure).

planned ─record→ passed
        └record→ failed + rectification: open ─submit→ submitted ─verify→ closed
                                           ↑              └reopen (new deadline)─┘
An open rectification whose deadline has passed is flagged overdue, once per
deadline. The rectification lives in the inspection's document so the
failure and the rectification it opens are written together.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from lingban_contracts import Actor
from lingban_contracts.events import supervision as ev
from lingban_contracts.events.supervision import (
    ChecklistScore,
    InspectionMethod,
    Photo,
    RectificationStatus,
)
from lingban_kit.errors import FieldProblem, Forbidden, InvalidTransition, ValidationFailed
from lingban_kit.idempotency import new_id
from lingban_kit.regions import REGION_PATH, region_path
from lingban_supervision.aggregate import Aggregate, half_month_of
from lingban_supervision.inspections.scoring import score_checklist

RECTIFICATION_OPEN = "rectification_open"  # stored flag: a rectification awaits the unit
# Seeing the place itself (看实况、访实情): these count towards ≥ 2 on-site a month.
ON_SITE_METHODS = frozenset(
    {InspectionMethod.ON_SITE, InspectionMethod.UNANNOUNCED, InspectionMethod.HOUSEHOLD_VISIT}
)


class InspectionStatus(enum.StrEnum):
    PLANNED = "planned"
    PASSED = "passed"
    FAILED = "failed"


STATUS_ZH = {
    InspectionStatus.PLANNED: "已计划",
    InspectionStatus.PASSED: "合格",
    InspectionStatus.FAILED: "不合格",
}
RECTIFICATION_ZH = {
    RectificationStatus.OPEN: "整改中",
    RectificationStatus.SUBMITTED: "待核验",
    RectificationStatus.CLOSED: "已销号",
}


@dataclass(frozen=True)
class Record:
    inspected_on: date
    checklist: list[ChecklistScore]
    team_absent: bool
    max_score: int
    deductions: int
    score: int
    pass_mark: int
    passed: bool
    findings: list[str]
    photos: list[Photo]
    by: Actor
    days: int = 1  # on site, from inspected_on (multi-day inspections)


@dataclass(frozen=True)
class Submission:
    measures: list[str]
    narrative: str
    photos: list[Photo]
    submitted_on: date
    late: bool
    by: Actor


@dataclass(frozen=True)
class Reopening:
    """One reopening's reasons. An object, not a bare list: FerretDB stores no array
    directly inside an array, so `list[list[str]]` could not be saved."""

    reasons: list[str]


@dataclass
class Rectification:
    id: str
    items: list[str]
    measures: list[str]
    deadline: date
    status: RectificationStatus = RectificationStatus.OPEN
    submissions: list[Submission] = field(default_factory=list)
    reopenings: list[Reopening] = field(default_factory=list)
    overdue_deadlines: list[date] = field(default_factory=list)
    closed_on: date | None = None

    @property
    def overdue(self) -> bool:
        return self.status is RectificationStatus.OPEN and self.deadline in self.overdue_deadlines

    @property
    def reopen_reasons(self) -> list[list[str]]:
        """The reasons of each reopening, in order (the API's shape)."""
        return [r.reasons for r in self.reopenings]


@dataclass(kw_only=True)
class Inspection(Aggregate):
    group_id: str
    region_code: str  # the group's city or township
    year: int
    half_month: str
    planned_on: date
    method: InspectionMethod
    unit_code: str
    township_code: str | None
    project_id: str | None
    sample_id: str | None
    status: InspectionStatus
    created_at: datetime
    result: Record | None = None
    rectification: Rectification | None = None
    # The deadline of an open rectification (None once submitted or closed).
    open_deadline: date | None = None
    days: int = 1  # planned length; an inspection lasts at least a day

    def query_fields(self) -> dict[str, Any]:
        return {
            REGION_PATH: region_path(self.unit_code),
            # The overdue check selects on this flag; the date test runs in Python.
            RECTIFICATION_OPEN: self.rectification_open,
        }

    @property
    def rectification_open(self) -> bool:
        rect = self.rectification
        return rect is not None and rect.status is RectificationStatus.OPEN

    @property
    def rectification_overdue(self) -> bool:
        return self.rectification is not None and self.rectification.overdue

    @property
    def announced(self) -> bool:
        return self.method is not InspectionMethod.UNANNOUNCED

    @property
    def on_site(self) -> bool:
        return self.method in ON_SITE_METHODS

    @property
    def hidden(self) -> bool:
        """An unannounced inspection keeps its target to the group until recorded."""
        return not self.announced and self.status is InspectionStatus.PLANNED

    @classmethod
    def plan(
        cls,
        *,
        group_id: str,
        region_code: str,
        planned_on: date,
        method: InspectionMethod,
        unit_code: str,
        township_code: str | None,
        project_id: str | None,
        sample_id: str | None,
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
        days: int = 1,
    ) -> Inspection:
        inspection = cls(
            # Derived from the request's Idempotency-Key when it has one (a retry hits it).
            id=new_id(),
            group_id=group_id,
            region_code=region_code,
            year=planned_on.year,
            half_month=half_month_of(planned_on),
            planned_on=planned_on,
            method=method,
            unit_code=unit_code,
            township_code=township_code,
            project_id=project_id,
            sample_id=sample_id,
            status=InspectionStatus.PLANNED,
            created_at=now,
            correlation_id=correlation_id,
            days=days,
        )
        hide = not inspection.announced
        inspection.record(
            ev.InspectionPlanned(
                **inspection._group_ids(),
                half_month=inspection.half_month,
                planned_on=planned_on,
                method=method,
                announced=inspection.announced,
                on_site=inspection.on_site,
                days=days,
                sample_id=sample_id,
                unit_code=None if hide else unit_code,
                township_code=None if hide else township_code,
                project_id=None if hide else project_id,
            ),
            actor,
            now,
            # The envelope's region would name the unit too: use the group's.
            region_code if hide else unit_code,
        )
        return inspection

    # ---- recording -------------------------------------------------------------
    def record_result(
        self,
        *,
        inspected_on: date,
        checklist: list[ChecklistScore],
        team_absent: bool,
        findings: list[str],
        photos: list[Photo],
        pass_mark: int,
        rectification_days: int,
        actor: Actor,
        now: datetime,
        measures: list[str] | None = None,
        deadline: date | None = None,
        days: int = 1,
    ) -> None:
        """Score it; on failure open the rectification with the required measures and a
        deadline (`rectification_days` after the inspection unless the group sets one)."""
        self._require(InspectionStatus.PLANNED, action="记录检查结果", action_en="record")
        if deadline is not None and deadline <= inspected_on:
            raise ValidationFailed(
                message="整改时限须晚于检查日期",
                message_en="The rectification deadline must be after the inspection",
                details=[FieldProblem("rectification_deadline", "早于检查日期", "too early")],
            )
        if days < 1:
            raise ValidationFailed(
                message="检查至少持续 1 天",
                message_en="An inspection lasts at least one day",
                details=[FieldProblem("days", "至少 1 天", "at least 1")],
            )
        if inspected_on.year != self.year:
            raise ValidationFailed(
                message=f"检查日期须在 {self.year} 年内",
                message_en=f"The inspection date must fall in {self.year}",
                details=[FieldProblem("inspected_on", "年份不符", "wrong year")],
            )
        score = score_checklist(checklist, team_absent=team_absent, pass_mark=pass_mark)
        self.half_month = half_month_of(inspected_on)
        self.result = Record(
            inspected_on=inspected_on,
            checklist=checklist,
            team_absent=team_absent,
            max_score=score.max_score,
            deductions=score.deductions,
            score=score.score,
            pass_mark=pass_mark,
            passed=score.passed,
            findings=findings,
            photos=photos,
            by=actor,
            days=days,
        )
        self.status = InspectionStatus.PASSED if score.passed else InspectionStatus.FAILED
        self.record(
            ev.InspectionRecorded(
                **self._group_ids(),
                half_month=self.half_month,
                unit_code=self.unit_code,
                township_code=self.township_code,
                project_id=self.project_id,
                method=self.method,
                announced=self.announced,
                on_site=self.on_site,
                inspected_on=inspected_on,
                days=days,
                checklist=checklist,
                team_absent=team_absent,
                max_score=score.max_score,
                deductions=score.deductions,
                score=score.score,
                pass_mark=pass_mark,
                passed=score.passed,
                findings=findings,
                photos=photos,
            ),
            actor,
            now,
            self.unit_code,
        )
        if score.passed:
            return
        items = score.failed_items + [f for f in findings if f not in score.failed_items]
        rectification = Rectification(
            id=f"{self.id}-r",
            items=items,
            measures=list(measures or []),
            deadline=deadline or inspected_on + timedelta(days=rectification_days),
        )
        self.rectification = rectification
        self.open_deadline = rectification.deadline
        self.record(
            ev.InspectionFailed(
                **self._group_ids(),
                unit_code=self.unit_code,
                township_code=self.township_code,
                project_id=self.project_id,
                inspected_on=inspected_on,
                score=score.score,
                pass_mark=pass_mark,
                team_absent=team_absent,
                failed_items=score.failed_items,
                rectification_id=rectification.id,
                rectification_deadline=rectification.deadline,
            ),
            actor,
            now,
            self.unit_code,
        )
        self.record(
            ev.RectificationOpened(
                **self._rect_ids(), items=items, measures=rectification.measures
            ),
            actor,
            now,
            self.unit_code,
        )

    # ---- rectification ---------------------------------------------------------
    def submit_rectification(
        self,
        *,
        measures: list[str],
        narrative: str,
        photos: list[Photo],
        today: date,
        actor: Actor,
        now: datetime,
    ) -> None:
        rect = self._rect(RectificationStatus.OPEN, action="提交整改", action_en="submit")
        if not any(m.strip() for m in measures):
            raise ValidationFailed(
                message="请写明整改措施",
                message_en="List the measures taken",
                details=[FieldProblem("measures", "至少一条整改措施", "at least one measure")],
            )
        late = today > rect.deadline
        rect.submissions.append(Submission(measures, narrative, photos, today, late, actor))
        rect.measures = measures
        rect.status = RectificationStatus.SUBMITTED
        self.open_deadline = None
        self.record(
            ev.RectificationSubmitted(
                **self._rect_ids(),
                measures=measures,
                narrative=narrative,
                photos=photos,
                submitted_on=today,
                late=late,
            ),
            actor,
            now,
            self.unit_code,
        )

    def verify_rectification(
        self, *, comment: str | None, today: date, actor: Actor, now: datetime
    ) -> None:
        rect = self._rect(RectificationStatus.SUBMITTED, action="核验销号", action_en="verify")
        # Nobody closes what they reported as done themselves (LB-11).
        if any(sub.by.id == actor.id for sub in rect.submissions):
            raise Forbidden(
                message="整改由您提交，您不能核验销号；请由督导组的其他人员核验",
                message_en="You submitted this rectification, so you cannot verify it; "
                "another member of the group side must",
            )
        last = rect.submissions[-1]
        rect.status = RectificationStatus.CLOSED
        rect.closed_on = today
        self.record(
            ev.RectificationVerified(
                **self._rect_ids(),
                closed_on=today,
                on_time=not last.late,
                was_overdue=bool(rect.overdue_deadlines),
                comment=comment,
            ),
            actor,
            now,
            self.unit_code,
        )

    def reopen_rectification(
        self, *, reasons: list[str], new_deadline: date, today: date, actor: Actor, now: datetime
    ) -> None:
        rect = self._rect(RectificationStatus.SUBMITTED, action="退回整改", action_en="reopen")
        problems: list[FieldProblem] = []
        if not any(r.strip() for r in reasons):
            problems.append(FieldProblem("reasons", "请写明退回理由", "give a reason"))
        if new_deadline <= today:
            problems.append(
                FieldProblem("deadline", "新的整改时限须晚于今天", "the new deadline must be later")
            )
        if problems:
            raise ValidationFailed(
                message="退回整改的信息有误",
                message_en="The reopening has problems to fix",
                details=problems,
            )
        previous = rect.deadline
        rect.status = RectificationStatus.OPEN
        rect.deadline = new_deadline
        rect.reopenings.append(Reopening(list(reasons)))
        self.open_deadline = new_deadline
        self.record(
            ev.RectificationReopened(
                **self._rect_ids(), reasons=reasons, previous_deadline=previous
            ),
            actor,
            now,
            self.unit_code,
        )

    def detect_overdue(self, today: date, actor: Actor, now: datetime) -> bool:
        """Flag an open rectification past its deadline; once per deadline."""
        rect = self.rectification
        if (
            rect is None
            or rect.status is not RectificationStatus.OPEN
            or today <= rect.deadline
            or rect.deadline in rect.overdue_deadlines
        ):
            return False
        rect.overdue_deadlines.append(rect.deadline)
        self.record(
            ev.RectificationOverdue(**self._rect_ids(), status=rect.status, detected_on=today),
            actor,
            now,
            self.unit_code,
        )
        return True

    # ---- internals -------------------------------------------------------------
    def _group_ids(self) -> dict[str, Any]:
        return {
            "inspection_id": self.id,
            "group_id": self.group_id,
            "region_code": self.region_code,
            "year": self.year,
        }

    def _rect_ids(self) -> dict[str, Any]:
        assert self.rectification is not None
        return {
            "rectification_id": self.rectification.id,
            "inspection_id": self.id,
            "group_id": self.group_id,
            "unit_code": self.unit_code,
            "township_code": self.township_code,
            "project_id": self.project_id,
            "year": self.year,
            "deadline": self.rectification.deadline,
        }

    def _require(self, *allowed: InspectionStatus, action: str, action_en: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                message=f"检查当前为“{STATUS_ZH[self.status]}”，不能{action}",
                message_en=f"The inspection is {self.status.value}; cannot {action_en}",
                extra={"status": self.status.value},
            )

    def _rect(self, allowed: RectificationStatus, *, action: str, action_en: str) -> Rectification:
        rect = self.rectification
        if rect is None:
            raise InvalidTransition(
                message="该检查没有整改事项", message_en="This inspection has no rectification"
            )
        if rect.status is not allowed:
            raise InvalidTransition(
                message=f"整改当前为“{RECTIFICATION_ZH[rect.status]}”，不能{action}",
                message_en=f"The rectification is {rect.status.value}; cannot {action_en}",
                extra={"status": rect.status.value},
            )
        return rect

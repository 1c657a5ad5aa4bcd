"""The stationed-contact roster (驻点名册) and a stationed person's month (pure).

A roster is one township's for one year: who is stationed in which village on which
weekday in which position (三个固定), and each village's households and four-must-visit
groups (四必访) to cover. Changes during the year never overwrite an assignment: the old
one ends the day before the change takes effect and a new one starts, so the figures of
a past month still follow the roster as it was then.

A stationed month holds one person's visit plan, the days resided in the village (the
rule: at least `min_residence_days` a month) and leave (请假), which excuses the stationed
days it covers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from lingban_contracts import Actor
from lingban_contracts.events import stationing as ev
from lingban_contracts.events.stationing import (
    Assignment,
    Leave,
    PlanItem,
    ResidenceWeek,
    RosterChange,
    RosterChangeKind,
    StationedPosition,
    VillageCounts,
    month_dates,
    residence_weeks,
    stationed_days,
)
from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_kit.regions import REGION_PATH, region_path
from lingban_kit.workdays import working_day
from lingban_supervision.aggregate import Aggregate


def roster_id_of(township_code: str, year: int) -> str:
    """One roster per township and year: a second creation is a conflict, not a copy."""
    return f"{township_code}-{year}"


def record_id_of(roster_id: str, person_id: str, month: str) -> str:
    return f"{roster_id}-{person_id}-{month}"


def invalid(field_name: str, message: str, message_en: str) -> ValidationFailed:
    return ValidationFailed(
        message=f"驻点名册有误：{message}",
        message_en=f"The stationed-contact record has a problem: {message_en}",
        details=[FieldProblem(field_name, message, message_en)],
    )


def normalised_label(label: str) -> str:
    """House numbers are typed by hand: `3号 ` and `3号` are one household."""
    return "".join(label.split()).casefold()


@dataclass(kw_only=True)
class Roster(Aggregate):
    township_code: str
    year: int
    assignments: list[Assignment]
    villages: list[VillageCounts]
    # Keys the pseudonymous household refs of the year's visits; never published, so
    # nobody outside can recompute a house number from its ref.
    household_salt: str
    created_at: datetime
    changes: list[RosterChange] = field(default_factory=list)

    def query_fields(self) -> dict[str, Any]:
        return {REGION_PATH: region_path(self.township_code)}

    # ---- reading ---------------------------------------------------------------------
    def assignments_of(self, person_id: str) -> list[Assignment]:
        return [a for a in self.assignments if a.person_id == person_id]

    def assignment_on(self, person_id: str, day: date) -> Assignment | None:
        return next((a for a in self.assignments_of(person_id) if a.valid_on(day)), None)

    def assignment_in_month(self, person_id: str, month: str) -> Assignment | None:
        """The person's assignment on the last day of the month they were on the roster."""
        for day in reversed(month_dates(month)):
            found = self.assignment_on(person_id, day)
            if found is not None:
                return found
        return None

    def counts(self, village_code: str) -> VillageCounts | None:
        return next((v for v in self.villages if v.village_code == village_code), None)

    def household_ref(self, village_code: str, label: str | None) -> str | None:
        """The same household gets the same ref on every visit of the year; no label, no ref."""
        if not label or not normalised_label(label):
            return None
        message = f"{village_code}|{normalised_label(label)}".encode()
        return hmac.new(self.household_salt.encode(), message, hashlib.sha256).hexdigest()[:20]

    # ---- changing --------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        *,
        township_code: str,
        year: int,
        assignments: list[Assignment],
        villages: list[VillageCounts],
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
    ) -> Roster:
        check_assignments(year, assignments)
        check_villages(villages)
        roster = cls(
            id=roster_id_of(township_code, year),
            township_code=township_code,
            year=year,
            assignments=list(assignments),
            villages=list(villages),
            household_salt=secrets.token_hex(32),
            created_at=now,
            correlation_id=correlation_id,
        )
        roster.record(
            ev.RosterCreated(
                roster_id=roster.id,
                region_code=township_code,
                township_code=township_code,
                year=year,
                assignments=roster.assignments,
                villages=roster.villages,
            ),
            actor,
            now,
            township_code,
        )
        return roster

    def _changed(self, change: RosterChange, actor: Actor, now: datetime) -> None:
        self.changes.append(change)
        self.record(
            ev.RosterChanged(
                roster_id=self.id,
                region_code=self.township_code,
                township_code=self.township_code,
                year=self.year,
                assignments=self.assignments,
                villages=self.villages,
                change=change,
            ),
            actor,
            now,
            self.township_code,
        )

    def assign(
        self, assignment: Assignment, reason: str | None, actor: Actor, now: datetime
    ) -> None:
        """A new person joins the roster (a person who left comes back under a new id)."""
        if self.assignments_of(assignment.person_id):
            raise invalid(
                "person_id",
                f"{assignment.person_id} 已在名册中，调整请用 reassigned",
                f"{assignment.person_id} is on the roster already; use reassigned",
            )
        check_assignments(self.year, [*self.assignments, assignment])
        self.assignments.append(assignment)
        change = RosterChange(
            kind=RosterChangeKind.ASSIGNED,
            person_id=assignment.person_id,
            effective_from=assignment.valid_from,
            reason=reason,
        )
        self._changed(change, actor, now)

    def _current(self, person_id: str, effective_from: date) -> Assignment:
        current = self.assignment_on(person_id, effective_from)
        if current is None:
            raise invalid(
                "person_id",
                f"{person_id} 在 {effective_from} 没有有效的驻点安排",
                f"{person_id} has no assignment valid on {effective_from}",
            )
        if effective_from <= current.valid_from:
            # The old assignment keeps at least its first day: history is not rewritten.
            raise invalid(
                "effective_from",
                f"调整须晚于现有安排的起始日 {current.valid_from}",
                f"a change must take effect after the current assignment began ({current.valid_from})",
            )
        return current

    def _end(self, current: Assignment, effective_from: date) -> None:
        index = self.assignments.index(current)
        self.assignments[index] = current.model_copy(
            update={"valid_until": effective_from - timedelta(days=1)}
        )

    def reassign(
        self,
        person_id: str,
        effective_from: date,
        changes: dict[str, Any],
        reason: str | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        """Another village, weekday, position or contact from `effective_from` on."""
        current = self._current(person_id, effective_from)
        successor = Assignment.model_validate(
            {**current.model_dump(), **changes, "valid_from": effective_from}
        )
        self._end(current, effective_from)
        self.assignments.append(successor)
        change = RosterChange(
            kind=RosterChangeKind.REASSIGNED,
            person_id=person_id,
            effective_from=effective_from,
            reason=reason,
        )
        self._changed(change, actor, now)

    def end(
        self, person_id: str, effective_from: date, reason: str | None, actor: Actor, now: datetime
    ) -> None:
        """The person leaves the roster from `effective_from` (撤出); their past stays."""
        self._end(self._current(person_id, effective_from), effective_from)
        change = RosterChange(
            kind=RosterChangeKind.ENDED,
            person_id=person_id,
            effective_from=effective_from,
            reason=reason,
        )
        self._changed(change, actor, now)

    def set_villages(
        self, villages: list[VillageCounts], reason: str | None, actor: Actor, now: datetime
    ) -> None:
        """Replace the village counts (households, 四必访) — a register, not a history."""
        check_villages(villages)
        self.villages = list(villages)
        self._changed(RosterChange(kind=RosterChangeKind.VILLAGES, reason=reason), actor, now)


def check_assignments(year: int, assignments: list[Assignment]) -> None:
    problems: list[FieldProblem] = []
    for i, a in enumerate(assignments):
        if a.valid_from.year != year:
            problems.append(
                FieldProblem(
                    f"assignments.{i}.valid_from",
                    f"须在 {year} 年内",
                    f"must be in {year}",
                )
            )
        if a.valid_until is not None and a.valid_until < a.valid_from:
            problems.append(
                FieldProblem(
                    f"assignments.{i}.valid_until",
                    "结束日不能早于开始日",
                    "cannot end before it starts",
                )
            )
    # One person, one village at a time (固定人、固定村).
    for i, a in enumerate(assignments):
        for b in assignments[:i]:
            if a.person_id == b.person_id and _overlap(a, b):
                problems.append(
                    FieldProblem(
                        f"assignments.{i}.person_id",
                        f"{a.person_id} 的驻点安排时间重叠",
                        f"{a.person_id} has overlapping assignments",
                    )
                )
    if problems:
        raise ValidationFailed(
            message="驻点名册有误，请按提示修改",
            message_en="The roster has problems to fix",
            details=problems,
        )


def _overlap(a: Assignment, b: Assignment) -> bool:
    far = date.max
    return a.valid_from <= (b.valid_until or far) and b.valid_from <= (a.valid_until or far)


def check_villages(villages: list[VillageCounts]) -> None:
    codes = [v.village_code for v in villages]
    if len(set(codes)) != len(codes):
        raise invalid("villages", "同一村（社区）只能登记一次", "each village is listed once")
    for i, v in enumerate(villages):
        if sum(v.must_visit.values()) > v.households:
            raise invalid(
                f"villages.{i}.must_visit",
                "四必访户数之和不能超过总户数",
                "the four-must-visit households cannot exceed all households",
            )


# ---- a stationed person's month -------------------------------------------------------
@dataclass(kw_only=True)
class StationedMonth(Aggregate):
    roster_id: str
    township_code: str
    village_code: str
    person_id: str
    name: str
    position: StationedPosition
    year: int
    month: str
    min_residence_days: int
    stationed_days: list[date] = field(default_factory=list)
    # The weekly rule (≥ N working days a week), fixed when the month is opened as the
    # monthly one is; months stored before it read as 0 (no weekly rule).
    min_residence_working_days_per_week: int = 0
    plan: list[PlanItem] = field(default_factory=list)
    residence_days: list[date] = field(default_factory=list)
    leaves: list[Leave] = field(default_factory=list)

    def query_fields(self) -> dict[str, Any]:
        return {REGION_PATH: region_path(self.village_code)}

    @classmethod
    def open(
        cls,
        roster: Roster,
        person_id: str,
        month: str,
        min_residence_days: int,
        min_residence_working_days_per_week: int = 0,
    ) -> StationedMonth:
        """The person's month under the roster (no event: the first change records one)."""
        assignment = roster.assignment_in_month(person_id, month)
        if assignment is None or int(month[:4]) != roster.year:
            raise invalid(
                "person_id",
                f"{person_id} 在 {month} 不在驻点名册上",
                f"{person_id} is not on the roster in {month}",
            )
        return cls(
            id=record_id_of(roster.id, person_id, month),
            roster_id=roster.id,
            township_code=roster.township_code,
            village_code=assignment.village_code,
            person_id=person_id,
            name=assignment.name,
            position=assignment.position,
            year=roster.year,
            month=month,
            min_residence_days=min_residence_days,
            stationed_days=stationed_days(roster.assignments, person_id, month),
            min_residence_working_days_per_week=min_residence_working_days_per_week,
        )

    # ---- the month's figures ---------------------------------------------------------
    @property
    def planned_days(self) -> list[date]:
        return sorted({item.day for item in self.plan})

    @property
    def leave_days(self) -> list[date]:
        days = {
            day
            for leave in self.leaves
            for day in month_dates(self.month)
            if leave.first_day <= day <= leave.last_day
        }
        return sorted(days)

    @property
    def excused_days(self) -> list[date]:
        """Stationed days a leave excuses (请假不计缺勤)."""
        on_leave = set(self.leave_days)
        return [d for d in self.stationed_days if d in on_leave]

    @property
    def residence_weeks(self) -> list[ResidenceWeek]:
        """The weekly rule's part of each week of the month (empty when it is off)."""
        return residence_weeks(
            self.month,
            self.residence_days,
            self.leave_days,
            self.min_residence_working_days_per_week,
            working_day,  # official holidays off, make-up working days (调休) on
        )

    @property
    def residence_met(self) -> bool:
        """The residence rules (在工作地居住): ≥ N days a month, and ≥ M working days in
        every week of it (a week's part in proportion to its working days here)."""
        monthly = len(self.residence_days) >= self.min_residence_days
        return monthly and all(w.met for w in self.residence_weeks)

    def _summary(self) -> dict[str, Any]:
        return {
            "record_id": self.id,
            "roster_id": self.roster_id,
            "township_code": self.township_code,
            "unit_code": self.village_code,
            "person_id": self.person_id,
            "name": self.name,
            "position": self.position,
            "year": self.year,
            "month": self.month,
            "stationed_days": self.stationed_days,
            "planned_days": self.planned_days,
            "residence_days": sorted(self.residence_days),
            "leave_days": self.leave_days,
            "excused_days": self.excused_days,
            "min_residence_days": self.min_residence_days,
            "residence_met": self.residence_met,
            "min_residence_working_days_per_week": self.min_residence_working_days_per_week,
            "residence_weeks": self.residence_weeks,
        }

    def refresh(self, roster: Roster) -> None:
        """Stationed days and village as the roster says now (it may have changed)."""
        self.stationed_days = stationed_days(roster.assignments, self.person_id, self.month)
        assignment = roster.assignment_in_month(self.person_id, self.month)
        if assignment is not None:
            self.village_code = assignment.village_code
            self.position = assignment.position
            self.name = assignment.name

    def _in_month(self, days: list[date], field_name: str) -> None:
        outside = [d for d in days if d.strftime("%Y-%m") != self.month]
        if outside:
            raise invalid(
                field_name,
                f"日期须在 {self.month} 内：{'、'.join(map(str, outside))}",
                f"days must be in {self.month}: {', '.join(map(str, outside))}",
            )

    def set_plan(self, items: list[PlanItem], actor: Actor, now: datetime) -> None:
        self._in_month([i.day for i in items], "items")
        self.plan = list(items)
        self.record(
            ev.VisitPlanSet(**self._summary(), items=self.plan), actor, now, self.village_code
        )

    def record_residence(self, days: list[date], today: date, actor: Actor, now: datetime) -> None:
        self._in_month(days, "days")
        if any(d > today for d in days):
            raise invalid("days", "不能登记将来的日期", "cannot record days in the future")
        new = sorted(set(days) - set(self.residence_days))
        self.residence_days = sorted({*self.residence_days, *days})
        self.record(
            ev.ResidenceRecorded(**self._summary(), days=new), actor, now, self.village_code
        )

    def record_leave(self, leave: Leave, actor: Actor, now: datetime) -> None:
        if leave.last_day < leave.first_day:
            raise invalid("last_day", "结束日不能早于开始日", "cannot end before it starts")
        self._in_month([leave.first_day, leave.last_day], "first_day")
        self.leaves.append(leave)
        self.record(ev.LeaveRecorded(**self._summary(), leave=leave), actor, now, self.village_code)

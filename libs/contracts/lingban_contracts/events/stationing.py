"""Payloads of stationed contact (驻点联系) in the supervision service, topic `lingban.supervision.v1`.

Aggregates and their record keys:
- a township's roster for a year (驻点名册), key `roster_id` (`<township>-<year>`): who is
  stationed in which village on which weekday (三个固定: fixed person, fixed village,
  fixed weekly day), in which position (党委书记 / 镇长 / other leader / team member),
  and each village's households and four-must-visit groups (四必访) to cover. A change
  during the year ends the old assignment the day before it takes effect and adds the
  new one: every event carries the roster's full assignment history, so a subscriber
  replaces what it holds;
- one stationed person's month (驻点月度记录), key `record_id`
  (`<roster_id>-<person_id>-<YYYY-MM>`): the visit plan (走访计划), the days resided in
  the village (住村天数, "≥ N days a month") and leave (请假) excusing stationed days.
  Every event repeats the month's summary (stationed days, residence days, leave days,
  whether the residence rule is met), so any single event is enough to file the month.

Visits themselves stay `visit-logged` (events/supervision.py), which names the stationed
person (`person_id`, `position`) and a pseudonymous key per household (`ref`) so that
the visit rate can be the share of households covered.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lingban_contracts.base import EventData
from lingban_contracts.events.supervision import MONTH_PATTERN, HouseholdKind
from lingban_contracts.regions import RegionCode
from lingban_contracts.topics import SUPERVISION

TOPIC = SUPERVISION

PERSON_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
# The residence rule's default (住村 ≥ 3 days a month; a deployment sets its own).
DEFAULT_MIN_RESIDENCE_DAYS = 3
# The weekly rule counts Monday to Friday (每周工作日).
WORKING_WEEKDAYS = 5
# The four must-visit groups (四必访), in the order the reports list them.
MUST_VISIT_KINDS = (
    HouseholdKind.VETERAN_PARTY_MEMBER,
    HouseholdKind.LIFTED_OUT_OF_POVERTY,
    HouseholdKind.PETITIONER,
    HouseholdKind.IN_DIFFICULTY,
)


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StationedPosition(enum.StrEnum):
    """The stationed person's position; the reports give secretaries' and mayors' figures apart."""

    PARTY_SECRETARY = "party_secretary"  # 镇（街道）党（工）委书记
    MAYOR = "mayor"  # 镇长（街道办事处主任）
    OTHER_LEADER = "other_leader"  # 其他镇（街道）领导班子成员
    TEAM_MEMBER = "team_member"  # 驻点团队成员


class RosterChangeKind(enum.StrEnum):
    ASSIGNED = "assigned"  # a person joins the roster (新增驻点)
    REASSIGNED = "reassigned"  # another village, weekday or position from a date (调整)
    ENDED = "ended"  # the person leaves the roster from a date (撤出)
    VILLAGES = "villages"  # households / must-visit counts of villages were updated


# ---- parts -------------------------------------------------------------------
class Assignment(_Part):
    """One line of the roster, valid from `valid_from` to `valid_until` (inclusive; open if null)."""

    person_id: str = Field(pattern=PERSON_ID_PATTERN, description="Stable within the roster")
    name: str = Field(min_length=1, max_length=100)
    position: StationedPosition
    village_code: RegionCode = Field(description="The village or community stationed in (固定村)")
    weekday: int = Field(
        ge=1, le=7, description="Fixed weekly stationed day (固定驻点日), ISO 1 = Monday"
    )
    valid_from: date
    valid_until: date | None = None
    contact_id: str | None = Field(
        default=None,
        pattern=r"^[a-z-]+:[A-Za-z0-9_.-]+$",
        max_length=120,
        description="The person's contact in the notifications directory (reminders)",
    )

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class VillageCounts(_Part):
    """What a village's visits must cover: its households and each must-visit group (四必访)."""

    village_code: RegionCode
    households: int = Field(ge=0, le=1_000_000)
    must_visit: dict[HouseholdKind, int] = Field(
        default_factory=dict,
        description="Households of each four-must-visit kind (no `ordinary`)",
    )

    @field_validator("must_visit")
    @classmethod
    def _must_visit_kinds(cls, value: dict[HouseholdKind, int]) -> dict[HouseholdKind, int]:
        if HouseholdKind.ORDINARY in value:
            raise ValueError("must_visit counts the four must-visit kinds only, not `ordinary`")
        if any(count < 0 for count in value.values()):
            raise ValueError("must_visit counts cannot be negative")
        return value


class RosterChange(_Part):
    kind: RosterChangeKind
    person_id: str | None = None
    effective_from: date | None = None
    reason: str | None = Field(default=None, max_length=1000)


class PlanItem(_Part):
    """One line of a monthly visit plan (每月初制订走访任务)."""

    day: date
    area: str = Field(min_length=1, max_length=200, description="自然村、片区或小区")
    kinds: list[HouseholdKind] = Field(default_factory=list, max_length=5)
    households: int = Field(default=0, ge=0, le=10_000, description="Households planned")


class Leave(_Part):
    """A leave (请假) from `first_day` to `last_day`; it excuses the stationed days in it."""

    first_day: date
    last_day: date
    reason: str = Field(min_length=1, max_length=500)


# ---- rosters -----------------------------------------------------------------
class RosterEvent(EventData):
    roster_id: str
    region_code: RegionCode = Field(description="The township whose roster it is")
    township_code: RegionCode
    year: int
    assignments: list[Assignment] = Field(
        description="Every assignment of the year, ended ones too"
    )
    villages: list[VillageCounts]


class RosterCreated(RosterEvent):
    """A township's stationed-contact roster (驻点名册) for a year."""


class RosterChanged(RosterEvent):
    """The roster changed (the full new state, and what changed)."""

    change: RosterChange


# ---- a stationed person's month ------------------------------------------------
class ResidenceWeek(_Part):
    """One week's part of the weekly residence rule (每周工作日住村不少于 N 天) in a month.

    A week is the ISO week; one split by the month's boundary is judged in each month on
    its days there. Working days are Monday to Friday.
    """

    week: str = Field(pattern=r"^\d{4}-W\d{2}$", examples=["2026-W11"])
    first_day: date = Field(description="Its first working day in the month")
    last_day: date = Field(description="Its last working day in the month")
    working_days: int = Field(
        ge=0, description="Working days of the week in the month, not on leave"
    )
    required: int = Field(
        ge=0,
        description="The weekly minimum, in proportion to `working_days` of 5 (rounded down): "
        "the whole minimum for a full week, less for a week cut by the month or a leave",
    )
    resided: int = Field(ge=0, description="Residence days on the week's working days in the month")

    @property
    def met(self) -> bool:
        return self.resided >= self.required


class StationedMonthEvent(EventData):
    record_id: str
    roster_id: str
    township_code: RegionCode
    unit_code: RegionCode = Field(description="The village the person is stationed in that month")
    person_id: str
    name: str
    position: StationedPosition
    year: int
    month: str = Field(pattern=MONTH_PATTERN)
    stationed_days: list[date] = Field(description="The fixed weekly days of the month (驻点日)")
    planned_days: list[date]
    residence_days: list[date] = Field(description="Days resided in the village (住村)")
    leave_days: list[date] = Field(description="Days on leave (请假)")
    excused_days: list[date] = Field(description="Stationed days excused by leave")
    min_residence_days: int = Field(description="The rule: at least this many days a month")
    residence_met: bool = Field(
        description="Both residence rules met: the monthly minimum and every week's part of "
        "the weekly one (`residence_weeks`)"
    )
    min_residence_working_days_per_week: int = Field(
        default=0,
        description="The weekly rule: at least this many working days a week resided (0: no "
        "weekly rule; events recorded before it read as 0)",
    )
    residence_weeks: list[ResidenceWeek] = Field(
        default_factory=list,
        description="The weekly rule per week of the month (empty without a weekly rule)",
    )


class VisitPlanSet(StationedMonthEvent):
    """The month's visit plan (走访计划) was set (the full plan)."""

    items: list[PlanItem]


class ResidenceRecorded(StationedMonthEvent):
    """Days resided in the village were recorded (住村登记)."""

    days: list[date] = Field(description="The days this record added")


class LeaveRecorded(StationedMonthEvent):
    """A leave (请假) was recorded; it excuses the stationed days it covers."""

    leave: Leave


# ---- the calendar rules both the service and its subscribers apply ---------------
def month_dates(month: str) -> list[date]:
    """Every day of a `YYYY-MM` month."""
    year, number = int(month[:4]), int(month[5:7])
    first = date(year, number, 1)
    return [
        date.fromordinal(first.toordinal() + i)
        for i in range(31)
        if date.fromordinal(first.toordinal() + i).month == number
    ]


def residence_weeks(
    month: str,
    residence_days: Iterable[date],
    leave_days: Iterable[date],
    min_per_week: int,
    is_working_day: Callable[[date], bool],
) -> list[ResidenceWeek]:
    """The weekly residence rule's parts for the month (none when the rule is off).

    `is_working_day`: the official calendar (holidays off, make-up working days on:
    `lingban_kit.workdays.working_day`, which the service passes); a week's part is in
    proportion to its working days against a five-day week, never above the rule."""
    if min_per_week <= 0:
        return []
    resided, on_leave = set(residence_days), set(leave_days)
    weeks: dict[str, list[date]] = {}
    for day in month_dates(month):
        if is_working_day(day):
            iso = day.isocalendar()
            weeks.setdefault(f"{iso.year}-W{iso.week:02d}", []).append(day)
    return [
        ResidenceWeek(
            week=week,
            first_day=days[0],
            last_day=days[-1],
            working_days=len(available := [d for d in days if d not in on_leave]),
            required=min(min_per_week, min_per_week * len(available) // WORKING_WEEKDAYS),
            resided=sum(1 for d in days if d in resided),
        )
        for week, days in weeks.items()
    ]


def stationed_days(assignments: Sequence[Assignment], person_id: str, month: str) -> list[date]:
    """The person's fixed weekly days (驻点日) in the month, under the assignment valid each day."""
    mine = [a for a in assignments if a.person_id == person_id]
    return [
        day
        for day in month_dates(month)
        if any(a.valid_on(day) and a.weekday == day.isoweekday() for a in mine)
    ]


# ---- the visit rate: households covered, not villages touched ---------------------
@dataclass(frozen=True)
class Covered:
    """Households of a group and how many of them visits covered (走访率 = covered / households)."""

    households: int
    covered: int

    @property
    def rate(self) -> float:
        return round(min(self.covered / self.households, 1.0), 4) if self.households else 0.0


@dataclass(frozen=True)
class Coverage:
    all: Covered
    must_visit: dict[HouseholdKind, Covered]


def household_coverage(
    villages: Iterable[VillageCounts], visited: Iterable[tuple[str, str | None, HouseholdKind]]
) -> Coverage:
    """The share of the villages' households (and of each must-visit group) visited.

    `visited` is (village, household ref, kind) per household on a visit: a household
    visited twice counts once; one without a ref (no label, or logged before rosters)
    cannot be told apart from the others and is not counted as covered. A village
    counts at most its registered households, so an out-of-date register cannot push
    the rate past 100 %.
    """
    counts = {v.village_code: v for v in villages}
    seen: dict[str, set[str]] = {}
    seen_kind: dict[tuple[str, HouseholdKind], set[str]] = {}
    for village, ref, kind in visited:
        if ref is None or village not in counts:
            continue
        seen.setdefault(village, set()).add(ref)
        if kind is not HouseholdKind.ORDINARY:
            seen_kind.setdefault((village, kind), set()).add(ref)
    everyone = Covered(
        households=sum(v.households for v in counts.values()),
        covered=sum(min(len(seen.get(code, ())), v.households) for code, v in counts.items()),
    )
    groups = {
        kind: Covered(
            households=sum(v.must_visit.get(kind, 0) for v in counts.values()),
            covered=sum(
                min(len(seen_kind.get((code, kind), ())), v.must_visit.get(kind, 0))
                for code, v in counts.items()
            ),
        )
        for kind in MUST_VISIT_KINDS
    }
    return Coverage(all=everyone, must_visit=groups)


EVENTS: tuple[tuple[str, type[EventData], str], ...] = (
    (
        "lingban.supervision.roster-created.v1",
        RosterCreated,
        "A township's stationed-contact roster (驻点名册) for a year: 三个固定 and village counts.",
    ),
    (
        "lingban.supervision.roster-changed.v1",
        RosterChanged,
        "A roster changed during the year (full new state; old assignments kept, ended).",
    ),
    (
        "lingban.supervision.visit-plan-set.v1",
        VisitPlanSet,
        "A stationed person's monthly visit plan (走访计划) was set.",
    ),
    (
        "lingban.supervision.residence-recorded.v1",
        ResidenceRecorded,
        "Days a stationed person resided in the village were recorded (住村, ≥ N days a month).",
    ),
    (
        "lingban.supervision.leave-recorded.v1",
        LeaveRecorded,
        "A stationed person's leave (请假) was recorded; it excuses stationed days.",
    ),
)

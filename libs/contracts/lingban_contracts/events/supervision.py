"""Payloads of the supervision service (督导), topic `lingban.supervision.v1`.

Aggregates and their record keys:
- a supervision group (督导组), key `group_id`;
- a random draw (随机抽查), key `sample_id`;
- an inspection (检查) with its rectification (整改), key `inspection_id`:
  planned → recorded (passed | failed) → rectification opened → submitted →
  verified (closed) | reopened → …; overdue is flagged once per deadline;
- a problem of the problem list (问题清单), key `problem_id`;
- a stationed-contact visit (驻点联系走访), key `visit_id`.

Every payload repeats `year` and the unit (`unit_code`, with `township_code`
and `project_id` where there are any) or, for groups, draws and plans, the
group's `region_code`, so a subscriber can file any single event alone.

Unannounced inspections (不打招呼、暗访): `inspection-planned` then carries no
unit, project or township (all null) and its envelope's region code is the
group's, not the unit's; the unit appears first in `inspection-recorded`. A
draw for unannounced inspections is *sealed*: `sample-drawn` carries the
SHA-256 of the seed and of the pool (a commitment) but neither the seed nor
the drawn projects; `sample-disclosed` publishes both once the inspections are
recorded, and anyone can re-draw and check against the commitment.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.attachments import SHA256_PATTERN, Attachment
from lingban_contracts.base import EventData
from lingban_contracts.regions import RegionCode
from lingban_contracts.topics import SUPERVISION

TOPIC = SUPERVISION

HALF_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])-H[12]$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- vocabularies ------------------------------------------------------------
class GroupLevel(enum.StrEnum):
    CITY = "city"  # 市级督导组
    TOWNSHIP = "township"  # 镇级督导组


class InspectionMethod(enum.StrEnum):
    ROUTINE_CHECK = "routine_check"  # 日常检查
    SPECIAL_RESEARCH = "special_research"  # 专项调研
    REPORT_HEARING = "report_hearing"  # 听取汇报
    ON_SITE = "on_site"  # 现场督导（看实况）
    HOUSEHOLD_VISIT = "household_visit"  # 入户走访（访实情）
    UNANNOUNCED = "unannounced"  # 不打招呼、暗访


class RectificationStatus(enum.StrEnum):
    OPEN = "open"  # 整改中
    SUBMITTED = "submitted"  # 已提交整改，待核验
    CLOSED = "closed"  # 核验通过，已销号


class ProblemSource(enum.StrEnum):
    RESIDENTS = "residents"  # 群众提
    SELF_EXAMINATION = "self_examination"  # 自己找
    SUPERIOR = "superior"  # 上级点
    PEERS = "peers"  # 相互帮


class ProblemChannel(enum.StrEnum):
    ONLINE_QUESTIONNAIRE = "online_questionnaire"  # 扫码问卷
    FORUM = "forum"  # 座谈会
    TALK = "talk"  # 谈心谈话
    SUGGESTION_BOX = "suggestion_box"  # 意见箱
    VISIT = "visit"  # 驻点走访
    INSPECTION = "inspection"  # 督导检查
    OTHER = "other"


class ProblemLevel(enum.StrEnum):
    ORGANISATION = "organisation"  # 组织层面
    INDIVIDUAL = "individual"  # 个人层面


class ProblemStatus(enum.StrEnum):
    OPEN = "open"  # 待整改
    IN_PROGRESS = "in_progress"  # 整改中
    RESOLVED = "resolved"  # 已办结


class HouseholdKind(enum.StrEnum):
    ORDINARY = "ordinary"
    # The "four must-visits" (四必访):
    VETERAN_PARTY_MEMBER = "veteran_party_member"  # 老党员
    LIFTED_OUT_OF_POVERTY = "lifted_out_of_poverty"  # 脱贫户
    PETITIONER = "petitioner"  # 信访户
    IN_DIFFICULTY = "in_difficulty"  # 困难户


class VisitorRole(enum.StrEnum):
    LEADER = "leader"  # 驻点领导
    TEAM = "team"  # 驻点工作队
    VILLAGE_STAFF = "village_staff"  # 村（社区）干部, logging in their own village


# ---- parts -------------------------------------------------------------------
class GroupMember(_Part):
    name: str = Field(min_length=1, max_length=100)
    department: str = Field(min_length=1, max_length=100, description="抽调单位 (department)")
    leader: bool = Field(default=False, description="组长")
    user_id: str | None = Field(
        default=None,
        max_length=200,
        description="The member's sign-in account: reminders of the group's inspections "
        "reach this account's inbox",
    )


class ChecklistScore(_Part):
    """One checklist item: its full points and what was deducted (逐项扣分)."""

    item: str = Field(min_length=1, max_length=200)
    max_points: int = Field(ge=0, le=100)
    deducted: int = Field(ge=0, le=100)
    note: str | None = Field(default=None, max_length=1000)


class Photo(_Part):
    """Photo evidence as metadata; the file lives in the document store."""

    name: str = Field(min_length=1, max_length=200)
    content_type: str = Field(max_length=100)
    size_bytes: int = Field(ge=0)
    taken_at: datetime | None = None
    uri: str | None = Field(default=None, max_length=1000)
    # The stored file (GET /v1/files/{file_id} of the supervision service), when uploaded.
    file_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{24}$")
    sha256: str | None = Field(default=None, pattern=SHA256_PATTERN)


class PooledProject(_Part):
    """A project the draw could pick: what the strata are made of."""

    project_id: str
    unit_code: RegionCode
    township_code: RegionCode | None
    category: str


class Stratum(_Part):
    """One (township, category) stratum of a draw."""

    township_code: RegionCode | None
    category: str
    pool_size: int = Field(ge=0)
    drawn: int = Field(ge=0)
    drawn_project_ids: list[str] = Field(
        default_factory=list, description="Empty while the draw is sealed"
    )


class HouseholdVisit(_Part):
    """A household as the visit log records it (not published: see `VisitedHousehold`)."""

    kind: HouseholdKind
    label: str | None = Field(default=None, max_length=100, description="e.g. a house number")


class VisitedHousehold(BaseModel):
    """A household visited, by kind only: the public event names no household (LB-14).

    Events recorded before this carried a `label`; reading them ignores it.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: HouseholdKind
    ref: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{20}$",
        description="A pseudonymous key of the household, the same on every visit of the "
        "year (a keyed hash of the village and label; null without a label or a roster), "
        "so the households covered can be counted without naming any",
    )


# ---- groups ------------------------------------------------------------------
class GroupEvent(EventData):
    group_id: str
    region_code: RegionCode = Field(description="The city or township the group belongs to")
    level: GroupLevel
    year: int


class SupervisionGroupCreated(GroupEvent):
    name: str
    members: list[GroupMember]
    departments: list[str] = Field(description="The departments the members come from")
    covered_units: list[RegionCode]


class SupervisionGroupChanged(GroupEvent):
    """The group's full new composition (members, departments, covered units)."""

    name: str
    members: list[GroupMember]
    departments: list[str]
    covered_units: list[RegionCode]


# ---- random draws ------------------------------------------------------------
class SampleEvent(EventData):
    sample_id: str
    group_id: str
    region_code: RegionCode
    year: int


class SampleDrawn(SampleEvent):
    """A stratified random draw of inspectable projects (随机抽查).

    Reproducible: `algorithm` applied to `seed` and the pool (sorted by project
    id) gives the same draw. Sealed draws withhold seed and projects until
    `sample-disclosed`, committing to them by their digests: the pool's SHA-256,
    and the seed's HMAC-SHA256 keyed by `seed_salt` (revealed with the seed; a
    plain SHA-256 of the seed when a draw has no salt).
    """

    half_month: str = Field(pattern=HALF_MONTH_PATTERN)
    algorithm: str = Field(description="e.g. `stratified-sha256-v1`")
    strata_by: list[str] = Field(description="township_code, category")
    per_stratum: int = Field(ge=1)
    pool_size: int = Field(ge=0)
    pool_sha256: str
    seed_sha256: str
    sealed: bool
    seed: str | None = Field(description="Null while sealed")
    seed_salt: str | None = Field(
        default=None, description="Key of the seed's HMAC commitment; null while sealed"
    )
    strata: list[Stratum]
    drawn_project_ids: list[str] = Field(description="Empty while sealed")
    drawn_count: int = Field(ge=0)


class SampleDisclosed(SampleEvent):
    """A sealed draw revealed: seed, pool and what was drawn, for anyone to audit."""

    seed: str
    seed_salt: str | None = Field(
        default=None, description="Key of the seed's HMAC commitment (`seed_sha256`)"
    )
    pool: list[PooledProject]
    strata: list[Stratum]
    drawn_project_ids: list[str]


# ---- inspections -------------------------------------------------------------
class InspectionEvent(EventData):
    inspection_id: str
    group_id: str
    region_code: RegionCode = Field(description="The group's city or township")
    year: int


class InspectionPlanned(InspectionEvent):
    """An inspection planned for a half month (半月一督导).

    For an unannounced inspection the target stays hidden: `unit_code`,
    `township_code` and `project_id` are null until it is recorded.
    """

    half_month: str = Field(pattern=HALF_MONTH_PATTERN)
    planned_on: date
    method: InspectionMethod
    announced: bool
    on_site: bool = Field(description="Counts towards the ≥ 2 on-site inspections a month")
    days: int = Field(
        default=1, ge=1, le=31, description="Planned length: an inspection lasts ≥ 1 day"
    )
    sample_id: str | None = None
    unit_code: RegionCode | None
    township_code: RegionCode | None
    project_id: str | None


class InspectionRecorded(InspectionEvent):
    """The inspection took place: scored checklist, findings, pass or fail."""

    half_month: str = Field(pattern=HALF_MONTH_PATTERN)
    unit_code: RegionCode
    township_code: RegionCode | None
    project_id: str | None
    method: InspectionMethod
    announced: bool
    on_site: bool
    inspected_on: date = Field(description="The first day on site")
    days: int = Field(default=1, ge=1, le=31, description="Days spent on site (≥ 1)")
    checklist: list[ChecklistScore]
    team_absent: bool = Field(description="专班不在岗: all points lost at once")
    max_score: int
    deductions: int = Field(description="Points lost (all of them when the team was absent)")
    score: int
    pass_mark: int
    passed: bool
    findings: list[str]
    photos: list[Photo] = Field(default_factory=list)


class InspectionFailed(InspectionEvent):
    """The inspection failed; a rectification (整改) is opened with a deadline."""

    unit_code: RegionCode
    township_code: RegionCode | None
    project_id: str | None
    inspected_on: date
    score: int
    pass_mark: int
    team_absent: bool
    failed_items: list[str]
    rectification_id: str
    rectification_deadline: date


# ---- rectification (part of the inspection aggregate) ------------------------
class RectificationEvent(EventData):
    rectification_id: str
    inspection_id: str
    group_id: str
    unit_code: RegionCode = Field(description="The owner unit (整改责任单位)")
    township_code: RegionCode | None
    project_id: str | None
    year: int
    deadline: date


class RectificationOpened(RectificationEvent):
    items: list[str] = Field(description="What is to be rectified (整改事项)")
    measures: list[str] = Field(default_factory=list, description="Required measures, if set")


class RectificationSubmitted(RectificationEvent):
    """The owner unit reports its rectification (整改报告)."""

    measures: list[str]
    narrative: str
    photos: list[Photo] = Field(default_factory=list)
    submitted_on: date
    late: bool = Field(description="Submitted after the deadline")


class RectificationVerified(RectificationEvent):
    """The group verified the rectification: closed (核验销号)."""

    closed_on: date
    on_time: bool = Field(description="Submitted no later than the deadline")
    was_overdue: bool
    comment: str | None = None


class RectificationReopened(RectificationEvent):
    """The group found the rectification insufficient; `deadline` is the new one."""

    reasons: list[str]
    previous_deadline: date


class RectificationOverdue(RectificationEvent):
    """The deadline passed while the rectification was still open (flagged once per deadline)."""

    status: RectificationStatus
    detected_on: date


# ---- problem list ------------------------------------------------------------
class ProblemEvent(EventData):
    problem_id: str
    unit_code: RegionCode
    township_code: RegionCode | None
    project_id: str | None
    year: int
    source: ProblemSource
    channel: ProblemChannel
    category: str
    level: ProblemLevel


class ProblemRegistered(ProblemEvent):
    description: str
    measures: list[str]
    status: ProblemStatus
    registered_on: date
    visit_id: str | None = Field(default=None, description="Raised during this visit")
    inspection_id: str | None = Field(default=None, description="Found by this inspection")
    attachments: list[Attachment] = Field(
        default_factory=list, description="Photos and papers of the problem"
    )


class ProblemStatusChanged(ProblemEvent):
    status: ProblemStatus
    previous_status: ProblemStatus
    measures: list[str]
    note: str | None = None


class ProblemResolved(ProblemEvent):
    """Resolved and struck off (办结销号)."""

    previous_status: ProblemStatus
    resolution: str
    resolved_on: date
    registered_on: date
    attachments: list[Attachment] = Field(
        default_factory=list, description="Evidence of the resolution (办结佐证)"
    )


# ---- stationed contact -------------------------------------------------------
class VisitLogged(EventData):
    """A stationed-contact visit (驻点联系走访) to a unit and its households."""

    visit_id: str
    unit_code: RegionCode = Field(description="The unit visited (a village or community)")
    township_code: RegionCode | None
    year: int
    month: str = Field(pattern=MONTH_PATTERN)
    visited_on: date
    visitor: str
    visitor_role: VisitorRole
    team: list[str]
    households: list[VisitedHousehold] = Field(
        description="The kind of each household visited; never a label or house number"
    )
    households_visited: int
    four_must_visits: list[HouseholdKind] = Field(
        description="Which of the four must-visit kinds (四必访) this visit covered"
    )
    opinions: int = Field(description="Opinions raised; each enters the problem list")
    problem_ids: list[str] = Field(description="Problems registered from those opinions")
    notes: str | None = None
    attachments: list[Attachment] = Field(
        default_factory=list, description="Photos and records of the visit (走访记录)"
    )
    # Stationed contact (events/stationing.py); null on visits logged before rosters.
    person_id: str | None = Field(
        default=None, description="The stationed person of the roster who visited"
    )
    position: str | None = Field(
        default=None,
        description="Their position (`StationedPosition`): secretaries' and "
        "mayors' figures are given apart",
    )


EVENTS: tuple[tuple[str, type[EventData], str], ...] = (
    (
        "lingban.supervision.supervision-group-created.v1",
        SupervisionGroupCreated,
        "A city or township supervision group (督导组) was formed: members, departments, units.",
    ),
    (
        "lingban.supervision.supervision-group-changed.v1",
        SupervisionGroupChanged,
        "A supervision group's members or covered units changed (full new composition).",
    ),
    (
        "lingban.supervision.sample-drawn.v1",
        SampleDrawn,
        "A stratified random draw of projects to inspect (随机抽查), reproducible from its seed.",
    ),
    (
        "lingban.supervision.sample-disclosed.v1",
        SampleDisclosed,
        "A sealed draw was disclosed: seed, pool and drawn projects, for audit.",
    ),
    (
        "lingban.supervision.inspection-planned.v1",
        InspectionPlanned,
        "An inspection was planned for a half month; unannounced ones hide their target.",
    ),
    (
        "lingban.supervision.inspection-recorded.v1",
        InspectionRecorded,
        "An inspection was recorded: method, scored checklist, deductions, pass or fail.",
    ),
    (
        "lingban.supervision.inspection-failed.v1",
        InspectionFailed,
        "An inspection failed; a rectification with a deadline was opened.",
    ),
    (
        "lingban.supervision.rectification-opened.v1",
        RectificationOpened,
        "A rectification (整改) was opened for the owner unit with a deadline.",
    ),
    (
        "lingban.supervision.rectification-submitted.v1",
        RectificationSubmitted,
        "The owner unit submitted its rectification for verification.",
    ),
    (
        "lingban.supervision.rectification-verified.v1",
        RectificationVerified,
        "The group verified the rectification and closed it (核验销号).",
    ),
    (
        "lingban.supervision.rectification-reopened.v1",
        RectificationReopened,
        "The group reopened the rectification with reasons and a new deadline.",
    ),
    (
        "lingban.supervision.rectification-overdue.v1",
        RectificationOverdue,
        "A rectification's deadline passed before it was submitted or verified.",
    ),
    (
        "lingban.supervision.problem-registered.v1",
        ProblemRegistered,
        "A problem entered the problem list (问题清单) with source, channel, category, level.",
    ),
    (
        "lingban.supervision.problem-status-changed.v1",
        ProblemStatusChanged,
        "A problem's rectification status changed.",
    ),
    (
        "lingban.supervision.problem-resolved.v1",
        ProblemResolved,
        "A problem was resolved and struck off (办结销号).",
    ),
    (
        "lingban.supervision.visit-logged.v1",
        VisitLogged,
        "A stationed-contact visit was logged (驻点联系), with four-must-visit flags.",
    ),
)

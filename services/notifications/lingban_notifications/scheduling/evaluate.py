"""Which reminders are due *as of now* (pure: rules × subjects × directory × clock).

Evaluation is stateless: every tick asks "what should have gone out by now in
the current period?", and the dedupe key (rule, subject, recipient, period)
lets each answer through once. That is also the catch-up after downtime: a
service that was down for a week evaluates once when it is back and sends
each still-relevant reminder once, not once per missed tick. Deadline
warnings use the nearest threshold as the period (`2026-04/D-3`), so a missed
7-day warning is not sent late next to the 3-day one; overdue reminders are
daily (`2026-04/2026-05-03`), so missed days collapse into today's.

Nothing scheduled goes out on a day off (weekends, public holidays; make-up
working days (调休) count as working days): see `workdays.WorkingCalendar`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level
from lingban_contracts.statuses import PROJECT_LIVE_PLAN, ProjectStatus
from lingban_kit.clock import LOCAL_ZONE
from lingban_notifications.directory.domain import (
    Recipient,
    RecipientKind,
    secretary_id,
    task_force_id,
    township_staff_id,
)
from lingban_notifications.directory.role_inbox import role_inbox
from lingban_notifications.notifications.domain import dedupe_key
from lingban_notifications.rules.model import Audience, Kind, Rule, RuleSet
from lingban_notifications.scheduling.workdays import WorkingCalendar
from lingban_notifications.subjects.inspections import InspectionSubject, inspection_intents
from lingban_notifications.subjects.rosters import (
    StationingSubjects,
    residence_risk_intents,
    stationed_day_intents,
)
from lingban_notifications.subjects.tasks import (
    TaskSubject,
    department_card_rows,
    department_id,
    task_intents,
)

ACTIVE: tuple[str, ...] = PROJECT_LIVE_PLAN  # projects whose stage tasks are live
CARD_ITEM_LIMIT = 60


@dataclass(frozen=True)
class Stage:
    month: str
    tasks: tuple[tuple[str, str], ...]  # (task, owner)
    reported: bool
    completed: bool

    @property
    def deadline(self) -> date:
        year, month = int(self.month[:4]), int(self.month[5:7])
        return date(year, month, calendar.monthrange(year, month)[1])

    @property
    def task(self) -> str:
        return "；".join(t for t, _ in self.tasks)

    @property
    def owner(self) -> str:
        return "、".join(sorted({o for _, o in self.tasks if o})) or "—"


@dataclass(frozen=True)
class ProjectSubject:
    id: str
    unit_code: str
    title: str
    status: str
    stages: tuple[Stage, ...]
    weeks: frozenset[str] = frozenset()
    submitted_on: date | None = None
    reviewer_unit: str | None = None
    revision: int = 1
    execution_started_on: date | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> ProjectSubject:
        def day(key: str) -> date | None:
            value = doc.get(key)
            return date.fromisoformat(value) if value else None

        return cls(
            id=doc["_id"],
            unit_code=doc["unit_code"],
            title=doc.get("title", ""),
            status=doc.get("status", ProjectStatus.DRAFT),
            stages=tuple(
                Stage(
                    month=m,
                    tasks=tuple((t["task"], t.get("owner", "")) for t in s.get("tasks", [])),
                    reported=bool(s.get("reported")),
                    completed=bool(s.get("completed")),
                )
                for m, s in sorted(doc.get("stages", {}).items())
            ),
            weeks=frozenset(doc.get("weeks", [])),
            submitted_on=day("submitted_on"),
            reviewer_unit=doc.get("reviewer_unit"),
            revision=int(doc.get("revision", 1)),
            execution_started_on=day("execution_started_on"),
        )

    def stage(self, month: str) -> Stage | None:
        return next((s for s in self.stages if s.month == month), None)


@dataclass(frozen=True)
class RectificationSubject:
    """An open rectification (整改) with its deadline, from supervision events."""

    id: str
    unit_code: str
    deadline: date
    items: tuple[str, ...]
    project_id: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> RectificationSubject:
        return cls(
            id=doc["_id"],
            unit_code=doc["unit_code"],
            deadline=date.fromisoformat(doc["deadline"]),
            items=tuple(doc.get("items", [])),
            project_id=doc.get("project_id"),
        )


@dataclass(frozen=True)
class Intent:
    """One reminder for one recipient: becomes a notification unless its key exists."""

    rule: Rule
    subject_type: str
    subject_id: str
    subject_unit_code: str | None
    period: str
    recipient: Recipient
    vars: dict[str, str] = field(default_factory=dict)
    link_path: str = "/"

    @property
    def dedupe_key(self) -> str:
        return dedupe_key(
            self.rule.id, self.subject_type, self.subject_id, self.recipient.id, self.period
        )


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


@dataclass
class Evaluator:
    rules: RuleSet
    tree: DivisionTree
    directory: Mapping[str, Recipient]
    calendar: WorkingCalendar = field(init=False)

    def __post_init__(self) -> None:
        self.calendar = WorkingCalendar.for_rules(self.rules)

    # ---- audience ----------------------------------------------------------------
    def audience(
        self, rule: Rule, unit_code: str, reviewer_unit: str | None = None
    ) -> list[Recipient]:
        ids: list[str] = []
        parent = self.tree.parent_of(unit_code)
        township = self.tree.township_of(unit_code)
        for term in rule.audience:
            if term is Audience.SECRETARY:
                ids.append(secretary_id(unit_code))
            elif term is Audience.TOWNSHIP_STAFF and township is not None:
                ids.append(township_staff_id(township.code))
            elif term is Audience.TASK_FORCE:
                ids.append(task_force_id(unit_code))
            elif term is Audience.PARENT_SECRETARY and parent is not None:
                ids.append(secretary_id(parent.code))
            elif term is Audience.REVIEWER:
                reviewer = reviewer_unit or (parent.code if parent else None)
                if reviewer:
                    ids.append(secretary_id(reviewer))
            elif term is Audience.MEMBER_DEPARTMENTS:
                ids += sorted(
                    r.id
                    for r in self.directory.values()
                    if r.kind is RecipientKind.MEMBER_DEPARTMENT
                )
        seen: dict[str, Recipient] = {}
        for i in ids:
            # A unit without a directory entry still gets the notice, in its role inbox.
            r = self.directory.get(i) or role_inbox(i, self.tree)
            if r is not None and i not in seen:
                seen[i] = r
        return list(seen.values())

    def unit_name(self, code: str) -> str:
        unit = self.tree.get(code)
        return unit.name if unit else code

    # ---- evaluation ----------------------------------------------------------------
    def evaluate(
        self,
        now: datetime,
        subjects: Iterable[ProjectSubject],
        rectifications: Iterable[RectificationSubject] = (),
        tasks: Iterable[TaskSubject] = (),
        stationing: StationingSubjects | None = None,
        inspections: Iterable[InspectionSubject] = (),
    ) -> list[Intent]:
        local = now.astimezone(LOCAL_ZONE)
        planned = list(inspections)
        stationed = stationing or StationingSubjects()
        waiting_tasks = list(tasks)
        projects = list(subjects)
        open_rectifications = list(rectifications)
        intents: list[Intent] = []
        if not self.calendar.is_working_day(local.date()):
            return intents  # what falls due on a day off goes out on the next working day
        for rule in self.rules.enabled():
            if rule.kind in (Kind.WEEKLY_REPORT_REMINDER, Kind.REPORT_MISSING):
                for occurrence in self._weekly_occurrences(rule, local):
                    intents += self._weekly(rule, occurrence, projects)
                continue
            if not self._fired_today(rule, local):
                continue
            if rule.kind is Kind.MONTHLY_CARD:
                intents += self._cards(rule, local.date(), projects, waiting_tasks)
            elif rule.kind in (Kind.DEADLINE_WARNING, Kind.ESCALATION):
                if rule.target == "rectification":
                    intents += self._rectifications(rule, local.date(), open_rectifications)
                elif rule.target == "task":
                    intents += task_intents(self, rule, local.date(), waiting_tasks)
                elif rule.target == "inspection":
                    intents += inspection_intents(self, rule, local.date(), planned)
                else:
                    intents += self._deadlines(rule, local.date(), projects)
            elif rule.kind is Kind.REVIEW_WAITING:
                intents += self._review_waiting(rule, local.date(), projects)
            elif rule.kind is Kind.STATIONED_DAY:
                intents += stationed_day_intents(self, rule, local.date(), stationed)
            elif rule.kind is Kind.RESIDENCE_AT_RISK:
                intents += residence_risk_intents(self, rule, local.date(), stationed)
        return intents

    @staticmethod
    def _due(rule: Rule, local: datetime, day: date) -> bool:
        """Due on `day` after the rule's time; catch-up: any later day still owes it.
        (The caller has checked that today is a working day.)"""
        today = local.date()
        return today > day or (today == day and local.time() >= rule.at)

    def _fired_today(self, rule: Rule, local: datetime) -> bool:
        """Monthly cards from the month's first working day; daily rules after their time."""
        if rule.kind in (Kind.EVENT_NOTICE, Kind.ACKNOWLEDGEMENT_ESCALATION, Kind.RESULT_LIST):
            return False
        today = local.date()
        if rule.kind is Kind.MONTHLY_CARD:
            first = self.calendar.first_working_day(today.year, today.month)
            return self._due(rule, local, first)
        return self._due(rule, local, today)

    def weekly_fire_day(self, rule: Rule, weekday_date: date) -> date | None:
        """The day a weekly rule fires in the week of `weekday_date` (its `weekday`).

        That day if it is a working day, else the next working day of the same
        week, else the last working day before it in that week. A week without a
        working day (Spring Festival) has no "submit this week" reminder, while a
        missing-report check moves on to the next working day (into the next week).
        """
        later = self.calendar.next_working_day(weekday_date, inclusive=True)
        if iso_week(later) == iso_week(weekday_date):
            return later
        monday = week_start(weekday_date)
        earlier = self.calendar.previous_working_day(weekday_date)
        if earlier >= monday:
            return earlier
        return later if rule.kind is Kind.REPORT_MISSING else None

    def _weekly_occurrences(self, rule: Rule, local: datetime) -> list[date]:
        """The weekday dates (this week's, or last week's moved into this week by
        holidays) whose weekly reminder is due by now."""
        assert rule.weekday is not None
        today = local.date()
        this_week = week_start(today) + timedelta(days=rule.weekday - 1)
        due: list[date] = []
        for weekday_date in (this_week - timedelta(days=7), this_week):
            fire_day = self.weekly_fire_day(rule, weekday_date)
            if fire_day is None or iso_week(fire_day) != iso_week(today):
                continue
            if self._due(rule, local, fire_day):
                due.append(weekday_date)
        return due

    def intents_for(
        self,
        rule: Rule,
        subject_type: str,
        subject_id: str,
        subject_unit: str,
        period: str,
        values: dict[str, str],
        link_path: str,
        reviewer_unit: str | None = None,
        recipients: list[Recipient] | None = None,
    ) -> list[Intent]:
        """The rule's audience for the subject's unit, or the `recipients` given."""
        if recipients is None:
            recipients = self.audience(rule, subject_unit, reviewer_unit)
        return [
            Intent(
                rule=rule,
                subject_type=subject_type,
                subject_id=subject_id,
                subject_unit_code=subject_unit,
                period=period,
                recipient=r,
                vars={
                    "unit_name": self.unit_name(subject_unit),
                    "unit_code": subject_unit,
                    "recipient_name": r.name,
                    "period": period,
                    "rule_id": rule.id,
                    "subject_id": subject_id,
                    **values,
                },
                link_path=link_path,
            )
            for r in recipients
        ]

    def department(self, slug: str, unit_code: str) -> list[Recipient]:
        """A member department's directory entry; without one, the notice is not dropped:
        it goes to the city's secretary (the organisation department) or its role inbox."""
        entry = self.directory.get(department_id(slug))
        if entry is not None:
            return [entry]
        fallback = self.directory.get(secretary_id(unit_code)) or role_inbox(
            secretary_id(unit_code), self.tree
        )
        return [fallback] if fallback is not None else []

    def _cards(
        self,
        rule: Rule,
        today: date,
        projects: list[ProjectSubject],
        tasks: list[TaskSubject],
    ) -> list[Intent]:
        month = today.strftime("%Y-%m")
        live = [(p, p.stage(month)) for p in projects if p.status in ACTIVE]
        due = [(p, s) for p, s in live if s is not None and not s.completed]

        def line(p: ProjectSubject, s: Stage) -> str:
            return (
                f"· {self.unit_name(p.unit_code)}《{p.title}》：{s.task}"
                f"（责任人：{s.owner}，截止 {s.deadline.isoformat()}）"
            )

        def items(rows: list[tuple[ProjectSubject, Stage]]) -> str:
            lines = [line(p, s) for p, s in sorted(rows, key=lambda r: r[0].unit_code)]
            more = len(lines) - CARD_ITEM_LIMIT
            return "\n".join(lines[:CARD_ITEM_LIMIT] + ([f"…（另 {more} 项）"] if more > 0 else []))

        intents: list[Intent] = []
        if rule.card_level == "task_force":
            for p, s in due:
                intents += self.intents_for(
                    rule,
                    "project",
                    p.id,
                    p.unit_code,
                    month,
                    {"month": month, "items": items([(p, s)]), "count": "1"},
                    f"/projects/{p.id}",
                )
        elif rule.card_level == "township" and due:  # (no walk over the tree for nothing)
            for township in (u for u in self.tree if u.level is Level.TOWNSHIP):
                rows = [(p, s) for p, s in due if self.tree.township_of(p.unit_code) is township]
                if rows:
                    intents += self.intents_for(
                        rule,
                        "monthly_card",
                        township.code,
                        township.code,
                        month,
                        {"month": month, "items": items(rows), "count": str(len(rows))},
                        f"/units/{township.code}/cards/{month}",
                    )
        elif rule.card_level == "member_department":
            intents += self._department_cards(rule, today, tasks)
        return intents

    def _department_cards(self, rule: Rule, today: date, tasks: list[TaskSubject]) -> list[Intent]:
        """One card per member department (成员单位): its own assigned tasks (交办事项) still
        waiting for its report that fall due this month or are overdue; none without."""
        month = today.strftime("%Y-%m")
        intents: list[Intent] = []
        for slug in sorted({t.department for t in tasks if t.department}):
            rows = department_card_rows(tasks, slug, today)
            if not rows:
                continue
            lines = [
                f"· {t.content}（责任人：{t.owner or '—'}，办结时限 {t.deadline.isoformat()}"
                f"{'，已逾期' if t.deadline < today else ''}）"
                for t in rows
            ]
            unit = rows[0].unit_code
            intents += self.intents_for(
                rule,
                "monthly_card",
                department_id(slug),
                unit,
                month,
                {"month": month, "items": "\n".join(lines), "count": str(len(rows))},
                f"/dispatch/tasks?department={slug}",
                recipients=self.department(slug, unit),
            )
        return intents

    def _weekly(
        self, rule: Rule, weekday_date: date, projects: list[ProjectSubject]
    ) -> list[Intent]:
        """This week's report (reminder) or last week's (missing), as seen from the
        rule's weekday of the week it fires for."""
        missing = rule.kind is Kind.REPORT_MISSING
        day = weekday_date - timedelta(days=7) if missing else weekday_date
        week = iso_week(day)
        week_end = day + timedelta(days=7 - day.isoweekday())
        intents: list[Intent] = []
        for p in projects:
            started = p.execution_started_on
            if p.status != ProjectStatus.IN_EXECUTION or week in p.weeks:
                continue
            if missing and (started is None or started > week_end - timedelta(days=2)):
                continue  # execution began too late in that week to owe a report
            intents += self.intents_for(
                rule,
                "weekly_report",
                p.id,
                p.unit_code,
                week,
                {"week": week, "project_title": p.title},
                f"/projects/{p.id}/weekly-reports",
            )
        return intents

    @staticmethod
    def deadline_period(rule: Rule, deadline: date, today: date, prefix: str) -> str | None:
        """`<prefix>/D-3` (nearest threshold), `<prefix>/<today>` (overdue, daily) or
        `<prefix>` (escalation, once), or None when nothing is due today."""
        days_left = (deadline - today).days
        if rule.kind is Kind.ESCALATION:
            assert rule.overdue_days is not None
            return prefix if -days_left >= rule.overdue_days else None
        if days_left >= 0:
            near = [d for d in rule.days_before if days_left <= d]
            return f"{prefix}/D-{min(near)}" if near else None
        return f"{prefix}/{today.isoformat()}" if rule.daily_while_overdue else None

    def _rectifications(
        self, rule: Rule, today: date, rectifications: list[RectificationSubject]
    ) -> list[Intent]:
        intents: list[Intent] = []
        for r in rectifications:
            # The deadline is part of the period: a reopened rectification's new
            # deadline gets its own warnings.
            period = self.deadline_period(rule, r.deadline, today, r.deadline.isoformat())
            if period is None:
                continue
            days_left = (r.deadline - today).days
            intents += self.intents_for(
                rule,
                "rectification",
                r.id,
                r.unit_code,
                period,
                {
                    "month": r.deadline.strftime("%Y-%m"),
                    "task": "；".join(r.items),
                    "owner": self.unit_name(r.unit_code),
                    "deadline": r.deadline.isoformat(),
                    "days_left": str(max(days_left, 0)),
                    "days_overdue": str(max(-days_left, 0)),
                    "project_title": "",
                },
                f"/rectifications/{r.id}",
            )
        return intents

    def _deadlines(self, rule: Rule, today: date, projects: list[ProjectSubject]) -> list[Intent]:
        intents: list[Intent] = []
        for p in projects:
            if p.status != ProjectStatus.IN_EXECUTION:
                continue
            for s in p.stages:
                if s.reported or s.completed:
                    continue
                days_left = (s.deadline - today).days
                period = self.deadline_period(rule, s.deadline, today, s.month)
                if period is None:
                    continue
                intents += self.intents_for(
                    rule,
                    "stage",
                    f"{p.id}/{s.month}",
                    p.unit_code,
                    period,
                    {
                        "month": s.month,
                        "task": s.task,
                        "owner": s.owner,
                        "deadline": s.deadline.isoformat(),
                        "days_left": str(max(days_left, 0)),
                        "days_overdue": str(max(-days_left, 0)),
                        "project_title": p.title,
                    },
                    f"/projects/{p.id}/stages/{s.month}",
                )
        return intents

    def _review_waiting(
        self, rule: Rule, today: date, projects: list[ProjectSubject]
    ) -> list[Intent]:
        assert rule.waiting_days is not None
        intents: list[Intent] = []
        for p in projects:
            if p.status != ProjectStatus.SUBMITTED or p.submitted_on is None:
                continue
            waiting = (today - p.submitted_on).days
            if waiting >= rule.waiting_days:
                intents += self.intents_for(
                    rule,
                    "project",
                    p.id,
                    p.unit_code,
                    f"revision-{p.revision}",
                    {
                        "project_title": p.title,
                        "submitted_on": p.submitted_on.isoformat(),
                        "days_waiting": str(waiting),
                    },
                    f"/projects/{p.id}/review",
                    reviewer_unit=p.reviewer_unit,
                )
        return intents

"""A generated project year as real contract events (tests and the benchmark).

Each project follows the lifecycle of the projects service: declaration
(sometimes returned and revised), submission, approval, filing,
announcement, execution with monthly stage reports (some stages go overdue
first) and weekly reports, completion and year-end evaluation; projects stop
at random points so every status occurs. Events are yielded week by week
across all projects (as they would interleave on the topic), each project's
own events in version order.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.divisions import DivisionTree, default_tree
from lingban_contracts.events import projects as ev

CATEGORIES = (
    "小区治理",
    "议事协商",
    "民声呼应",
    "民生服务",
    "产业发展",
    "乡村振兴",
    "基层治理",
    "生态环境",
    "文明创建",
    "平安建设",
    "党建引领",
)
ACTOR = Actor(id="synthetic", name="生成器")


@dataclass
class _Project:
    id: str
    unit_code: str
    year: int
    category: str
    months: list[str]
    stop: int  # how far through the lifecycle it gets (0..9)
    returned: bool
    overdue: set[str]
    weekly: bool
    version: int = 0
    scheduled: dict[int, list[EventData]] = field(default_factory=dict)  # week -> payloads


def _week_of(day: date, year: int) -> int:
    return max(0, (day - date(year, 1, 1)).days // 7)


def _plan(p: _Project, rnd: random.Random) -> None:
    ids = {"project_id": p.id, "unit_code": p.unit_code, "year": p.year}
    tasks = [ev.StageTask(month=m, task=f"{m} 阶段任务", deliverable="成果") for m in p.months]
    deadline = date(p.year, int(p.months[-1][5:]), 28)
    form = {
        "title": f"{p.category}项目 {p.id[:6]}",
        "category": p.category,
        "problem": "群众反映强烈的难点",
        "expected_goals": "年内解决",
        "evaluation_criteria": "群众满意度",
        "lead_secretary": "书记",
        "task_force": ["专班成员"],
        "deadline": deadline,
        "stage_tasks": tasks,
    }

    def at(week: int, data: EventData) -> None:
        p.scheduled.setdefault(week, []).append(data)

    at(rnd.randint(0, 3), ev.ProjectDeclared(**ids, **form))
    week = 4
    revision = 1
    if p.stop < 1:
        return
    if p.returned:
        at(week, ev.ProjectSubmitted(**ids, revision=1, reviewer_unit=p.unit_code))
        scores = ev.ReviewScores(feasibility=50, precision=70, effectiveness=70)
        at(week, ev.ProjectReturned(**ids, revision=1, scores=scores, reasons=["目标不清"]))
        revision = 2
        at(week + 1, ev.ProjectRevised(**ids, revision=2, form=ev.DeclarationForm(**form)))
        week += 2
    at(week, ev.ProjectSubmitted(**ids, revision=revision, reviewer_unit=p.unit_code))
    if p.stop < 2:
        return
    scores = ev.ReviewScores(feasibility=80, precision=85, effectiveness=90)
    at(week + 1, ev.ProjectApproved(**ids, revision=revision, scores=scores))
    if p.stop < 3:
        return
    at(week + 1, ev.ProjectFiled(**ids, filing_number=f"LB-{p.id[:6]}"))
    if p.stop < 4:
        return
    start = date(p.year, 2, 1)
    at(week + 1, ev.ProjectAnnounced(**ids, starts_on=start, ends_on=start + timedelta(days=7)))
    if p.stop < 5:
        return
    at(
        week + 2,
        ev.ProjectExecutionStarted(
            **ids, stage_months=p.months, lead_secretary="书记", deadline=deadline
        ),
    )
    months_done = p.months if p.stop >= 6 else p.months[: len(p.months) // 2]
    for m in p.months:
        month_start = date(p.year, int(m[5:]), 1)
        report_week = _week_of(month_start + timedelta(days=24), p.year)
        if m in p.overdue:
            at(report_week + 2, ev.StageOverdue(**ids, month=m, task="t", detected_on=month_start))
            report_week += 3
        if m in months_done:
            report = ev.StageReported(
                **ids,
                month=m,
                status=ev.StageStatus.DONE,
                percent=100,
                narrative="完成",
                late=m in p.overdue,
            )
            at(report_week, report)
            at(report_week, ev.StageCompleted(**ids, month=m))
    if p.weekly:
        first = _week_of(date(p.year, int(p.months[0][5:]), 1), p.year)
        last = _week_of(date(p.year, int(p.months[-1][5:]), 28), p.year)
        for w in range(first, last + 1):
            at(
                w,
                ev.WeeklyReportSubmitted(
                    **ids, week=f"{p.year}-W{w + 1:02d}", key_tasks=["重点任务"], narrative="推进"
                ),
            )
    if p.stop < 7:
        return
    end_week = _week_of(deadline, p.year) + 4
    at(end_week, ev.CompletionRequested(**ids, summary="已完成"))
    if p.stop < 8:
        return
    at(end_week + 1, ev.CompletionAccepted(**ids))
    if p.stop < 9:
        return
    evaluated_at = datetime(p.year, 1, 1, tzinfo=UTC) + timedelta(weeks=end_week + 2)
    at(
        end_week + 2,
        ev.ProjectEvaluated(
            **ids,
            governance_effect=92,
            problem_solved=90,
            plan_completed=95,
            total=92.3,
            rating=ev.Rating.EXCELLENT,
            model_case=rnd.random() < 0.3,
            evaluated_at=evaluated_at,
        ),
    )


def plan_year(
    projects: int,
    *,
    year: int = 2026,
    seed: int = 7,
    tree: DivisionTree | None = None,
    weekly: float = 1.0,
) -> list[_Project]:
    """Plan `projects` project years over the tree's units (round robin)."""
    rnd = random.Random(seed)
    units = [u.code for u in (tree or default_tree())]
    planned: list[_Project] = []
    for i in range(projects):
        first = rnd.randint(3, 5)
        last = rnd.randint(first + 2, 11)
        months = [f"{year}-{m:02d}" for m in range(first, last + 1)]
        p = _Project(
            id=uuid.UUID(int=rnd.getrandbits(128)).hex,
            unit_code=units[i % len(units)],
            year=year,
            category=CATEGORIES[rnd.randrange(len(CATEGORIES))],
            months=months,
            stop=rnd.choice((0, 1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 9)),
            returned=rnd.random() < 0.15,
            overdue={m for m in months if rnd.random() < 0.1},
            weekly=rnd.random() < weekly,
        )
        _plan(p, rnd)
        planned.append(p)
    return planned


def events_by_week(planned: list[_Project]) -> Iterator[list[Envelope]]:
    """Week by week (0..59), every project's events of that week, in version order."""
    for week in range(60):
        batch: list[Envelope] = []
        when = datetime(planned[0].year if planned else 2026, 1, 1, 8, tzinfo=UTC) + timedelta(
            weeks=week
        )
        for p in planned:
            for offset, data in enumerate(p.scheduled.get(week, [])):
                p.version += 1
                batch.append(
                    new_envelope(
                        data=data,
                        source_service="projects",
                        actor=ACTOR,
                        region_code=p.unit_code,
                        aggregate_id=p.id,
                        aggregate_version=p.version,
                        time=when + timedelta(minutes=p.version, seconds=offset),
                    )
                )
        yield batch


def project_year_events(
    projects: int, *, seed: int = 7, weekly: float = 1.0, year: int = 2026
) -> list[Envelope]:
    """The whole generated year as one list (small scales: tests)."""
    planned = plan_year(projects, seed=seed, weekly=weekly, year=year)
    return [e for week in events_by_week(planned) for e in week]

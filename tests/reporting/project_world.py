"""A small year of real project events, and the figures they imply.

Built with the contracts (the same payloads the projects service publishes), for
tests that feed the reporting service through Kafka and compare what it shows.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.events import projects as ev
from lingban_contracts.regions import in_subtree

# The status a project is in after each kind of event (the projects service's states).
STATUS_AFTER: dict[type[EventData], str] = {
    ev.ProjectDeclared: "declared",
    ev.ProjectSubmitted: "submitted",
    ev.ProjectReturned: "returned",
    ev.ProjectApproved: "approved",
    ev.ProjectExecutionStarted: "in_execution",
    ev.CompletionRequested: "completion_requested",
    ev.CompletionAccepted: "completed",
}
SCORES = ev.ReviewScores(feasibility=90, precision=85, effectiveness=88)


@dataclass
class Project:
    id: str
    unit_code: str
    title: str
    category: str
    year: int
    status: str = "declared"
    overdue_months: list[str] = field(default_factory=list)
    events: list[Envelope] = field(default_factory=list)

    def emit(self, data: EventData) -> None:
        self.events.append(
            new_envelope(
                data=data,
                source_service="projects",
                actor=Actor(id="tester"),
                region_code=self.unit_code,
                aggregate_id=self.id,
                aggregate_version=len(self.events) + 1,
                time=datetime(self.year, 1, 5, tzinfo=UTC) + timedelta(days=len(self.events)),
            )
        )
        self.status = STATUS_AFTER.get(type(data), self.status)

    def ids(self) -> dict[str, object]:
        return {"project_id": self.id, "unit_code": self.unit_code, "year": self.year}

    def months(self) -> list[str]:
        return [f"{self.year}-{m:02d}" for m in (4, 5, 6)]

    # --- the steps of the year, each one event --------------------------------------

    def declare(self) -> Project:
        self.emit(
            ev.ProjectDeclared(
                **self.ids(),
                title=self.title,
                category=self.category,
                problem="群众反映强烈的难点",
                expected_goals="年底前解决",
                evaluation_criteria="群众满意度",
                lead_secretary="张书记",
                task_force=["李四"],
                deadline=date(self.year, 10, 31),
                stage_tasks=[
                    ev.StageTask(month=m, task=f"{m} 任务", deliverable="台账")
                    for m in self.months()
                ],
            )
        )
        return self

    def approve(self) -> Project:
        self.emit(ev.ProjectSubmitted(**self.ids(), revision=1, reviewer_unit=self.unit_code))
        self.emit(ev.ProjectApproved(**self.ids(), revision=1, scores=SCORES))
        return self

    def start(self) -> Project:
        self.emit(
            ev.ProjectExecutionStarted(
                **self.ids(),
                stage_months=self.months(),
                lead_secretary="张书记",
                deadline=date(self.year, 10, 31),
            )
        )
        return self

    def miss_stage(self, month: str) -> Project:
        self.emit(
            ev.StageOverdue(
                **self.ids(), month=month, task=f"{month} 任务", detected_on=date(self.year, 7, 1)
            )
        )
        self.overdue_months.append(month)
        return self

    def complete(self) -> Project:
        self.emit(ev.CompletionRequested(**self.ids(), summary="已完成"))
        self.emit(ev.CompletionAccepted(**self.ids(), comment="同意"))
        return self


@dataclass
class World:
    year: int
    projects: list[Project] = field(default_factory=list)

    def add(self, unit_code: str, title: str, category: str = "民生服务") -> Project:
        project = Project(uuid.uuid4().hex, unit_code, title, category, self.year)
        self.projects.append(project)
        return project.declare()

    def events(self) -> list[Envelope]:
        return [e for p in self.projects for e in p.events]

    def within(self, region: str) -> list[Project]:
        return [p for p in self.projects if in_subtree(p.unit_code, region)]

    def figures(self, region: str) -> dict[str, int]:
        """What the events imply for a region: the overview's project figures."""
        mine = self.within(region)
        by_status = Counter(p.status for p in mine)
        return {
            "declared": len(mine),
            "in_execution": by_status["in_execution"],
            # Cumulative, as leaders read them: past approval, accepted as complete.
            "approved": len(mine)
            - sum(by_status[s] for s in ("declared", "submitted", "returned")),
            "completed": by_status["completed"] + by_status["evaluated"],
            "overdue_stages": sum(len(p.overdue_months) for p in mine),
        }

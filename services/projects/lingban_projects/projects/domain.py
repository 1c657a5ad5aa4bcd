"""Pure domain rules of a project (no framework or driver imports)."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.events.projects import ProjectDeclared, StageTask
from lingban_kit.errors import FieldProblem, ValidationFailed

SERVICE = "projects"


class ProjectStatus(enum.StrEnum):
    DECLARED = "declared"


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class Declaration:
    """The declaration form (申报表) with its implementation plan (实施方案)."""

    unit_code: str
    year: int
    title: str
    category: str
    problem: str
    expected_goals: str
    evaluation_criteria: str
    lead_secretary: str
    task_force: tuple[str, ...]
    deadline: date
    stage_tasks: tuple[StageTask, ...]

    def fields(self) -> dict[str, Any]:
        """The form's fields by name (shallow), to build payloads and responses from."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def problems(self) -> list[FieldProblem]:
        """Field-level problems; empty when the plan holds together."""
        found: list[FieldProblem] = []
        deadline_month = self.deadline.strftime("%Y-%m")
        if self.deadline.year != self.year:
            found.append(
                FieldProblem(
                    "deadline",
                    f"完成时限须在项目年度 {self.year} 年内",
                    f"The deadline must fall within the project year {self.year}",
                )
            )
        if not self.stage_tasks:
            found.append(
                FieldProblem(
                    "stage_tasks",
                    "至少需要一项按月阶段任务",
                    "At least one monthly stage task is needed",
                )
            )
            return found
        for i, stage in enumerate(self.stage_tasks):
            if stage.month > deadline_month:
                found.append(
                    FieldProblem(
                        f"stage_tasks.{i}.month",
                        f"阶段月份 {stage.month} 晚于完成时限 {self.deadline.isoformat()}",
                        f"Stage month {stage.month} is after the deadline {self.deadline.isoformat()}",
                    )
                )
            if int(stage.month[:4]) != self.year:
                found.append(
                    FieldProblem(
                        f"stage_tasks.{i}.month",
                        f"阶段月份 {stage.month} 不在项目年度 {self.year} 年内",
                        f"Stage month {stage.month} is outside the project year {self.year}",
                    )
                )
        planned = {s.month for s in self.stage_tasks}
        first = min(planned)
        for month in _months_between(first, deadline_month):
            if month not in planned:
                found.append(
                    FieldProblem(
                        "stage_tasks",
                        f"{month} 在项目周期内但没有阶段任务（须按月细化）",
                        f"{month} is within the project span but has no stage task (plan every month)",
                    )
                )
        return found


@dataclass
class Project:
    id: str
    declaration: Declaration
    status: ProjectStatus
    version: int
    declared_at: datetime
    declared_by: Actor
    pending_events: list[Envelope] = field(default_factory=list)

    @classmethod
    def declare(
        cls,
        declaration: Declaration,
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
    ) -> Project:
        problems = declaration.problems()
        if problems:
            raise ValidationFailed(
                message="申报内容有误，请按提示修改",
                message_en="The declaration has problems to fix",
                details=problems,
            )
        project = cls(
            id=uuid.uuid4().hex,
            declaration=declaration,
            status=ProjectStatus.DECLARED,
            version=0,
            declared_at=now,
            declared_by=actor,
        )
        project._record(
            ProjectDeclared(project_id=project.id, **declaration.fields()),
            actor,
            now,
            correlation_id,
        )
        return project

    def _record(
        self, data: EventData, actor: Actor, now: datetime, correlation_id: str | None
    ) -> None:
        self.version += 1
        self.pending_events.append(
            new_envelope(
                data=data,
                source_service=SERVICE,
                actor=actor,
                region_code=self.declaration.unit_code,
                aggregate_id=self.id,
                aggregate_version=self.version,
                correlation_id=correlation_id,
                time=now,
            )
        )

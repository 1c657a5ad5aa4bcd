"""HTTP request and response bodies of the project API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts import Actor
from lingban_contracts.events.projects import StageTask
from lingban_contracts.regions import RegionCode
from lingban_projects.projects.domain import Declaration, Project


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: RegionCode = Field(description="12-digit division code of the declaring unit")
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=2, max_length=200)
    category: str = Field(min_length=1, max_length=50)
    problem: str = Field(min_length=1, max_length=4000, description="难点、堵点、痛点")
    expected_goals: str = Field(min_length=1, max_length=4000)
    evaluation_criteria: str = Field(min_length=1, max_length=4000)
    lead_secretary: str = Field(min_length=1, max_length=100)
    task_force: list[str] = Field(min_length=1, max_length=50)
    deadline: date
    stage_tasks: list[StageTask] = Field(max_length=60)

    def to_domain(self) -> Declaration:
        fields = dict(self)  # shallow: keeps the StageTask models
        fields.update(task_force=tuple(self.task_force), stage_tasks=tuple(self.stage_tasks))
        return Declaration(**fields)


class ProjectOut(BaseModel):
    id: str
    status: str
    version: int
    declared_at: datetime
    declared_by: Actor
    unit_code: str
    year: int
    title: str
    category: str
    problem: str
    expected_goals: str
    evaluation_criteria: str
    lead_secretary: str
    task_force: list[str]
    deadline: date
    stage_tasks: list[StageTask]

    @classmethod
    def of(cls, project: Project) -> ProjectOut:
        return cls(
            id=project.id,
            status=project.status.value,
            version=project.version,
            declared_at=project.declared_at,
            declared_by=project.declared_by,
            **project.declaration.fields(),
        )

"""Payloads of the projects service (书记领办项目)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.base import EventData
from lingban_contracts.regions import RegionCode


class StageTask(BaseModel):
    """One monthly stage task of the progress plan (按月细化阶段任务)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    task: str = Field(min_length=1, max_length=500)
    deliverable: str = Field(min_length=1, max_length=500)


class ProjectDeclared(EventData):
    project_id: str
    unit_code: RegionCode
    year: int
    title: str
    category: str
    problem: str = Field(description="The difficulty it addresses (难点、堵点、痛点).")
    expected_goals: str
    evaluation_criteria: str
    lead_secretary: str
    task_force: list[str]
    deadline: date
    stage_tasks: list[StageTask]

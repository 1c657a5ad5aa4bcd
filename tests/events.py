"""Builders of real contract events, shared by the tests of every package."""

from __future__ import annotations

import uuid
from datetime import date

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.events.projects import ProjectDeclared, StageTask


def project_declared(
    project_id: str | None = None,
    *,
    title: str = "示范项目",
    version: int = 1,
    unit_code: str = "340881100201",
    correlation_id: str | None = None,
) -> Envelope:
    pid = project_id or uuid.uuid4().hex
    return new_envelope(
        data=ProjectDeclared(
            project_id=pid,
            unit_code=unit_code,
            year=2026,
            title=title,
            category="民生服务",
            problem="p",
            expected_goals="g",
            evaluation_criteria="c",
            lead_secretary="张书记",
            task_force=["李四"],
            deadline=date(2026, 4, 30),
            stage_tasks=[StageTask(month="2026-04", task="t", deliverable="d")],
        ),
        source_service="projects",
        actor=Actor(id="tester"),
        region_code=unit_code,
        aggregate_id=pid,
        aggregate_version=version,
        correlation_id=correlation_id,
    )

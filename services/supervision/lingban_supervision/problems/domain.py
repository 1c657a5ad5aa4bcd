"""A problem of the problem list (问题清单), tracked from registration to resolution."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lingban_contracts import Actor
from lingban_contracts.attachments import Attachment
from lingban_contracts.events import supervision as ev
from lingban_contracts.events.supervision import (
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
)
from lingban_kit.errors import FieldProblem, InvalidTransition, ValidationFailed
from lingban_kit.regions import REGION_PATH, region_path
from lingban_supervision.aggregate import Aggregate

STATUS_ZH = {
    ProblemStatus.OPEN: "待整改",
    ProblemStatus.IN_PROGRESS: "整改中",
    ProblemStatus.RESOLVED: "已办结",
}


@dataclass(frozen=True)
class Facts:
    """What the problem is and where it came from (群众提、自己找、上级点、相互帮)."""

    unit_code: str
    township_code: str | None
    project_id: str | None
    year: int
    source: ProblemSource
    channel: ProblemChannel
    category: str
    level: ProblemLevel
    description: str
    visit_id: str | None = None
    inspection_id: str | None = None


@dataclass(kw_only=True)
class Problem(Aggregate):
    facts: Facts
    measures: list[str]
    status: ProblemStatus
    registered_on: date
    # Denormalised for queries (the facts hold the same values).
    unit_code: str
    year: int
    month: str
    resolution: str | None = None
    resolved_on: date | None = None
    # Files of the registration and of the resolution, in that order.
    attachments: list[Attachment] = field(default_factory=list)

    def query_fields(self) -> dict[str, Any]:
        return {REGION_PATH: region_path(self.unit_code)}

    @classmethod
    def register(
        cls,
        *,
        problem_id: str,
        facts: Facts,
        measures: list[str],
        categories: tuple[str, ...],
        today: date,
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> Problem:
        if categories and facts.category not in categories:
            raise ValidationFailed(
                message="问题类别不在可选范围内",
                message_en="Unknown problem category",
                details=[
                    FieldProblem(
                        "category",
                        f"可选：{'、'.join(categories)}",
                        f"one of: {', '.join(categories)}",
                    )
                ],
            )
        problem = cls(
            id=problem_id,
            facts=facts,
            measures=measures,
            status=ProblemStatus.OPEN,
            registered_on=today,
            unit_code=facts.unit_code,
            year=facts.year,
            month=today.strftime("%Y-%m"),
            correlation_id=correlation_id,
            attachments=list(attachments),
        )
        problem.record(
            ev.ProblemRegistered(
                **problem._ids(),
                description=facts.description,
                measures=measures,
                status=problem.status,
                registered_on=today,
                visit_id=facts.visit_id,
                inspection_id=facts.inspection_id,
                attachments=list(attachments),
            ),
            actor,
            now,
            facts.unit_code,
        )
        return problem

    def change_status(
        self,
        status: ProblemStatus,
        *,
        measures: list[str] | None,
        note: str | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        self._require_unresolved()
        if status is ProblemStatus.RESOLVED:
            raise ValidationFailed(
                message="办结请使用“办结销号”",
                message_en="Use the resolution endpoint to resolve a problem",
                details=[FieldProblem("status", "不能直接设为已办结", "cannot set resolved here")],
            )
        if status is self.status and measures is None:
            raise InvalidTransition(
                message=f"问题已是“{STATUS_ZH[status]}”", message_en=f"Already {status.value}"
            )
        previous = self.status
        self.status = status
        if measures is not None:
            self.measures = measures
        self.record(
            ev.ProblemStatusChanged(
                **self._ids(),
                status=status,
                previous_status=previous,
                measures=self.measures,
                note=note,
            ),
            actor,
            now,
            self.unit_code,
        )

    def resolve(
        self,
        resolution: str,
        today: date,
        actor: Actor,
        now: datetime,
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        self._require_unresolved()
        previous = self.status
        self.status = ProblemStatus.RESOLVED
        self.resolution = resolution
        self.resolved_on = today
        self.attachments += attachments
        self.record(
            ev.ProblemResolved(
                **self._ids(),
                previous_status=previous,
                resolution=resolution,
                resolved_on=today,
                registered_on=self.registered_on,
                attachments=list(attachments),
            ),
            actor,
            now,
            self.unit_code,
        )

    def _require_unresolved(self) -> None:
        if self.status is ProblemStatus.RESOLVED:
            raise InvalidTransition(
                message="问题已办结销号",
                message_en="The problem is resolved already",
                extra={"status": self.status.value},
            )

    def _ids(self) -> dict[str, Any]:
        f = self.facts
        return {
            "problem_id": self.id,
            "unit_code": f.unit_code,
            "township_code": f.township_code,
            "project_id": f.project_id,
            "year": f.year,
            "source": f.source,
            "channel": f.channel,
            "category": f.category,
            "level": f.level,
        }

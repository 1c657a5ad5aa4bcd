"""A model case of the library (典型案例: 一项目一品牌, 样板镇, 示范村) (pure).

nominated ─publish→ published
    └──────withdraw (from either)──→ withdrawn
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lingban_contracts import Actor
from lingban_contracts.events import assessment as ev
from lingban_contracts.events.assessment import (
    MODEL_CASE_KIND_ZH,
    ModelCaseKind,
    ModelCaseStatus,
)
from lingban_kit.errors import InvalidTransition
from lingban_kit.regions import REGION_PATH, region_path
from lingban_supervision.aggregate import Aggregate

KIND_ZH = MODEL_CASE_KIND_ZH
STATUS_ZH = {
    ModelCaseStatus.NOMINATED: "已推荐",
    ModelCaseStatus.PUBLISHED: "已发布",
    ModelCaseStatus.WITHDRAWN: "已撤回",
}


@dataclass(kw_only=True)
class ModelCase(Aggregate):
    kind: ModelCaseKind
    unit_code: str
    project_id: str | None
    year: int
    title: str
    summary: str
    status: ModelCaseStatus
    nominated_at: datetime
    published_on: date | None = None
    withdrawal_reason: str | None = None

    def query_fields(self) -> dict[str, Any]:
        return {REGION_PATH: region_path(self.unit_code)}

    @property
    def published(self) -> bool:
        return self.status is ModelCaseStatus.PUBLISHED

    @classmethod
    def nominate(
        cls,
        *,
        kind: ModelCaseKind,
        unit_code: str,
        project_id: str | None,
        year: int,
        title: str,
        summary: str,
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
    ) -> ModelCase:
        case = cls(
            id=uuid.uuid4().hex,
            kind=kind,
            unit_code=unit_code,
            project_id=project_id,
            year=year,
            title=title,
            summary=summary,
            status=ModelCaseStatus.NOMINATED,
            nominated_at=now,
            correlation_id=correlation_id,
        )
        case.record(
            ev.ModelCaseNominated(
                **case._ids(), kind=kind, project_id=project_id, title=title, summary=summary
            ),
            actor,
            now,
            unit_code,
        )
        return case

    def publish(self, today: date, actor: Actor, now: datetime) -> None:
        self._require(ModelCaseStatus.NOMINATED, "发布", "publish")
        self.status = ModelCaseStatus.PUBLISHED
        self.published_on = today
        self.record(
            ev.ModelCasePublished(
                **self._ids(),
                kind=self.kind,
                project_id=self.project_id,
                title=self.title,
                summary=self.summary,
                published_on=today,
            ),
            actor,
            now,
            self.unit_code,
        )

    def withdraw(self, reason: str, actor: Actor, now: datetime) -> None:
        self._require(ModelCaseStatus.NOMINATED, "撤回", "withdraw", ModelCaseStatus.PUBLISHED)
        self.status = ModelCaseStatus.WITHDRAWN
        self.withdrawal_reason = reason
        self.record(ev.ModelCaseWithdrawn(**self._ids(), reason=reason), actor, now, self.unit_code)

    def _ids(self) -> dict[str, Any]:
        return {"case_id": self.id, "unit_code": self.unit_code, "year": self.year}

    def _require(
        self, allowed: ModelCaseStatus, action: str, action_en: str, *more: ModelCaseStatus
    ) -> None:
        if self.status is not allowed and self.status not in more:
            raise InvalidTransition(
                message=f"典型案例当前为“{STATUS_ZH[self.status]}”，不能{action}",
                message_en=f"The model case is {self.status.value}; cannot {action_en}",
                extra={"status": self.status.value},
            )

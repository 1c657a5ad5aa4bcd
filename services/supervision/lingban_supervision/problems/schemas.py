"""Response bodies of the problem list (问题清单) and its counts."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from lingban_contracts.attachments import Attachment
from lingban_contracts.events.supervision import (
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
)
from lingban_supervision.schemas import AggregateOut, Out


class FactsOut(Out):
    """What the problem is and where it came from."""

    unit_code: str
    township_code: str | None
    project_id: str | None
    year: int
    source: ProblemSource = Field(description="群众提 / 自己找 / 上级点 / 相互帮")
    channel: ProblemChannel
    category: str
    level: ProblemLevel = Field(description="组织层面 / 个人层面")
    description: str | None = Field(
        description="Null for individual-level problems (个人层面) when a leader or "
        "subscriber reads the list"
    )
    visit_id: str | None = Field(description="The visit it was raised on")
    inspection_id: str | None = Field(description="The inspection that found it")


class ProblemOut(AggregateOut):
    """A problem, from registration to resolution (办结销号)."""

    facts: FactsOut
    measures: list[str] = Field(
        description="Empty for individual-level problems when a leader or subscriber reads them"
    )
    status: ProblemStatus
    registered_on: date
    unit_code: str = Field(description="Same as facts.unit_code")
    year: int = Field(description="Same as facts.year")
    month: str = Field(description="The month it was registered", examples=["2026-03"])
    resolution: str | None = Field(
        description="Null for individual-level problems when a leader or subscriber reads them"
    )
    resolved_on: date | None
    attachments: list[Attachment] = Field(
        description="Files of the registration, then of the resolution (GET /v1/files/{file_id}); "
        "empty when a leader or subscriber reads the problem"
    )
    verified_above: bool = Field(
        default=False,
        description="Raised by a superior (上级点) or found by supervision: the level above "
        "the unit strikes it off (办结销号), not the unit",
    )
    withheld: bool = Field(
        default=False,
        description="True for leaders and subscribers: the public view, without files and "
        "without the details of individual-level problems",
    )

    def public(self) -> ProblemOut:
        """The public view (LB-14): counts and kinds, not people."""
        update: dict[str, object] = {"attachments": [], "withheld": True}
        if self.facts.level is ProblemLevel.INDIVIDUAL:
            update |= {
                "facts": self.facts.model_copy(update={"description": None}),
                "measures": [],
                "resolution": None,
            }
        return self.model_copy(update=update)


class CategoryLevelCount(Out):
    category: str
    level: ProblemLevel
    total: int
    resolved: int


class ProblemCountsOut(Out):
    """Counts over every matching problem, as the reports give them."""

    region: str = Field(description="The region counted (its whole subtree)")
    year: int | None
    month: str | None
    total: int
    resolved: int
    resolution_rate: float = Field(description="resolved / total, 4 decimals; 0 when none")
    by_category_level: list[CategoryLevelCount]
    by_category: dict[str, int]
    by_level: dict[ProblemLevel, int]
    by_source: dict[ProblemSource, int]
    by_channel: dict[ProblemChannel, int]
    by_status: dict[ProblemStatus, int]

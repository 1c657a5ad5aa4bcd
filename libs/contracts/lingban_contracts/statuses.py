"""Statuses other services read from our events, spelled once.

A project's status is decided by the projects service's state machine
(`lingban_projects.projects.domain`); reporting and notifications fold the
same events into their own copies and must use the same words, so the words
live here, with the Chinese labels the screens show.
"""

from __future__ import annotations

import enum


class ProjectStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    FILED = "filed"
    ANNOUNCED = "announced"
    IN_EXECUTION = "in_execution"
    COMPLETION_REQUESTED = "completion_requested"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    # Withdrawn mid-year with the approval of the level above (撤销): terminal.
    WITHDRAWN = "withdrawn"


PROJECT_STATUS_ZH: dict[ProjectStatus, str] = {
    ProjectStatus.DRAFT: "草稿",
    ProjectStatus.SUBMITTED: "待研判",
    ProjectStatus.RETURNED: "已退回",
    ProjectStatus.APPROVED: "研判通过",
    ProjectStatus.FILED: "已备案",
    ProjectStatus.ANNOUNCED: "公示中",
    ProjectStatus.IN_EXECUTION: "实施中",
    ProjectStatus.COMPLETION_REQUESTED: "待验收",
    ProjectStatus.COMPLETED: "已验收",
    ProjectStatus.EVALUATED: "已评价",
    ProjectStatus.WITHDRAWN: "已撤销",
}

# Nothing more happens to a project in these: evaluated (the year's last step) or
# withdrawn. A completed project is not final yet: it is still evaluated.
PROJECT_FINAL = frozenset({ProjectStatus.EVALUATED, ProjectStatus.WITHDRAWN})
# Open: every status that is not final (a merged village's open projects move to its
# successor, `lingban_projects.units.transfers`).
PROJECT_OPEN = tuple(s for s in ProjectStatus if s not in PROJECT_FINAL)

# Approved and not yet finished: the stage plan is live (reminders, overdue checks).
PROJECT_LIVE_PLAN = (
    ProjectStatus.APPROVED,
    ProjectStatus.FILED,
    ProjectStatus.ANNOUNCED,
    ProjectStatus.IN_EXECUTION,
)


class ProjectKind(enum.StrEnum):
    """The two kinds a declaration may be (Yuexi: 7 书记项目 plus 12 书记领办事项).

    Events from before kinds existed carry none: they are secretary projects.
    """

    SECRETARY_PROJECT = "secretary_project"  # 书记项目
    SECRETARY_LED_ITEM = "secretary_led_item"  # 书记领办事项


PROJECT_KIND_ZH: dict[ProjectKind, str] = {
    ProjectKind.SECRETARY_PROJECT: "书记项目",
    ProjectKind.SECRETARY_LED_ITEM: "书记领办事项",
}

# A stage whose latest report says it is only partly done or blocked is lagging
# (滞后), as is one whose month passed without a report (flagged overdue). The
# projects service (its stage view) and reporting (the figures) both decide
# with `stage_lagging`, so the two always name the same stages.
LAGGING_REPORT_STATUSES = frozenset({"partly", "blocked"})


def stage_lagging(*, done: bool, flagged_overdue: bool, last_report: str | None) -> bool:
    """滞后: not struck off, and either flagged overdue or last reported partly/blocked."""
    if done:
        return False
    return flagged_overdue or (last_report in LAGGING_REPORT_STATUSES)

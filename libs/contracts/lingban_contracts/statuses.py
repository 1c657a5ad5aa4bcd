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
}

# Approved and not yet finished: the stage plan is live (reminders, overdue checks).
PROJECT_LIVE_PLAN = (
    ProjectStatus.APPROVED,
    ProjectStatus.FILED,
    ProjectStatus.ANNOUNCED,
    ProjectStatus.IN_EXECUTION,
)

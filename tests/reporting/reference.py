"""Figures computed directly from a list of events, in plain Python (the test oracle).

Deliberately independent of the projection code: it replays each project's
events in version order, once each, the way the projects service made them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lingban_contracts import Envelope

STATUS = {
    "project-declared": "draft",
    "project-revised": "draft",
    "project-submitted": "submitted",
    "project-returned": "returned",
    "project-approved": "approved",
    "project-filed": "filed",
    "project-announced": "announced",
    "project-execution-started": "in_execution",
    "completion-requested": "completion_requested",
    "completion-accepted": "completed",
    "completion-rejected": "in_execution",
    "project-evaluated": "evaluated",
    "objection-upheld": "returned",
    "project-withdrawn": "withdrawn",
}
KIND_LABELS = {"secretary_project": "书记项目", "secretary_led_item": "书记领办事项"}


@dataclass
class RefProject:
    unit_code: str
    category: str = ""
    kind: str = "secretary_project"
    last_report: dict[str, str] = field(default_factory=dict)
    status: str = "draft"
    completed: bool = False
    overdue: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)
    weeks: set[str] = field(default_factory=set)
    rating: str | None = None
    events: int = 0

    @property
    def overdue_months(self) -> list[str]:
        return [] if self.status == "withdrawn" else sorted(self.overdue - self.done)

    @property
    def lagging_months(self) -> list[str]:
        """Not done, and flagged overdue or last reported partly/blocked (not if withdrawn)."""
        if self.status == "withdrawn":
            return []
        late = self.overdue | {m for m, s in self.last_report.items() if s in ("partly", "blocked")}
        return sorted(late - self.done)


def replay(events: list[Envelope]) -> dict[str, RefProject]:
    unique = {(e.aggregate_id, e.aggregate_version): e for e in events}
    projects: dict[str, RefProject] = {}
    for (pid, _), e in sorted(unique.items(), key=lambda kv: kv[0]):
        name = e.type.split(".")[2]
        p = projects.setdefault(pid, RefProject(unit_code=e.data["unit_code"]))
        p.events += 1
        if name in ("project-declared",):
            p.category = e.data["category"]
            p.kind = e.data.get("kind", "secretary_project")
        if name in ("project-revised", "change-approved"):
            p.category = e.data["form"]["category"]
            p.kind = e.data["form"].get("kind", "secretary_project")
        if name == "stage-reported":
            p.last_report[e.data["month"]] = e.data["status"]
        if name in STATUS:
            p.status = STATUS[name]
        if name == "completion-accepted":
            p.completed = True
        if name == "stage-overdue":
            p.overdue.add(e.data["month"])
        if name == "stage-completed":
            p.done.add(e.data["month"])
        if name == "weekly-report-submitted":
            p.weeks.add(e.data["week"])
        if name == "project-evaluated":
            p.rating = e.data["rating"]
    return projects


def reference_figures(projects: dict[str, RefProject], prefix: str = "") -> dict[str, Any]:
    chosen = [p for p in projects.values() if p.unit_code.startswith(prefix)]
    statuses = Counter(p.status for p in chosen)
    completed = sum(1 for p in chosen if p.completed)
    return {
        "declared": len(chosen),
        "submitted": statuses["submitted"],
        "returned": statuses["returned"],
        "approved": statuses["approved"] + statuses["filed"] + statuses["announced"],
        "in_execution": statuses["in_execution"],
        "completion_requested": statuses["completion_requested"],
        "completed": statuses["completed"],
        "evaluated": statuses["evaluated"],
        "passed_review": sum(
            statuses[s]
            for s in (
                "approved",
                "filed",
                "announced",
                "in_execution",
                "completion_requested",
                "completed",
                "evaluated",
            )
        ),
        "accepted": completed,
        "overdue_projects": sum(1 for p in chosen if p.overdue_months),
        "overdue_stages": sum(len(p.overdue_months) for p in chosen),
        "withdrawn": statuses["withdrawn"],
        "lagging_projects": sum(1 for p in chosen if p.lagging_months),
        "lagging_stages": sum(len(p.lagging_months) for p in chosen),
        "completion_rate": (
            round(completed / (len(chosen) - statuses["withdrawn"]), 4)
            if len(chosen) > statuses["withdrawn"]
            else None
        ),
        "by_kind": {
            kind: {
                "label": label,
                "declared": sum(1 for p in chosen if p.kind == kind),
                "accepted": sum(1 for p in chosen if p.kind == kind and p.completed),
                "withdrawn": sum(1 for p in chosen if p.kind == kind and p.status == "withdrawn"),
            }
            for kind, label in KIND_LABELS.items()
        },
    }

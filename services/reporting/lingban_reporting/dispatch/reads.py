"""The dispatch follow-up figures, counted from the meetings and tasks read models (pure
counting over the documents one indexed equality query returns).

- Meetings per region and month: how many each city or township held, by level
  (一月一调度 by the city, 季调度 / monthly by townships).
- Tasks per assigned unit: waiting for the report, reported, closed, overdue now,
  ever flagged overdue, and the closure rate (办结率 = closed / assigned); the tasks
  of the city's member departments (成员单位) per department, apart from the city's
  own row (their unit is the city).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lingban_contracts.divisions import DivisionTree, Unit
from lingban_contracts.events.dispatch import TaskStatus
from lingban_reporting.read_models.generations import DISPATCH_MEETINGS, DISPATCH_TASKS, ReadModels
from lingban_reporting.read_models.regions import region_equality

Doc = dict[str, Any]
MEETING_FIELDS = ("unit_code", "month", "level")
TASK_FIELDS = (
    "unit_code",
    "department",
    "status",
    "overdue",
    "overdue_deadlines",
    "closed_on_time",
)


def rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@dataclass
class TaskCounts:
    assigned: int = 0  # every task of the year (交办总数)
    waiting: int = 0  # 待反馈
    reported: int = 0  # 已反馈，待销号
    closed: int = 0  # 已办结销号
    closed_on_time: int = 0
    overdue: int = 0  # overdue now
    ever_overdue: int = 0

    def add(self, doc: Doc) -> None:
        self.assigned += 1
        status = doc.get("status")
        if status == TaskStatus.ASSIGNED:
            self.waiting += 1
        elif status == TaskStatus.REPORTED:
            self.reported += 1
        elif status == TaskStatus.CLOSED:
            self.closed += 1
            self.closed_on_time += bool(doc.get("closed_on_time"))
        self.overdue += bool(doc.get("overdue"))
        self.ever_overdue += bool(doc.get("overdue_deadlines"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "assigned": self.assigned,
            "open": self.waiting + self.reported,
            "waiting": self.waiting,
            "reported": self.reported,
            "closed": self.closed,
            "closed_on_time": self.closed_on_time,
            "overdue": self.overdue,
            "ever_overdue": self.ever_overdue,
            "closure_rate": rate(self.closed, self.assigned),
        }


@dataclass
class MeetingCounts:
    held: int = 0
    by_level: Counter[str] = field(default_factory=Counter)


def meetings_per_month(tree: DivisionTree, docs: Iterable[Doc]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], MeetingCounts] = {}
    for doc in docs:
        counts = rows.setdefault((str(doc["unit_code"]), str(doc["month"])), MeetingCounts())
        counts.held += 1
        counts.by_level[str(doc["level"])] += 1
    return [
        {
            "region_code": code,
            "region_name": unit.name if (unit := tree.get(code)) else "",
            "month": month,
            "held": c.held,
            "by_level": dict(sorted(c.by_level.items())),
        }
        for (code, month), c in sorted(rows.items(), key=lambda r: (r[0][1], r[0][0]))
    ]


def tasks_per_unit(tree: DivisionTree, docs: Iterable[Doc]) -> tuple[list[dict[str, Any]], Doc]:
    units: dict[str, TaskCounts] = {}
    total = TaskCounts()
    for doc in docs:
        total.add(doc)
        if not doc.get("department"):  # a department's task is counted per department
            units.setdefault(str(doc["unit_code"]), TaskCounts()).add(doc)
    rows = [
        {
            "unit_code": code,
            "unit_name": unit.name if (unit := tree.get(code)) else "",
            **c.as_dict(),
        }
        for code, c in sorted(units.items())
    ]
    return rows, total.as_dict()


def tasks_per_department(docs: Iterable[Doc]) -> list[dict[str, Any]]:
    """The member departments' tasks (成员单位), per department and its city."""
    departments: dict[tuple[str, str], TaskCounts] = {}
    for doc in docs:
        if doc.get("department"):
            key = (str(doc["department"]), str(doc["unit_code"]))
            departments.setdefault(key, TaskCounts()).add(doc)
    return [
        {"department": slug, "unit_code": city, **c.as_dict()}
        for (slug, city), c in sorted(departments.items())
    ]


class DispatchReads:
    def __init__(self, models: ReadModels, tree: DivisionTree) -> None:
        self.models = models
        self.tree = tree

    async def _of(self, base: str, year: int, region: Unit, names: tuple[str, ...]) -> list[Doc]:
        # Equalities the (year, region_path) index serves (`generations.GIN_INDEXES`),
        # for a region of any level.
        query = {"year": year, **region_equality(region.code)}
        collection = self.models.collection(base)
        return await collection.find(query, dict.fromkeys(names, 1)).to_list(None)

    async def meetings(self, year: int, region: Unit) -> list[Doc]:
        return await self._of(DISPATCH_MEETINGS, year, region, MEETING_FIELDS)

    async def tasks(self, year: int, region: Unit) -> list[Doc]:
        return await self._of(DISPATCH_TASKS, year, region, TASK_FIELDS)

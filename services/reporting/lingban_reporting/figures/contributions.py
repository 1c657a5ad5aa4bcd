"""What one read-model document adds to the figures of its unit (pure).

Every figure the dashboard and the bulletin show is a sum, over the documents of
a (year, unit), of small counters, plus two per-unit facts derived from those
sums (the unit has a project; a village was visited in a month). So each
document maps to counters per (year, unit) it counts in, and a unit's figure
document is the sum over its documents (`book.py`). Counter keys:

projects (of the year)   p declared · ps:<status> · pc accepted · po overdue ·
                         pos overdue stages · pkn|pkx|pkc|pko:<category> declared,
                         in execution, accepted, overdue · pcm:<YYYY-MM> accepted
                         that month · pfq:<YYYY-Qn> stages flagged in the quarter's
                         months · pfqp:<YYYY-Qn> projects with such a stage ·
                         pl lagging (滞后) · pls lagging stages · pt|ptc|ptw:<kind>
                         declared, accepted, withdrawn by kind (书记项目 / 书记领办事项)
inspections (of the year, recorded)  i · if failed · id deduction points ·
                         iq|iqf|iqd:<YYYY-Qn> the same for those held in the quarter
rectifications (of the year)  r · rc closed · rf open and flagged overdue ·
                         rd:<deadline> open, not flagged, by deadline (overdue once
                         the deadline passed: `derive.py` counts those as of today)
                         and in the unit's figures of the year it was closed:
                         rcq:<YYYY-Qn> closed in the quarter
problems (of the year)   pr · prr resolved · prv resolved and raised on a visit
visits (of the year)     v:<YYYY-MM> visits · vo:<YYYY-MM> opinions raised
notifications (of the year)  ns sent · nn sent, needing a signature · na signed

Besides the counters, each document counts its `applied_events` and newest
event time in exactly one (year, unit), its *home* (the freshness).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lingban_contracts.statuses import ProjectKind, ProjectStatus
from lingban_kit.clock import LOCAL_ZONE
from lingban_reporting.read_models.generations import (
    INSPECTIONS,
    NOTIFICATIONS,
    PROBLEMS,
    PROJECTS,
    RECTIFICATIONS,
    VISITS,
)

Doc = dict[str, Any]
Counts = dict[str, float]
UnitKey = tuple[int, str]  # (year, unit code); UNPLACED as the code: no unit known yet
UNPLACED = "-"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass
class Contribution:
    home: UnitKey
    applied: int = 0
    as_of: datetime | None = None
    counts: dict[UnitKey, Counts] = field(default_factory=dict)

    def add(self, key: UnitKey, name: str, value: float = 1) -> None:
        if value:
            mine = self.counts.setdefault(key, {})
            mine[name] = mine.get(name, 0) + value

    def units(self) -> set[UnitKey]:
        return {self.home, *self.counts}


def quarter_of_month(month: str) -> str | None:
    """`2026-05` -> `2026-Q2`; None for anything that is not a month."""
    if not _MONTH.match(month):
        return None
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def local_month(value: Any) -> str | None:
    if not isinstance(value, datetime):
        return None
    return value.astimezone(LOCAL_ZONE).strftime("%Y-%m")


def _base(doc: Doc) -> tuple[Contribution, UnitKey | None]:
    year = int(doc.get("year") or 0)
    unit = doc.get("unit_code")
    key = (year, str(unit)) if unit else None
    as_of = doc.get("updated_at")
    contribution = Contribution(
        home=key or (year, UNPLACED),
        applied=int(doc.get("applied_events") or 0),
        as_of=_millis(as_of) if isinstance(as_of, datetime) else None,
    )
    return contribution, key


def _millis(value: datetime) -> datetime:
    """As the database stores it: a stored document and a folded one count alike."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def project(doc: Doc) -> Contribution:
    c, key = _base(doc)
    if key is None:
        return c
    c.add(key, "p")
    c.add(key, f"ps:{doc.get('status')}")
    completed = bool(doc.get("completed"))
    overdue = bool(doc.get("overdue"))
    c.add(key, "pc", completed)
    c.add(key, "po", overdue)
    c.add(key, "pos", int(doc.get("overdue_stages") or 0))
    c.add(key, "pl", bool(doc.get("lagging")))
    c.add(key, "pls", int(doc.get("lagging_stages") or 0))
    kind = str(doc.get("kind") or ProjectKind.SECRETARY_PROJECT)
    c.add(key, f"pt:{kind}")
    c.add(key, f"ptc:{kind}", completed)
    c.add(key, f"ptw:{kind}", doc.get("status") == ProjectStatus.WITHDRAWN)
    category = str(doc.get("category") or "")
    c.add(key, f"pkn:{category}")
    c.add(key, f"pkx:{category}", doc.get("status") == ProjectStatus.IN_EXECUTION)
    c.add(key, f"pkc:{category}", completed)
    c.add(key, f"pko:{category}", overdue)
    accepted = local_month(doc.get("completed_at"))
    if accepted:
        c.add(key, f"pcm:{accepted}")
    quarters: dict[str, int] = {}
    for month in set(doc.get("flagged_months") or []):
        quarter = quarter_of_month(str(month))
        if quarter:
            quarters[quarter] = quarters.get(quarter, 0) + 1
    for quarter, stages in quarters.items():
        c.add(key, f"pfq:{quarter}", stages)
        c.add(key, f"pfqp:{quarter}")
    return c


def inspection(doc: Doc) -> Contribution:
    c, key = _base(doc)
    if key is None or not doc.get("recorded"):
        return c  # planned inspections count for nothing until they take place
    failed = not doc.get("passed", True)
    deduction = float(doc.get("deduction") or 0)
    c.add(key, "i")
    c.add(key, "if", failed)
    c.add(key, "id", deduction)
    month = local_month(doc.get("at"))
    quarter = quarter_of_month(month) if month else None
    if quarter:
        c.add(key, f"iq:{quarter}")
        c.add(key, f"iqf:{quarter}", failed)
        c.add(key, f"iqd:{quarter}", deduction)
    return c


def rectification(doc: Doc) -> Contribution:
    c, key = _base(doc)
    if key is None:
        return c
    c.add(key, "r")
    closed = doc.get("status") == "closed"
    deadline = doc.get("deadline")
    if closed:
        c.add(key, "rc")
        month = local_month(doc.get("closed_at"))
        quarter = quarter_of_month(month) if month else None
        if month and quarter:
            c.add((int(month[:4]), key[1]), f"rcq:{quarter}")
    elif doc.get("flagged_overdue"):
        c.add(key, "rf")
    elif deadline:
        c.add(key, f"rd:{deadline}")
    return c


def problem(doc: Doc) -> Contribution:
    c, key = _base(doc)
    if key is None:
        return c
    resolved = bool(doc.get("resolved"))
    c.add(key, "pr")
    c.add(key, "prr", resolved)
    c.add(key, "prv", resolved and bool(doc.get("visit_id")))
    return c


def visit(doc: Doc) -> Contribution:
    c, key = _base(doc)
    month = doc.get("month")
    if key is None or not isinstance(month, str):
        return c
    c.add(key, f"v:{month}")
    c.add(key, f"vo:{month}", int(doc.get("opinions") or 0))
    return c


def notification(doc: Doc) -> Contribution:
    c, key = _base(doc)
    if key is None or not doc.get("sent"):
        return c
    needing = bool(doc.get("requires_acknowledgement", True))
    c.add(key, "ns")
    c.add(key, "nn", needing)
    c.add(key, "na", needing and bool(doc.get("acknowledged")))
    return c


CONTRIBUTIONS = {
    PROJECTS: project,
    INSPECTIONS: inspection,
    RECTIFICATIONS: rectification,
    PROBLEMS: problem,
    VISITS: visit,
    NOTIFICATIONS: notification,
}

# The fields each read model's contribution reads (what a unit's reload fetches).
_COMMON = ("year", "unit_code", "applied_events", "updated_at")
FIELDS = {
    PROJECTS: (
        *_COMMON,
        "status",
        "completed",
        "overdue",
        "overdue_stages",
        "category",
        "completed_at",
        "flagged_months",
        "lagging",
        "lagging_stages",
        "kind",
    ),
    INSPECTIONS: (*_COMMON, "recorded", "passed", "deduction", "at"),
    RECTIFICATIONS: (*_COMMON, "status", "deadline", "closed_at", "flagged_overdue"),
    PROBLEMS: (*_COMMON, "resolved", "visit_id"),
    VISITS: (*_COMMON, "month", "opinions"),
    NOTIFICATIONS: (*_COMMON, "sent", "requires_acknowledgement", "acknowledged"),
}


def contribution(model: str, doc: Doc) -> Contribution:
    return CONTRIBUTIONS[model](doc)

"""Stationed-contact documents folded from supervision events (pure).

- roster (key `roster_id`): a township's assignments of the year (ended ones too) and
  its villages' household and four-must-visit counts. Every roster event carries the
  full state, so the newest version replaces it (a per-field version guard).
- stationed month (key `record_id`): one person's month: stationed, planned, residence,
  leave and excused days, the residence rule; each event carries the whole summary, so
  the newest replaces it. Leaves are also kept per event version (请假人次), so a
  redelivery counts nothing twice.

Both documents carry `year`, `township_code` and `unit_code` (the township for a roster,
the village for a month), the fields their indexes serve (`generations.py`).
"""

from __future__ import annotations

from typing import Any

from lingban_contracts import Envelope
from lingban_contracts.events import stationing as ev
from lingban_contracts.registry import event_type
from lingban_reporting.read_models.tracking import base_doc, newer, track

ROSTER_CREATED = event_type(ev.RosterCreated)
ROSTER_CHANGED = event_type(ev.RosterChanged)
VISIT_PLAN_SET = event_type(ev.VisitPlanSet)
RESIDENCE_RECORDED = event_type(ev.ResidenceRecorded)
LEAVE_RECORDED = event_type(ev.LeaveRecorded)

ROSTER_EVENTS = (ROSTER_CREATED, ROSTER_CHANGED)
MONTH_EVENTS = (VISIT_PLAN_SET, RESIDENCE_RECORDED, LEAVE_RECORDED)

Doc = dict[str, Any]

# The month summary every stationed-month event repeats.
SUMMARY_FIELDS = (
    "roster_id",
    "person_id",
    "name",
    "position",
    "month",
    "stationed_days",
    "planned_days",
    "residence_days",
    "leave_days",
    "excused_days",
    "min_residence_days",
    "residence_met",
    "min_residence_working_days_per_week",
    "residence_weeks",
)
# Summary fields added later: events recorded before them lack them (no weekly rule).
LATER_FIELDS: dict[str, Any] = {"min_residence_working_days_per_week": 0, "residence_weeks": []}
DAY_FIELDS = frozenset(
    {"stationed_days", "planned_days", "residence_days", "leave_days", "excused_days"}
)


def _days(value: Any) -> list[str]:
    return sorted(str(d) for d in value or [])


# ---- rosters -------------------------------------------------------------------------
def new_roster(event: Envelope) -> Doc:
    doc = base_doc(str(event.data["roster_id"]))
    doc.update(
        year=event.data["year"],
        township_code=event.data["township_code"],
        unit_code=event.data["township_code"],
        assignments=[],
        villages=[],
        changes=[],
    )
    return doc


def fold_roster(doc: Doc, event: Envelope) -> None:
    data = event.data
    if newer(doc, "state_version", event):
        doc["assignments"] = [
            {**a, "valid_from": str(a["valid_from"]), "valid_until": _day(a.get("valid_until"))}
            for a in data["assignments"]
        ]
        doc["villages"] = [
            {
                "village_code": v["village_code"],
                "households": int(v["households"]),
                "must_visit": {str(k): int(n) for k, n in (v.get("must_visit") or {}).items()},
            }
            for v in data["villages"]
        ]
    if event.type == ROSTER_CHANGED:
        change = {**data["change"], "version": event.aggregate_version}
        change["effective_from"] = _day(change.get("effective_from"))
        others = [c for c in doc["changes"] if c["version"] != event.aggregate_version]
        doc["changes"] = sorted([*others, change], key=lambda c: int(c["version"]))
    track(doc, event)


def _day(value: Any) -> str | None:
    return None if value is None else str(value)


def _week(week: Any) -> Doc:
    """A week of the weekly residence rule, its days as text (as every day here)."""
    return {
        "week": str(week["week"]),
        "first_day": str(week["first_day"]),
        "last_day": str(week["last_day"]),
        "working_days": int(week["working_days"]),
        "required": int(week["required"]),
        "resided": int(week["resided"]),
    }


# ---- stationed months ------------------------------------------------------------------
def new_month(event: Envelope) -> Doc:
    data = event.data
    doc = base_doc(str(data["record_id"]))
    doc.update(
        year=data["year"],
        township_code=data["township_code"],
        unit_code=data["unit_code"],
        leaves=[],
        plan_items=0,
    )
    return doc


def fold_month(doc: Doc, event: Envelope) -> None:
    data = event.data
    if newer(doc, "summary_version", event):
        for name in SUMMARY_FIELDS:
            value = data.get(name, LATER_FIELDS.get(name)) if name in LATER_FIELDS else data[name]
            doc[name] = _days(value) if name in DAY_FIELDS else value
        doc["residence_weeks"] = [_week(w) for w in doc["residence_weeks"] or []]
        doc["unit_code"] = data["unit_code"]
    if event.type == VISIT_PLAN_SET and newer(doc, "plan_version", event):
        doc["plan_items"] = len(data["items"])
    if event.type == LEAVE_RECORDED:
        leave = data["leave"]
        entry = {
            "version": event.aggregate_version,
            "first_day": str(leave["first_day"]),
            "last_day": str(leave["last_day"]),
            "reason": leave["reason"],
        }
        others = [x for x in doc["leaves"] if x["version"] != event.aggregate_version]
        doc["leaves"] = sorted([*others, entry], key=lambda x: int(x["version"]))
    track(doc, event)

"""Subjects, directories and times for the notifications tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from lingban_contracts.divisions import default_tree
from lingban_kit.clock import LOCAL_ZONE
from lingban_notifications.directory.demo import demo_directory
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.rules.loader import load_rules
from lingban_notifications.scheduling.evaluate import Evaluator, ProjectSubject

CITY = "340881000000"
TOWNSHIP = "340881001000"  # 文昌街道
VILLAGE = "340881001001"  # 南铺社区
VILLAGE_2 = "340881001002"  # 畈集社区


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """A Beijing wall-clock time, as the aware UTC instant the clock returns."""
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_ZONE).astimezone(UTC)


def subject_doc(
    project_id: str = "p1",
    unit_code: str = VILLAGE,
    *,
    status: str = "in_execution",
    months: tuple[str, ...] = ("2026-04", "2026-05"),
    reported: tuple[str, ...] = (),
    weeks: tuple[str, ...] = (),
    submitted_on: date | None = None,
    started: date = date(2026, 3, 2),
) -> dict[str, Any]:
    return {
        "_id": project_id,
        "unit_code": unit_code,
        "year": 2026,
        "title": f"{project_id} 助餐服务",
        "status": status,
        "stages": {
            m: {
                "tasks": [{"task": f"{m} 任务", "owner": "王专班", "deliverable": "台账"}],
                "reported": m in reported,
                "completed": m in reported,
            }
            for m in months
        },
        "weeks": list(weeks),
        "submitted_on": submitted_on.isoformat() if submitted_on else None,
        "reviewer_unit": TOWNSHIP if submitted_on else None,
        "revision": 1,
        "execution_started_on": started.isoformat(),
    }


def subject(**kw: Any) -> ProjectSubject:
    return ProjectSubject.from_document(subject_doc(**kw))


def directory() -> dict[str, Recipient]:
    return {r.id: r for r in demo_directory(default_tree())}


def evaluator() -> Evaluator:
    return Evaluator(load_rules(), default_tree(), directory())

"""The scheduler on the real database and a fixed clock: no reminder and no
acknowledgement escalation is created on a public holiday, make-up working days
(调休) count, what fell due goes out on the next working day, and the rules'
working-day overrides (through the API) take effect from the next tick."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml

from lingban_kit.auth import Role
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.rules.loader import DEFAULT_RULES_FILE
from tests.auth import auth
from tests.notifications.builders import CITY, VILLAGE, local, subject_doc
from tests.notifications.conftest import NotificationsApi

pytestmark = pytest.mark.integration

SEC = f"secretary:{VILLAGE}"


async def tick_at(api: NotificationsApi, month: int, day: int) -> list[Notification]:
    """One scheduler tick at 10:00 Beijing time, then dispatch what is due (so
    notices count as sent for the acknowledgement escalation)."""
    api.clock.set(local(2026, month, day, 10))
    created = await api.wiring.scheduler().tick()
    while await api.wiring.dispatcher().run_once():
        pass
    return created


def periods(created: list[Notification], rule: str) -> set[str]:
    return {n.period for n in created if n.rule_id == rule and n.recipient_id == SEC}


async def test_nothing_is_created_over_spring_festival_and_it_catches_up_after(
    notif: NotificationsApi,
) -> None:
    db = notif.app.state.runtime.db
    await db["reminder_subjects"].insert_one(
        subject_doc("p1", VILLAGE, months=("2026-01", "2026-02"), started=date(2026, 1, 5))
    )
    friday = await tick_at(notif, 2, 13)
    assert periods(friday, "stage-deadline-warning") == {"2026-01/2026-02-13"}
    must_sign = [n for n in friday if n.requires_ack]
    assert must_sign  # the escalation and the cards wait to be signed (签收)

    saturday = await tick_at(notif, 2, 14)  # 调休: a working Saturday
    assert periods(saturday, "stage-deadline-warning") == {"2026-01/2026-02-14"}

    # Sunday 15th to Monday 23rd are off. The unsigned notices pass 48 hours on
    # the 15th, and the stage stays overdue every day: nothing is created.
    for day in range(15, 24):
        assert await tick_at(notif, 2, day) == [], f"2026-02-{day}"

    tuesday = await tick_at(notif, 2, 24)
    # January still overdue; February's 7-day warning (due on the 21st) arrives too.
    assert periods(tuesday, "stage-deadline-warning") == {"2026-01/2026-02-24", "2026-02/D-7"}
    assert periods(tuesday, "weekly-report-missing") == {"2026-W07", "2026-W08"}
    escalated = {n.subject_id for n in tuesday if n.rule_id == "acknowledgement-escalation"}
    # Every notice left unsigned, except the city's (member departments): no level above.
    assert escalated == {n.id for n in must_sign if n.unit_code != CITY}
    assert len(escalated) == 4  # both township cards, the task force's, the escalation


async def test_working_day_overrides_put_through_the_api_apply_from_the_next_tick(
    notif: NotificationsApi,
) -> None:
    raw: dict[str, Any] = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    city_org = auth(Role.CITY_ORG, CITY)
    raw["extra_working_days"] = raw["non_working_days"] = ["2026-10-05"]
    r = await notif.http.put("/v1/rules", json=raw, headers=city_org)
    assert r.status_code == 422, r.text
    assert "2026-10-05" in r.text
    # National Day's Monday worked after all; Friday October 9 given off instead.
    raw["extra_working_days"] = ["2026-10-05"]
    raw["non_working_days"] = ["2026-10-09"]
    r = await notif.http.put("/v1/rules", json=raw, headers=city_org)
    assert r.status_code == 200, r.text

    db = notif.app.state.runtime.db
    await db["reminder_subjects"].insert_one(
        subject_doc("p1", VILLAGE, months=("2026-09",), started=date(2026, 9, 1))
    )
    assert await tick_at(notif, 10, 2) == []  # still a holiday
    monday = await tick_at(notif, 10, 5)
    assert periods(monday, "stage-deadline-warning") == {"2026-09/2026-10-05"}
    assert periods(monday, "weekly-report-missing") == {"2026-W40"}
    assert await tick_at(notif, 10, 6) == []  # the package's holidays around it stay
    assert periods(await tick_at(notif, 10, 8), "stage-deadline-warning") == {"2026-09/2026-10-08"}
    assert await tick_at(notif, 10, 9) == []
    assert periods(await tick_at(notif, 10, 10), "stage-deadline-warning") == {
        "2026-09/2026-10-10"  # the package's 调休 Saturday still counts
    }

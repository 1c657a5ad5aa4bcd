"""Reporting's stationing fold: any order and any repetition of the events gives the
documents of the events in order, and the figures follow from them."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from lingban_contracts import Actor, Envelope
from lingban_contracts.events.stationing import Assignment, Leave, PlanItem, VillageCounts
from lingban_contracts.events.supervision import HouseholdKind as K
from lingban_reporting.stationing import state
from lingban_reporting.stationing.figures import TownshipInput, township_figures
from lingban_supervision.stationing.domain import Roster, StationedMonth

ACTOR = Actor(id="t", name="测试")
NOW = datetime(2026, 3, 31, 2, tzinfo=UTC)
TOWNSHIP, V1 = "340881100000", "340881100201"


def year_of_events() -> list[Envelope]:
    roster = Roster.create(
        township_code=TOWNSHIP,
        year=2026,
        assignments=[
            Assignment(
                person_id="p1",
                name="王书记",
                position="party_secretary",
                village_code=V1,
                weekday=2,
                valid_from=date(2026, 1, 1),
            )
        ],
        villages=[],
        actor=ACTOR,
        now=NOW,
    )
    roster.set_villages(
        [VillageCounts(village_code=V1, households=10, must_visit={K.PETITIONER: 1})],
        "村情登记",
        ACTOR,
        NOW,
    )
    roster.reassign("p1", date(2026, 3, 16), {"weekday": 4}, "调整", ACTOR, NOW)
    month = StationedMonth.open(roster, "p1", "2026-03", 3)
    month.set_plan([PlanItem(day=date(2026, 3, 3), area="一组")], ACTOR, NOW)
    month.record_leave(
        Leave(first_day=date(2026, 3, 19), last_day=date(2026, 3, 19), reason="会议"), ACTOR, NOW
    )
    month.record_residence([date(2026, 3, 3)], date(2026, 3, 31), ACTOR, NOW)
    month.record_residence([date(2026, 3, 10), date(2026, 3, 24)], date(2026, 3, 31), ACTOR, NOW)
    return [*roster.pending_events, *month.pending_events]


def fold_all(events: list[Envelope]) -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    folds: dict[str, tuple[Callable[[Envelope], dict[str, Any]], Callable[..., None], str]] = {
        **{t: (state.new_roster, state.fold_roster, "roster_id") for t in state.ROSTER_EVENTS},
        **{t: (state.new_month, state.fold_month, "record_id") for t in state.MONTH_EVENTS},
    }
    for event in events:
        new, fold, key = folds[event.type]
        doc_id = str(event.data[key])
        doc = docs.setdefault(doc_id, new(event))
        fold(doc, event)
    return docs


def test_any_order_and_repetition_gives_the_same_documents() -> None:
    events = year_of_events()
    expected = fold_all(events)
    for seed in range(5):
        messy = events + random.Random(seed).sample(events, len(events) // 2)
        random.Random(seed + 10).shuffle(messy)
        assert fold_all(copy.deepcopy(messy)) == expected
    roster = expected[f"{TOWNSHIP}-2026"]
    assert [a["valid_until"] for a in roster["assignments"]] == ["2026-03-15", None]
    assert [c["kind"] for c in roster["changes"]] == ["villages", "reassigned"]
    [month] = [d for d in expected.values() if d.get("person_id") == "p1"]
    assert month["residence_days"] == ["2026-03-03", "2026-03-10", "2026-03-24"]
    assert month["residence_met"] is True
    assert month["excused_days"] == ["2026-03-19"]
    assert len(month["leaves"]) == 1  # 请假人次 counted once however often redelivered


def test_the_figures_follow_from_the_folded_documents() -> None:
    docs = fold_all(year_of_events())
    roster = docs[f"{TOWNSHIP}-2026"]
    months = [d for d in docs.values() if d.get("month") == "2026-03"]
    visits = [
        {
            "unit_code": V1,
            "month": "2026-03",
            "visited_on": "2026-03-03",
            "person_id": "p1",
            "households": [
                {"kind": "petitioner", "ref": "a" * 20},
                {"kind": "ordinary", "ref": None},
            ],
        }
    ]
    given = TownshipInput(TOWNSHIP, "新渡镇", (V1,), roster, months, visits)
    row = township_figures("2026-03", given)
    secretary = row["by_position"]["party_secretary"]
    # Tuesdays 3, 10; Thursdays 19 (on leave), 26.
    assert (secretary["stationed_days"], secretary["excused_days"]) == (4, 1)
    assert (secretary["kept_days"], secretary["missed_days"]) == (2, 1)  # 3 visited, 10 resided
    assert (secretary["households"], secretary["households_covered"]) == (10, 1)
    assert secretary["visit_rate"] == 0.1
    assert {m["kind"]: m["rate"] for m in secretary["must_visit"]}["petitioner"] == 1.0
    assert secretary["residence_flagged"] == []
    assert row["by_position"]["mayor"]["people"] == 0


def test_weeks_below_the_weekly_minimum_are_counted_once_ended() -> None:
    # The same month under a weekly rule of 3 working days: three days resided in March
    # meet the monthly minimum, but every week falls short of the weekly one.
    events = year_of_events()
    weekly = [e for e in events if e.type not in state.MONTH_EVENTS]
    roster_doc = fold_all(weekly)[f"{TOWNSHIP}-2026"]
    roster = Roster.create(
        township_code=TOWNSHIP,
        year=2026,
        assignments=[Assignment.model_validate(roster_doc["assignments"][0])],
        villages=[],
        actor=ACTOR,
        now=NOW,
    )
    month = StationedMonth.open(roster, "p1", "2026-03", 3, min_residence_working_days_per_week=3)
    month.record_residence(
        [date(2026, 3, d) for d in (2, 3, 4, 10, 24)], date(2026, 3, 31), ACTOR, NOW
    )
    docs = fold_all([*weekly, *copy.deepcopy(month.pending_events) * 2])
    [folded] = [d for d in docs.values() if d.get("person_id") == "p1"]
    assert folded["min_residence_working_days_per_week"] == 3
    assert [w["week"] for w in folded["residence_weeks"]][:2] == ["2026-W10", "2026-W11"]
    given = TownshipInput(TOWNSHIP, "新渡镇", (V1,), roster_doc, [folded], [])
    # Judged on the 20th: W10 met (2, 3, 4), W11 (1 of 3) short, W12 (0 of 3) ended on the
    # 20th is not yet judged; at the month's end W11, W12, W13 and W14 are short.
    on_20th = township_figures("2026-03", given, today=date(2026, 3, 20))["all"]
    assert (on_20th["residence_weeks_below"], on_20th["residence_flagged"]) == (1, ["王书记"])
    at_end = township_figures("2026-03", given)["all"]
    assert at_end["residence_weeks_below"] == 4
    # Events from before the weekly rule (without its fields) fold as no weekly rule.
    old_events = copy.deepcopy(events)
    for event in old_events:
        for name in ("min_residence_working_days_per_week", "residence_weeks"):
            event.data.pop(name, None)
    old = fold_all(old_events)
    [before] = [d for d in old.values() if d.get("person_id") == "p1"]
    assert (before["min_residence_working_days_per_week"], before["residence_weeks"]) == (0, [])

"""The stationed-contact domain rules (pure): the roster's history, stationed days, leave,
the residence rule, household refs and the visit rate by households."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts import Actor
from lingban_contracts.events.stationing import (
    Assignment,
    Leave,
    VillageCounts,
    household_coverage,
    stationed_days,
)
from lingban_contracts.events.supervision import HouseholdKind as K
from lingban_kit.errors import ValidationFailed
from lingban_supervision.stationing.domain import Roster, StationedMonth

ACTOR = Actor(id="t", name="测试")
NOW = datetime(2026, 3, 1, 2, tzinfo=UTC)
TOWNSHIP = "340881100000"
V1, V2 = "340881100201", "340881100202"


def assignment(person: str = "p1", village: str = V1, weekday: int = 2, **kw: object) -> Assignment:
    return Assignment.model_validate(
        {
            "person_id": person,
            "name": "王书记",
            "position": "party_secretary",
            "village_code": village,
            "weekday": weekday,
            "valid_from": date(2026, 1, 1),
            **kw,
        }
    )


def roster(*assignments: Assignment) -> Roster:
    made = Roster.create(
        township_code=TOWNSHIP,
        year=2026,
        assignments=list(assignments or [assignment()]),
        villages=[VillageCounts(village_code=V1, households=10, must_visit={K.PETITIONER: 2})],
        actor=ACTOR,
        now=NOW,
    )
    made.pending_events.clear()
    return made


def test_a_change_ends_the_old_assignment_and_keeps_it() -> None:
    r = roster()
    r.reassign("p1", date(2026, 3, 16), {"village_code": V2, "weekday": 4}, "调整", ACTOR, NOW)
    old, new = r.assignments_of("p1")
    assert (old.village_code, old.valid_until) == (V1, date(2026, 3, 15))
    assert (new.village_code, new.weekday, new.valid_from) == (V2, 4, date(2026, 3, 16))
    assert r.assignment_on("p1", date(2026, 3, 10)) == old
    # March under the roster as it was each day: Tuesdays, then Thursdays.
    assert stationed_days(r.assignments, "p1", "2026-03") == [
        date(2026, 3, 3),
        date(2026, 3, 10),
        date(2026, 3, 19),
        date(2026, 3, 26),
    ]
    [event] = r.pending_events
    assert event.type == "lingban.supervision.roster-changed.v1"
    assert len(event.data["assignments"]) == 2


def test_history_is_not_rewritten_from_its_first_day() -> None:
    r = roster()
    with pytest.raises(ValidationFailed):
        r.reassign("p1", date(2026, 1, 1), {"weekday": 3}, None, ACTOR, NOW)
    with pytest.raises(ValidationFailed):
        r.end("nobody", date(2026, 3, 1), None, ACTOR, NOW)
    r.end("p1", date(2026, 4, 1), "调离", ACTOR, NOW)
    assert stationed_days(r.assignments, "p1", "2026-04") == []
    with pytest.raises(ValidationFailed):
        r.assign(assignment(), None, ACTOR, NOW)  # the same person id again


def test_one_person_cannot_be_stationed_twice_at_once() -> None:
    with pytest.raises(ValidationFailed) as raised:
        roster(assignment(), assignment(village=V2))
    assert raised.value.details[0].field == "assignments.1.person_id"


def test_must_visit_counts_are_the_four_groups_within_the_households() -> None:
    with pytest.raises(ValueError, match="ordinary"):
        VillageCounts(village_code=V1, households=5, must_visit={K.ORDINARY: 1})
    with pytest.raises(ValidationFailed):
        Roster.create(
            township_code=TOWNSHIP,
            year=2026,
            assignments=[],
            villages=[VillageCounts(village_code=V1, households=1, must_visit={K.PETITIONER: 2})],
            actor=ACTOR,
            now=NOW,
        )


def test_leave_excuses_stationed_days_and_the_residence_rule_counts_days() -> None:
    month = StationedMonth.open(roster(), "p1", "2026-03", min_residence_days=3)
    month.record_leave(
        Leave(first_day=date(2026, 3, 16), last_day=date(2026, 3, 18), reason="会议"), ACTOR, NOW
    )
    assert month.excused_days == [date(2026, 3, 17)]
    month.record_residence([date(2026, 3, 3), date(2026, 3, 10)], date(2026, 3, 31), ACTOR, NOW)
    assert not month.residence_met
    month.record_residence([date(2026, 3, 10), date(2026, 3, 24)], date(2026, 3, 31), ACTOR, NOW)
    assert month.residence_met  # the 10th once
    leave_event, first, second = month.pending_events
    assert leave_event.data["excused_days"] == ["2026-03-17"]
    assert (first.data["residence_met"], second.data["residence_met"]) == (False, True)
    assert second.data["days"] == ["2026-03-24"]  # only what it added
    with pytest.raises(ValidationFailed):
        month.record_residence([date(2026, 4, 1)], date(2026, 4, 2), ACTOR, NOW)
    with pytest.raises(ValidationFailed):
        month.record_residence([date(2026, 3, 30)], date(2026, 3, 20), ACTOR, NOW)  # future


def test_household_refs_are_stable_keyed_and_label_free() -> None:
    r = roster()
    assert r.household_ref(V1, "3号") == r.household_ref(V1, " 3 号")
    assert r.household_ref(V1, "3号") != r.household_ref(V2, "3号")
    assert r.household_ref(V1, None) is None
    # Another roster (another salt) gives another ref: nobody can recompute them.
    assert roster().household_ref(V1, "3号") != r.household_ref(V1, "3号")


def test_the_visit_rate_is_the_share_of_households_covered() -> None:
    counts = [
        VillageCounts(village_code=V1, households=4, must_visit={K.PETITIONER: 1}),
        VillageCounts(village_code=V2, households=4),
    ]
    visited = [
        (V1, "a", K.PETITIONER),
        (V1, "a", K.PETITIONER),  # the same household twice
        (V1, "b", K.ORDINARY),
        (V1, None, K.ORDINARY),  # no label: cannot count as covered
        ("340881100203", "c", K.ORDINARY),  # a village without counts
    ]
    coverage = household_coverage(counts, visited)
    assert (coverage.all.households, coverage.all.covered, coverage.all.rate) == (8, 2, 0.25)
    assert coverage.must_visit[K.PETITIONER].rate == 1.0
    assert coverage.must_visit[K.IN_DIFFICULTY].households == 0
    # One visited village is not 100 % any more, and a stale register caps at 100 %.
    small = [VillageCounts(village_code=V1, households=1)]
    assert household_coverage(small, visited).all.rate == 1.0


def test_the_weekly_rule_follows_the_official_calendar_holidays_and_make_up_days() -> None:
    # October 2026: National Day and Mid-Autumn off from the 1st to the 7th, Saturday the
    # 10th a make-up working day (调休). W40's October days are all holidays: no part;
    # W41 has three working days (8, 9, Saturday 10), which ask 1 of the rule's 3.
    month = StationedMonth.open(roster(), "p1", "2026-10", 3, min_residence_working_days_per_week=3)
    month.record_residence(
        [date(2026, 10, d) for d in (10, 12, 13, 14)], date(2026, 10, 16), ACTOR, NOW
    )
    weeks = {w.week: (w.working_days, w.required, w.resided) for w in month.residence_weeks}
    assert weeks["2026-W41"] == (3, 1, 1)  # the make-up Saturday resided counts
    assert "2026-W40" not in weeks  # Monday to Friday would have asked a day of the 1st-2nd
    assert weeks["2026-W42"] == (5, 3, 3)


def test_the_weekly_rule_asks_working_days_in_every_week_of_the_month() -> None:
    # March 2026: weeks W10 (2-6), W11 (9-13), W12 (16-20), W13 (23-27) and W14's Monday
    # and Tuesday (30-31); the 1st is a Sunday (W09, no working day here).
    month = StationedMonth.open(roster(), "p1", "2026-03", 3, min_residence_working_days_per_week=3)
    month.record_leave(
        Leave(first_day=date(2026, 3, 17), last_day=date(2026, 3, 18), reason="会议"), ACTOR, NOW
    )
    resided = [2, 3, 4, 9, 10, 11, 19, 23, 24, 25, 30]
    month.record_residence([date(2026, 3, d) for d in resided], date(2026, 3, 31), ACTOR, NOW)
    weeks = {w.week: (w.working_days, w.required, w.resided) for w in month.residence_weeks}
    assert weeks == {
        "2026-W10": (5, 3, 3),
        "2026-W11": (5, 3, 3),
        "2026-W12": (3, 1, 1),  # two days on leave: 3 of 5 working days ask 1
        "2026-W13": (5, 3, 3),
        "2026-W14": (2, 1, 1),  # the week's two days in March ask 1
    }
    assert month.residence_met
    # A weekend day is no working day resided: the monthly minimum is met, W13 is not.
    short = StationedMonth.open(roster(), "p1", "2026-03", 3, min_residence_working_days_per_week=3)
    short.record_residence(
        [date(2026, 3, d) for d in (2, 3, 4, 9, 10, 11, 16, 17, 18, 23, 24, 28, 30)],
        date(2026, 3, 31),
        ACTOR,
        NOW,
    )
    assert [w.week for w in short.residence_weeks if not w.met] == ["2026-W13"]
    assert not short.residence_met
    [event] = short.pending_events[-1:]
    assert event.data["min_residence_working_days_per_week"] == 3
    assert [w["week"] for w in event.data["residence_weeks"] if w["resided"] < w["required"]] == [
        "2026-W13"
    ]
    # Without a weekly rule (0), only the monthly minimum counts, and no weeks are listed.
    monthly = StationedMonth.open(roster(), "p1", "2026-03", 3)
    monthly.record_residence([date(2026, 3, d) for d in (2, 9, 16)], date(2026, 3, 31), ACTOR, NOW)
    assert (monthly.residence_weeks, monthly.residence_met) == ([], True)

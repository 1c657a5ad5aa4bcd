"""The half-monthly cadence rule, monthly visit figures, and problem counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts.events.supervision import (
    HouseholdKind,
    HouseholdVisit,
    InspectionMethod,
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
    VisitorRole,
)
from lingban_kit.errors import ValidationFailed
from lingban_supervision.inspections.cadence import cadence
from lingban_supervision.inspections.domain import Inspection
from lingban_supervision.problems.domain import Facts, Problem
from lingban_supervision.problems.service import CountRow, counts
from lingban_supervision.visits.domain import Opinion, Visit, monthly_figures

from .builders import ACTOR, NOW, TOWNSHIP, VILLAGE, VILLAGE_2, checklist, planned


def _recorded(method: InspectionMethod, on: date, days: int = 1) -> Inspection:
    inspection = planned(method, on)
    inspection.record_result(
        inspected_on=on,
        days=days,
        checklist=checklist(),
        team_absent=False,
        findings=[],
        photos=[],
        pass_mark=60,
        rectification_days=15,
        actor=ACTOR,
        now=NOW,
    )
    return inspection


def test_two_on_site_inspections_one_each_half_month_meet_the_rule() -> None:
    done = [
        _recorded(InspectionMethod.ON_SITE, date(2026, 3, 5)),
        _recorded(InspectionMethod.UNANNOUNCED, date(2026, 3, 20)),
        _recorded(InspectionMethod.REPORT_HEARING, date(2026, 4, 2)),
    ]
    result = cadence("g1", "2026-03", done, 2)
    assert [h.recorded for h in result.half_months] == [1, 1]
    assert result.on_site_recorded == 2
    assert result.met


def test_a_multi_day_inspection_counts_each_day_on_site_and_lasts_at_least_a_day() -> None:
    done = [
        _recorded(InspectionMethod.ON_SITE, date(2026, 3, 5), days=3),
        _recorded(InspectionMethod.HOUSEHOLD_VISIT, date(2026, 3, 18), days=2),
        _recorded(InspectionMethod.REPORT_HEARING, date(2026, 3, 19)),
    ]
    result = cadence("g1", "2026-03", done, 2)
    assert result.on_site_recorded == 2
    assert result.on_site_days == 5  # the hearing is not on site
    [recorded] = [e for e in done[0].pending_events if e.type.endswith("inspection-recorded.v1")]
    assert recorded.data["days"] == 3
    with pytest.raises(ValidationFailed) as refused:
        _recorded(InspectionMethod.ON_SITE, date(2026, 3, 6), days=0)
    assert "至少持续 1 天" in refused.value.message


def test_a_report_hearing_is_not_on_site_and_an_empty_half_month_fails() -> None:
    done = [
        _recorded(InspectionMethod.ON_SITE, date(2026, 3, 5)),
        _recorded(InspectionMethod.REPORT_HEARING, date(2026, 3, 6)),
    ]
    result = cadence("g1", "2026-03", done, 2)
    assert result.on_site_recorded == 1
    assert not result.every_half_month_covered
    assert not result.on_site_met
    assert not result.met
    with_plan = cadence(
        "g1", "2026-03", [*done, planned(InspectionMethod.ON_SITE, date(2026, 3, 25))], 2
    )
    assert with_plan.every_half_month_covered
    assert with_plan.on_site_on_track
    assert not with_plan.met  # planned is not done


def _visit(unit: str, on: date, kinds: list[HouseholdKind], opinions: int = 0) -> Visit:
    return Visit.log(
        unit_code=unit,
        township_code=TOWNSHIP,
        visited_on=on,
        visitor="驻点领导",
        visitor_role=VisitorRole.LEADER,
        team=[],
        households=[HouseholdVisit(kind=k) for k in kinds],
        opinions=[
            Opinion(description=f"意见{i}", category="民生服务", level=ProblemLevel.ORGANISATION)
            for i in range(opinions)
        ],
        notes=None,
        actor=ACTOR,
        now=NOW,
    )


def test_a_visit_flags_the_four_must_visits_it_covered() -> None:
    visit = _visit(
        VILLAGE,
        date(2026, 3, 4),
        [HouseholdKind.ORDINARY, HouseholdKind.PETITIONER, HouseholdKind.VETERAN_PARTY_MEMBER],
        opinions=2,
    )
    [event] = visit.pending_events
    assert event.data["four_must_visits"] == ["veteran_party_member", "petitioner"]
    assert event.data["problem_ids"] == [f"{visit.id}-p1", f"{visit.id}-p2"]
    assert event.data["households_visited"] == 3


def test_monthly_visit_rate_and_resolution_rate() -> None:
    units = [VILLAGE, VILLAGE_2, "340881100203", "340881100204"]
    visits = [
        _visit(VILLAGE, date(2026, 3, 4), [HouseholdKind.IN_DIFFICULTY]),
        _visit(VILLAGE, date(2026, 3, 11), [HouseholdKind.ORDINARY]),
        _visit(VILLAGE_2, date(2026, 3, 18), [HouseholdKind.LIFTED_OUT_OF_POVERTY]),
        _visit("340881100203", date(2026, 4, 1), []),
    ]
    figures = monthly_figures(TOWNSHIP, "2026-03", units, visits, raised=4, resolved=3)
    assert figures.units_visited == 2
    # Half the villages had a visit: the former visit rate, kept as the village visit rate.
    assert figures.village_visit_rate == 0.5
    # No roster, so no households to cover: the visit rate says nothing is covered.
    assert figures.households == 0
    assert figures.visit_rate == 0.0
    assert figures.visits == 3
    assert figures.four_must_visit_households == 2
    assert figures.resolution_rate == 0.75


def _problem(category: str, level: ProblemLevel, source: ProblemSource) -> Problem:
    return Problem.register(
        problem_id=f"{category}-{level}-{source}",
        facts=Facts(
            unit_code=VILLAGE,
            township_code=TOWNSHIP,
            project_id=None,
            year=2026,
            source=source,
            channel=ProblemChannel.FORUM,
            category=category,
            level=level,
            description="d",
        ),
        measures=[],
        categories=(),
        today=date(2026, 3, 1),
        actor=ACTOR,
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )


def test_problem_counts_per_category_and_level() -> None:
    problems = [
        _problem("作风建设", ProblemLevel.INDIVIDUAL, ProblemSource.RESIDENTS),
        _problem("作风建设", ProblemLevel.ORGANISATION, ProblemSource.SUPERIOR),
        _problem("民生服务", ProblemLevel.ORGANISATION, ProblemSource.RESIDENTS),
    ]
    problems[0].resolve("已谈话提醒", date(2026, 3, 9), ACTOR, NOW)
    result = counts([CountRow.of_problem(p) for p in problems])
    assert result["total"] == 3
    assert result["resolved"] == 1
    assert result["by_category"] == {"作风建设": 2, "民生服务": 1}
    assert result["by_level"] == {"individual": 1, "organisation": 2}
    assert result["by_source"] == {"residents": 2, "superior": 1}
    assert result["by_status"] == {"open": 2, "resolved": 1}
    assert result["by_category_level"][0] == {
        "category": "作风建设",
        "level": "individual",
        "total": 1,
        "resolved": 1,
    }
    assert problems[0].status is ProblemStatus.RESOLVED

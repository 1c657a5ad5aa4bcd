"""The assessment score, by hand: sub-scores, weights shared out, adjustments, ranks, lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from lingban_contracts import Actor, encode_record, new_envelope
from lingban_contracts.events.assessment import (
    AssessmentFinalized,
    ListAction,
    ListBasis,
    ListEntry,
    PraiseRule,
    ResultList,
    Scheme,
    TalkRule,
    Weights,
)
from lingban_contracts.events.projects import Rating
from lingban_kit.kafka import record_size
from lingban_kit.outbox import EVENT_BUDGET_BYTES
from lingban_supervision.assessment.facts import rectification_outcome
from lingban_supervision.assessment.scoring import (
    ListOverride,
    UnitFacts,
    VillageVisits,
    components,
    result_lists,
    score_units,
    unit_rating,
    weighted,
)

CITY, TOWNSHIP = "340881000000", "340881100000"
VILLAGE_A, VILLAGE_B = "340881100201", "340881100202"

# Village A: 优秀; inspected twice (80, 90) losing 30 points; one rectification on time and
# one late; 6 visits of the 12 a year asks.
A = UnitFacts(
    unit_code=VILLAGE_A,
    level="village",
    ratings=(Rating.EXCELLENT,),
    inspection_scores=(80, 90),
    deductions=30,
    rectifications_on_time=1,
    rectifications_late=1,
    village_visits=(VillageVisits(6),),
)
# Village B: two projects, 良好 and 一般; never inspected, nothing to rectify; 12 visits.
B = UnitFacts(
    unit_code=VILLAGE_B,
    level="village",
    ratings=(Rating.GOOD, Rating.AVERAGE),
    village_visits=(VillageVisits(12),),
)
# The township: no evaluated project; one inspection of 60 (40 deducted); its villages
# were visited 6 and 12 times.
T = UnitFacts(
    unit_code=TOWNSHIP,
    level="township",
    inspection_scores=(60,),
    deductions=40,
    village_visits=(VillageVisits(6), VillageVisits(12)),
)
# The city's own project: 优秀; nothing else measured.
C = UnitFacts(unit_code=CITY, level="city", ratings=(Rating.EXCELLENT,))


def test_visits_count_households_where_a_roster_counts_them() -> None:
    # 40 of 200 households visited in the year: 20, however many visit logs (30 of 12);
    # without roster counts the visit log against the target stays the measure.
    rostered = UnitFacts(
        VILLAGE_A, "village", village_visits=(VillageVisits(30, households=200, covered=40),)
    )
    assert components(rostered, Scheme()).visits == 20
    # A register out of date (more households visited than counted) stays at 100.
    over = UnitFacts(VILLAGE_A, "village", village_visits=(VillageVisits(3, 10, 12),))
    assert components(over, Scheme()).visits == 100
    # A township: one rostered village (20) and one without counts (6 of 12 visits: 50).
    mixed = UnitFacts(
        TOWNSHIP,
        "township",
        village_visits=(VillageVisits(30, 200, 40), VillageVisits(6)),
    )
    assert components(mixed, Scheme()).visits == 35


def test_sub_scores_of_100() -> None:
    parts = components(A, Scheme())
    assert (parts.project, parts.inspections, parts.deductions) == (100, 85, 70)
    assert (parts.rectification, parts.visits) == (50, 50)
    b = components(B, Scheme())
    assert b.project == 77.5  # (85 + 70) / 2
    assert (b.inspections, b.deductions, b.rectification) == (None, None, None)
    assert b.visits == 100
    assert components(T, Scheme()).visits == 75  # (50 + 100) / 2
    assert components(C, Scheme()).visits is None


def test_weights_and_the_share_out_of_what_was_not_measured() -> None:
    weights = Weights()  # 40 / 20 / 15 / 15 / 10
    # (40×100 + 20×85 + 15×70 + 15×50 + 10×50) / 100
    assert weighted(components(A, Scheme()), weights) == 80.0
    # Only project and visits measured: (40×77.5 + 10×100) / 50
    assert weighted(components(B, Scheme()), weights) == 82.0
    # (40×0 + 20×60 + 15×60 + 10×75) / 85 = 33.529…
    assert weighted(components(T, Scheme()), weights) == 33.53
    nothing_weighed = Weights(project=0, inspections=50, deductions=50, rectification=0, visits=0)
    assert weighted(components(B, Scheme()), nothing_weighed) == 0.0


def test_an_absent_team_loses_every_deduction_point_at_once() -> None:
    absent = UnitFacts(VILLAGE_A, "village", inspection_scores=(0,), deductions=100)
    assert components(absent, Scheme()).deductions == 0
    twice = UnitFacts(VILLAGE_A, "village", inspection_scores=(0, 0), deductions=200)
    assert components(twice, Scheme()).deductions == 0  # not below 0


def test_scores_adjustments_party_building_points_and_ranks_per_level() -> None:
    scores = {
        s.unit_code: s for s in score_units([A, B, T, C], Scheme(), {VILLAGE_A: 2.0, CITY: 5.0})
    }
    a, b = scores[VILLAGE_A], scores[VILLAGE_B]
    assert (a.weighted, a.adjustment, a.score, a.party_building_points) == (80.0, 2.0, 82.0, 8.2)
    assert (b.score, b.rating) == (82.0, Rating.AVERAGE)  # the lower of 良好 and 一般
    assert a.rank == b.rank == 1  # equal scores share the rank
    assert scores[TOWNSHIP].rank == 1  # ranked among townships only
    assert scores[CITY].score == 100.0  # 100 + 5 stays within 0-100
    share = Scheme(party_building_share=15)
    assert score_units([A], share, {})[0].party_building_points == 12.0  # 80 × 15 %


def test_the_lists_by_the_default_rules() -> None:
    scores = score_units([A, B, T, C], Scheme(), {})
    praise, talks = result_lists(scores, Scheme(), [], assessing_region=CITY)
    # 优秀 → praise; 一般 → 约谈; no rating and 33.53 < 60 → 约谈; the city on neither.
    assert [(e.unit_code, e.basis) for e in praise] == [(VILLAGE_A, ListBasis.RATING)]
    assert [(e.unit_code, e.basis) for e in talks] == [
        (VILLAGE_B, ListBasis.RATING),
        (TOWNSHIP, ListBasis.SCORE),
    ]


def test_configured_rules_and_the_departments_changes() -> None:
    scheme = Scheme(
        praise=PraiseRule(ratings=[], top_per_level=1, min_score=None),
        talk=TalkRule(ratings=[Rating.POOR], below_score=30),
    )
    scores = score_units([A, B, T, C], scheme, {VILLAGE_B: -3.0})
    praise, talks = result_lists(scores, scheme, [], assessing_region=CITY)
    # First of each level: A (80) among villages (B: 82 − 3 = 79), the township alone.
    assert [(e.unit_code, e.basis) for e in praise] == [
        (VILLAGE_A, ListBasis.RANK),
        (TOWNSHIP, ListBasis.RANK),
    ]
    assert talks == []
    changes = [
        ListOverride(VILLAGE_B, ResultList.TALK, ListAction.ADD, "群众反映强烈"),
        ListOverride(TOWNSHIP, ResultList.PRAISE, ListAction.REMOVE, "暗访发现专班不在岗"),
        ListOverride(VILLAGE_B, ResultList.TALK, ListAction.REMOVE, "已核实"),
        ListOverride(VILLAGE_B, ResultList.TALK, ListAction.ADD, "复核后仍须约谈"),
    ]
    praise, talks = result_lists(scores, scheme, changes, assessing_region=CITY)
    assert [e.unit_code for e in praise] == [VILLAGE_A]
    assert [(e.unit_code, e.basis, e.reason) for e in talks] == [
        (VILLAGE_B, ListBasis.MANUAL, "复核后仍须约谈")
    ]


def test_weights_must_add_up_to_100() -> None:
    with pytest.raises(ValidationError, match="add up to 100"):
        Weights(project=50, inspections=20, deductions=15, rectification=15, visits=10)
    with pytest.raises(ValidationError, match="fewer points"):
        Scheme.model_validate({"rating_points": {"excellent": 80, "good": 90}})


def test_a_units_rating_is_its_lowest() -> None:
    assert unit_rating([Rating.EXCELLENT, Rating.POOR, Rating.GOOD]) is Rating.POOR
    assert unit_rating([]) is None


@pytest.mark.parametrize(
    ("rectification", "outcome"),
    [
        (None, None),
        ({"status": "open", "overdue_deadlines": [], "submissions": []}, None),
        ({"status": "open", "overdue_deadlines": ["2026-04-01"], "submissions": []}, False),
        ({"status": "submitted", "overdue_deadlines": [], "submissions": [{"late": True}]}, False),
        ({"status": "closed", "overdue_deadlines": [], "submissions": [{"late": False}]}, True),
        # Closed in the end, but flagged overdue once: not on time.
        (
            {
                "status": "closed",
                "overdue_deadlines": ["2026-04-01"],
                "submissions": [{"late": False}],
            },
            False,
        ),
    ],
)
def test_a_rectification_on_time_late_or_not_settled(
    rectification: dict[str, object] | None, outcome: bool | None
) -> None:
    assert rectification_outcome(rectification) is outcome


def test_a_finalized_assessment_of_a_large_city_fits_in_one_event() -> None:
    """×市 of the reports: 34 townships and 517 villages, all on the 约谈 list at worst
    (about 175 KB: a city of some 800 units would reach the write's event budget)."""
    units = [UnitFacts("340881000000", "city")]
    units += [UnitFacts(f"340881{t:03d}000", "township") for t in range(100, 134)]
    units += [
        UnitFacts(
            f"340881{100 + v % 34:03d}{200 + v // 34:03d}",
            "village",
            ratings=(Rating.AVERAGE,),
            inspection_scores=(71, 83),
            deductions=46,
            rectifications_on_time=1,
            rectifications_late=1,
            village_visits=(VillageVisits(7),),
        )
        for v in range(517)
    ]
    scores = score_units(units, Scheme(), {})
    entries = [ListEntry(unit_code=s.unit_code, basis=ListBasis.RATING) for s in scores]
    data = AssessmentFinalized(
        assessment_id="340881000000-2026",
        region_code=CITY,
        year=2026,
        finalized_at=datetime(2027, 1, 5, tzinfo=UTC),
        scheme=Scheme(),
        scores=scores,
        praise=[],
        talks=entries,
    )
    envelope = new_envelope(
        data=data,
        source_service="supervision",
        actor=Actor(id="city_org@340881000000", name="组织部"),
        region_code=CITY,
        aggregate_id=data.assessment_id,
        aggregate_version=9,
    )
    size = record_size(encode_record(envelope))
    assert size < EVENT_BUDGET_BYTES * 0.75, size

"""Reporting's assessment and model-case read models: a duplicated, shuffled stream of
the events folds into the documents the events describe, and the report reads them."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

import pytest

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.divisions import default_tree
from lingban_contracts.events import assessment as ev
from lingban_contracts.events.projects import Rating
from lingban_kit.mongo import Database
from lingban_reporting.assessment.api import report
from lingban_reporting.projector import Projector
from lingban_reporting.read_models.generations import ASSESSMENTS, MODEL_CASES, ReadModels

pytestmark = pytest.mark.integration

CITY, TOWNSHIP, OTHER_TOWNSHIP = "340881000000", "340881100000", "340881101000"
VILLAGE_A, VILLAGE_B = "340881100201", "340881100202"
ASSESSMENT = f"{CITY}-2026"
ORG = Actor(id=f"city_org@{CITY}", name="组织部")


def wrap(data: EventData, aggregate: str, version: int, region: str) -> Envelope:
    return new_envelope(
        data=data,
        source_service="supervision",
        actor=ORG,
        region_code=region,
        aggregate_id=aggregate,
        aggregate_version=version,
        time=datetime(2027, 1, 5, 2, version, tzinfo=UTC),
    )


def score(unit: str, level: str, value: float, rank: int, rating: Rating | None) -> ev.UnitScore:
    return ev.UnitScore(
        unit_code=unit,
        level=level,
        rating=rating,
        components=ev.Components(
            project=value, inspections=None, deductions=None, rectification=None, visits=None
        ),
        weighted=value,
        adjustment=0,
        score=value,
        party_building_points=round(value / 10, 2),
        rank=rank,
    )


def assessment_events(year: int = 2026) -> list[Envelope]:
    assessment = f"{CITY}-{year}"
    ids: dict[str, Any] = {"assessment_id": assessment, "region_code": CITY, "year": year}
    scheme = ev.Scheme(party_building_share=12)
    scores = [
        score(CITY, "city", 100, 1, Rating.EXCELLENT),
        score(TOWNSHIP, "township", 40, 1, None),
        score(VILLAGE_A, "village", 95, 1, Rating.EXCELLENT),
        score(VILLAGE_B, "village", 70, 2, Rating.AVERAGE),
    ]
    return [
        wrap(ev.AssessmentSchemeSet(**ids, scheme=ev.Scheme()), assessment, 1, CITY),
        wrap(ev.AssessmentSchemeSet(**ids, scheme=scheme), assessment, 2, CITY),
        wrap(
            ev.AssessmentAdjusted(
                **ids, unit_code=VILLAGE_A, adjustment_id="a1", points=2, reason="获省级表彰"
            ),
            assessment,
            3,
            VILLAGE_A,
        ),
        wrap(
            ev.AssessmentListChanged(
                **ids,
                unit_code=TOWNSHIP,
                list=ev.ResultList.TALK,
                action=ev.ListAction.REMOVE,
                reason="已专题约谈",
            ),
            assessment,
            4,
            TOWNSHIP,
        ),
        wrap(
            ev.AssessmentFinalized(
                **ids,
                finalized_at=datetime(year + 1, 1, 5, 2, tzinfo=UTC),
                scheme=scheme,
                scores=scores,
                praise=[ev.ListEntry(unit_code=VILLAGE_A, basis=ev.ListBasis.RATING)],
                talks=[ev.ListEntry(unit_code=VILLAGE_B, basis=ev.ListBasis.RATING)],
            ),
            assessment,
            5,
            CITY,
        ),
        wrap(
            ev.AdmonitionTalkRecorded(
                **ids,
                unit_code=VILLAGE_B,
                talk_id="t1",
                held_on=date(year + 1, 1, 10),
                held_by="新渡镇党委书记",
                attendees=["凤岗村书记"],
            ),
            assessment,
            6,
            VILLAGE_B,
        ),
    ]


def case_events(year: int = 2026, suffix: str = "") -> list[Envelope]:
    published = {"case_id": f"c1{suffix}", "unit_code": VILLAGE_A, "year": year}
    content: dict[str, Any] = {
        "kind": ev.ModelCaseKind.PROJECT,
        "project_id": "p1",
        "title": "板凳议事会",
        "summary": "议事协商，矛盾就地化解",
    }
    withdrawn = {"case_id": f"c2{suffix}", "unit_code": VILLAGE_B, "year": year}
    return [
        wrap(ev.ModelCaseNominated(**published, **content), f"c1{suffix}", 1, VILLAGE_A),
        wrap(
            ev.ModelCasePublished(**published, **content, published_on=date(year + 1, 1, 6)),
            f"c1{suffix}",
            2,
            VILLAGE_A,
        ),
        wrap(
            ev.ModelCaseNominated(
                **withdrawn,
                kind=ev.ModelCaseKind.MODEL_VILLAGE,
                project_id=None,
                title="示范村",
                summary="…",
            ),
            f"c2{suffix}",
            1,
            VILLAGE_B,
        ),
        wrap(ev.ModelCaseWithdrawn(**withdrawn, reason="材料不实"), f"c2{suffix}", 2, VILLAGE_B),
    ]


async def test_shuffled_duplicated_assessment_stream(database: Database) -> None:
    events = assessment_events() + case_events()
    messy = events + random.Random(1).sample(events, len(events) // 2)
    random.Random(2).shuffle(messy)
    models = ReadModels(database, "assess")
    projector = Projector(database)
    for i in range(0, len(messy), 3):
        await projector.apply(messy[i : i + 3], models)

    doc = await models.collection(ASSESSMENTS).find_one({"_id": ASSESSMENT})
    assert doc is not None
    assert doc["applied_events"] == 6
    assert doc["scheme"]["party_building_share"] == 12  # the later scheme, then the final one
    assert list(doc["adjustments"]) == ["a1"]
    assert len(doc["list_changes"]) == 1
    assert [t["held_by"] for t in doc["talks_held"].values()] == ["新渡镇党委书记"]

    tree = default_tree()
    township = tree.get(TOWNSHIP)
    assert township is not None
    seen = report(doc, township, 2026, tree)
    assert seen.status == ev.AssessmentStatus.FINALIZED
    # The township's own units only: the city's score is not in its report.
    assert [(s.unit.code, s.rank, s.rating_zh) for s in seen.scores] == [
        (TOWNSHIP, 1, ""),
        (VILLAGE_A, 1, "优秀"),
        (VILLAGE_B, 2, "一般"),
    ]
    assert seen.party_building_share == 12
    assert [e.unit.code for e in seen.praise] == [VILLAGE_A]
    assert [(e.unit.code, [t.held_on for t in e.talks_held]) for e in seen.talks] == [
        (VILLAGE_B, ["2027-01-10"])
    ]
    assert (seen.talks_held, seen.adjustments, seen.average_score) == (1, 1, 68.33)
    other = tree.get(OTHER_TOWNSHIP)
    assert other is not None
    assert report(doc, other, 2026, tree).scores == []

    cases = {d["_id"]: d async for d in models.collection(MODEL_CASES).find({})}
    assert (cases["c1"]["status"], cases["c1"]["title"]) == ("published", "板凳议事会")
    assert cases["c1"]["published_on"] == "2027-01-06"
    assert cases["c2"]["status"] == "withdrawn"

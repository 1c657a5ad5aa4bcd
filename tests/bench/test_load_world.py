"""The load's request bodies pass the services' own validation; its state pools stay consistent."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import jwt
import pytest

from bench.load import loopback_problems, parse_args
from bench.load_mix import WEIGHTS, plan_body, record_body, visit_body
from bench.load_preload import TARGETS, next_step, target_of
from bench.load_world import (
    CITY,
    PRELOAD_MARK,
    UNITS,
    VILLAGES,
    Pool,
    Project,
    Projects,
    Tokens,
    announcement,
    declaration,
    level_above,
    review_scores,
    stage_months,
    stage_report,
    unit_side,
    weekly_report,
)
from lingban_contracts.divisions import Unit
from lingban_projects.projects import schemas
from lingban_projects.settings import DEFAULT_CATEGORIES
from lingban_supervision.inspections.api import PlanIn, RecordIn
from lingban_supervision.settings import DEFAULT_PROBLEM_CATEGORIES
from lingban_supervision.visits.api import VisitIn

YEAR = 2019


@pytest.mark.parametrize("stages", [1, 6, 12])
def test_declarations_pass_the_projects_service_rules(stages: int) -> None:
    rng = random.Random(stages)
    for unit in (UNITS[0], UNITS[1], UNITS[-1]):
        body = schemas.DeclarationIn.model_validate(declaration(unit, YEAR, stages, rng, "x"))
        assert body.to_domain().problems(YEAR, DEFAULT_CATEGORIES) == []
        assert [t.month for t in body.stage_tasks] == stage_months(YEAR, stages)
        assert stage_months(YEAR, stages)[-1] == f"{YEAR}-12"


def test_command_bodies_pass_the_services_schemas() -> None:
    rng = random.Random(1)
    schemas.ReviewIn.model_validate({"decision": "approve", "scores": review_scores(rng)})
    assert schemas.AnnouncementIn.model_validate(announcement(YEAR)).ends_on < date.today()
    assert schemas.StageReportIn.model_validate(stage_report("2019-12", False, 60)).percent == 60
    assert schemas.StageReportIn.model_validate(stage_report("2019-12", True, 60)).percent == 100
    schemas.WeeklyReportIn.model_validate(weekly_report("2019-W07"))
    PlanIn.model_validate(plan_body("g1", YEAR, rng))
    for weak in (False, True):
        record = RecordIn.model_validate(record_body(YEAR, rng, weak))
        assert record.inspected_on.year == YEAR
        assert record.rectification_deadline
        assert record.rectification_deadline > date.today()
        lost = sum(c.deducted for c in record.checklist)
        assert (lost > 40) is weak  # a weak inspection fails the pass mark of 60
    for _ in range(20):
        visit = VisitIn.model_validate(visit_body(YEAR, rng))
        assert visit.visited_on.year == YEAR
        assert {o.category for o in visit.opinions} <= set(DEFAULT_PROBLEM_CATEGORIES)


def test_the_mix_is_per_hundred_and_the_pipeline_is_balanced() -> None:
    assert sum(WEIGHTS.values()) == 100
    into_draft = WEIGHTS["declare"] + WEIGHTS["revise"]
    assert WEIGHTS["submit"] == WEIGHTS["review:approve"] + WEIGHTS["review:return"]
    assert WEIGHTS["review:return"] == WEIGHTS["revise"]
    assert WEIGHTS["review:approve"] == WEIGHTS["file"] == WEIGHTS["announce"] == WEIGHTS["start"]
    assert into_draft >= WEIGHTS["submit"]


def test_pool_picks_each_item_once() -> None:
    pool, rng = Pool(), random.Random(3)
    for i in range(50):
        pool.add(f"p{i}")
    pool.add("p7")
    pool.discard("p8")
    picked = [pool.pick(rng) for _ in range(49)]
    assert sorted(p for p in picked if p) == sorted(f"p{i}" for i in range(50) if i != 8)
    assert pool.pick(rng) is None
    assert len(pool) == 0


def test_a_taken_project_is_in_no_pool_until_released() -> None:
    rng = random.Random(1)
    projects = Projects(
        [Project("a", UNITS[5].code, "draft"), Project("b", UNITS[6].code, "in_execution")]
    )
    taken = projects.take("draft", rng)
    assert taken is not None
    assert taken.id == "a"
    assert projects.take("draft", rng) is None
    taken.update(
        {
            "status": "submitted",
            "version": 2,
            "stages": [],
            "weekly_reports": [{"week": "2019-W01"}],
        }
    )
    projects.release(taken)
    assert len(projects.pools["draft"]) == 0
    assert "a" in projects.pools["submitted"]
    assert taken.free_week(YEAR) == "2019-W02"
    assert projects.counts() == {"submitted": 1, "in_execution": 1}


def test_preload_targets_follow_the_shares() -> None:
    found = Counter(target_of(f"{i:032x}") for i in range(20_000))
    for status, per_mille in TARGETS:
        assert found[status] / 20_000 == pytest.approx(per_mille / 1000, abs=0.01)
    assert target_of("abc") == target_of("abc")


NEXT = {
    "submit": "submitted",
    "file": "filed",
    "announce": "announced",
    "start": "in_execution",
    "revise": "draft",
}


@pytest.mark.parametrize("target", [status for status, _ in TARGETS])
def test_preload_steps_reach_the_target_and_stop(target: str) -> None:
    rng = random.Random(0)
    project = Project("p", UNITS[9].code, "draft", preload=True)
    steps = []
    while (step := next_step(project, target, YEAR, 3, rng)) is not None:
        steps.append(step.name)
        assert len(steps) < 20
        if step.name == "review":
            project.status = "returned" if step.body["decision"] == "return" else "approved"
        elif step.name == "stage_report":
            month = step.path.split("/")[-2]
            project.reported.add(month)
            assert step.body["status"] == ("partly" if month == project.months[-1] else "done")
        else:
            project.status = NEXT[step.name]
            if project.status == "in_execution":
                project.months = stage_months(YEAR, 3)
    assert project.status == target
    if target == "in_execution":
        assert project.reported == set(stage_months(YEAR, 3))
        assert steps[-3:] == ["stage_report"] * 3


def test_preload_never_moves_a_project_back() -> None:
    rng = random.Random(0)
    ahead = Project("p", UNITS[3].code, "in_execution", preload=True, months=["2019-12"])
    assert next_step(ahead, "draft", YEAR, 1, rng) is None
    returned = Project("q", UNITS[3].code, "returned", preload=True)
    step = next_step(returned, "in_execution", YEAR, 1, rng)
    assert step is not None
    assert step.name == "revise"
    assert PRELOAD_MARK in step.body["title"]


def test_only_loopback_addresses_are_accepted() -> None:
    args = parse_args(["--quick"])
    assert args.duration == 30
    assert loopback_problems(args) == []
    args.reporting_url = "http://10.0.0.5:8004"
    args.kafka = "kafka.example:9092"
    assert loopback_problems(args) == [
        "--reporting-url=10.0.0.5",
        "--kafka=kafka.example",
    ]
    with pytest.raises(SystemExit):
        parse_args(["--mongodb-uri", "mongodb://db.example:27017/"])
    with pytest.raises(SystemExit):
        parse_args(["--year", str(date.today().year + 5)])


@pytest.mark.parametrize("unit", [CITY, VILLAGES[0]], ids=["city", "village"])
def test_whoever_declares_is_never_whoever_reviews(unit: Unit) -> None:
    """Projects refuse a review by the declarer (审用分离): the city reviews itself by another person."""
    tokens = Tokens("a-bench-secret-of-at-least-thirty-two-bytes")

    def subject(header: dict[str, str]) -> str:
        token = header["Authorization"].removeprefix("Bearer ")
        return str(jwt.decode(token, options={"verify_signature": False})["sub"])

    assert subject(tokens.header(*unit_side(unit))) != subject(tokens.header(*level_above(unit)))

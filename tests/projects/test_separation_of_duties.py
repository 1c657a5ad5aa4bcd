"""Separation of duties (审用分离, LB-10): whoever declared or submitted a project
does not review it, accept its completion or evaluate it; announcements last long enough."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts.divisions import default_tree
from lingban_contracts.events.projects import ReviewScores, StageStatus
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import FixedClock
from lingban_kit.errors import Forbidden, ValidationFailed
from lingban_projects.projects import schemas as s
from lingban_projects.projects.domain import ANNOUNCEMENT_MIN_DAYS, Project, Status
from lingban_projects.projects.service import ProjectCommands

from .builders import CITY, TOWNSHIP, VILLAGE, declaration, principal
from .fakes import FakeProjectRepository

GOOD = ReviewScores(feasibility=80, precision=80, effectiveness=80)
APPROVE = s.ReviewIn(decision="approve", scores=GOOD)
EVALUATION = s.EvaluationIn(governance_effect=80, problem_solved=80, plan_completed=80)
# Staff of the township who declare and submit a village's project for it …
DECLARER = principal(Role.TOWNSHIP_STAFF, TOWNSHIP, sub="staff-zhang")
# … and a colleague of the same township, who may then review it.
COLLEAGUE = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP, sub="secretary-li")


def commands() -> ProjectCommands:
    clock = FixedClock(datetime(2026, 2, 1, 9, tzinfo=UTC))
    return ProjectCommands(FakeProjectRepository(), default_tree(), clock, ())


async def declared_and_submitted(
    c: ProjectCommands, who: Principal, unit: str = VILLAGE
) -> Project:
    project = await c.declare(who, unit, 2026, declaration())
    return await c.submit(who, project.id, None)


async def test_whoever_declared_a_village_project_for_it_cannot_review_it() -> None:
    c = commands()
    project = await declared_and_submitted(c, DECLARER)
    with pytest.raises(Forbidden) as caught:
        await c.review(DECLARER, project.id, None, APPROVE)
    assert "不能研判" in caught.value.message
    assert "cannot review" in caught.value.message_en
    assert (await c.load(COLLEAGUE, project.id)).status is Status.SUBMITTED

    approved = await c.review(COLLEAGUE, project.id, None, APPROVE)
    assert approved.status is Status.APPROVED
    assert approved.reviews[-1].by.id == COLLEAGUE.id


async def test_whoever_only_submitted_cannot_review_either() -> None:
    c = commands()
    project = await c.declare(principal(Role.VILLAGE_SECRETARY), VILLAGE, 2026, declaration())
    await c.submit(DECLARER, project.id, None)
    with pytest.raises(Forbidden):
        await c.review(DECLARER, project.id, None, APPROVE)
    await c.review(COLLEAGUE, project.id, None, APPROVE)


async def test_the_city_needs_a_second_person_for_its_own_project() -> None:
    c = commands()
    first = principal(Role.CITY_ORG, CITY, sub="org-wang")
    second = principal(Role.CITY_ORG, CITY, sub="org-zhao")
    project = await declared_and_submitted(c, first, CITY)
    with pytest.raises(Forbidden):
        await c.review(first, project.id, None, APPROVE)
    assert (await c.review(second, project.id, None, APPROVE)).status is Status.APPROVED


async def in_execution(c: ProjectCommands) -> Project:
    project = await declared_and_submitted(c, DECLARER)
    await c.review(COLLEAGUE, project.id, None, APPROVE)
    # Filing, announcing and starting are routine steps: the declarer may do them.
    await c.file(DECLARER, project.id, None)
    announcement = s.AnnouncementIn(starts_on=date(2026, 2, 2), ends_on=date(2026, 2, 8))
    await c.announce(DECLARER, project.id, None, announcement)
    assert isinstance(c.clock, FixedClock)
    c.clock.set(datetime(2026, 2, 9, 9, tzinfo=UTC))
    return await c.start_execution(DECLARER, project.id, None)


async def test_whoever_declared_cannot_evaluate() -> None:
    c = commands()
    project = await in_execution(c)
    with pytest.raises(Forbidden, match="cannot evaluate"):
        await c.evaluate(DECLARER, project.id, None, EVALUATION)
    evaluated = await c.evaluate(COLLEAGUE, project.id, None, EVALUATION)
    assert evaluated.status is Status.EVALUATED


async def test_whoever_declared_or_asked_for_acceptance_cannot_accept() -> None:
    c = commands()
    project = await in_execution(c)
    assert isinstance(c.clock, FixedClock)
    c.clock.set(datetime(2026, 6, 30, 9, tzinfo=UTC))
    report = s.StageReportIn(status=StageStatus.DONE, percent=100, narrative="完成")
    for month in ("2026-03", "2026-04", "2026-05", "2026-06"):
        await c.report_stage(COLLEAGUE, project.id, None, month, report)
    # The colleague, acting for the village, asks for acceptance: now neither may accept.
    await c.request_completion(COLLEAGUE, project.id, None, s.CompletionRequestIn(summary="完成"))
    accept = s.CompletionDecisionIn(accept=True)
    for who in (DECLARER, COLLEAGUE):
        with pytest.raises(Forbidden, match="cannot decide on completion"):
            await c.decide_completion(who, project.id, None, accept)
    third = principal(Role.TOWNSHIP_STAFF, TOWNSHIP, sub="staff-sun")
    accepted = await c.decide_completion(third, project.id, None, accept)
    assert accepted.status is Status.COMPLETED


@pytest.mark.parametrize("days", [1, ANNOUNCEMENT_MIN_DAYS - 1])
async def test_an_announcement_lasts_at_least_the_minimum(days: int) -> None:
    c = commands()
    project = await declared_and_submitted(c, DECLARER)
    await c.review(COLLEAGUE, project.id, None, APPROVE)
    await c.file(COLLEAGUE, project.id, None)
    short = s.AnnouncementIn(starts_on=date(2026, 2, 2), ends_on=date(2026, 2, 1 + days))
    with pytest.raises(ValidationFailed, match="at least 5 days") as caught:
        await c.announce(COLLEAGUE, project.id, None, short)
    assert [d.field for d in caught.value.details] == ["ends_on"]
    assert (await c.load(COLLEAGUE, project.id)).status is Status.FILED

    enough = s.AnnouncementIn(starts_on=date(2026, 2, 2), ends_on=date(2026, 2, 6))
    announced = await c.announce(COLLEAGUE, project.id, None, enough)
    assert announced.announcement == (date(2026, 2, 2), date(2026, 2, 6))

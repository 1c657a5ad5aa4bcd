"""Who may do what (the permission matrix) on the use cases, with a fake repository."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from lingban_contracts.divisions import default_tree
from lingban_contracts.events.projects import ReviewScores
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import FixedClock
from lingban_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lingban_projects.projects import schemas as s
from lingban_projects.projects.domain import Project, Status
from lingban_projects.projects.service import ProjectCommands

from .builders import CITY, OTHER_TOWNSHIP, TOWNSHIP, VILLAGE, declaration, principal
from .fakes import FakeProjectRepository

GOOD = ReviewScores(feasibility=80, precision=80, effectiveness=80)


def commands() -> ProjectCommands:
    clock = FixedClock(datetime(2026, 2, 1, 9, tzinfo=UTC))
    return ProjectCommands(FakeProjectRepository(), default_tree(), clock, ())


async def submitted(c: ProjectCommands, unit: str = VILLAGE) -> Project:
    who = principal(Role.VILLAGE_SECRETARY if unit == VILLAGE else Role.TOWNSHIP_SECRETARY, unit)
    project = await c.declare(who, unit, 2026, declaration())
    reviewer = c.reviewer_unit(c.unit(unit)).code
    return await c.unit_side(
        who, project.id, None, lambda p: p.submit(reviewer, who.actor, c.clock.now())
    )


def approve(who: Principal, c: ProjectCommands) -> Callable[[Project], None]:
    return lambda p: p.review(
        approve=True, scores=GOOD, reasons=(), comment=None, actor=who.actor, now=c.clock.now()
    )


async def test_village_secretary_declares_for_own_village() -> None:
    c = commands()
    project = await c.declare(principal(Role.VILLAGE_SECRETARY), VILLAGE, 2026, declaration())
    assert project.status is Status.DRAFT
    assert isinstance(c.repo, FakeProjectRepository)
    assert c.repo.published == ["lingban.projects.project-declared.v1"]


async def test_staff_above_may_act_inside_their_jurisdiction() -> None:
    c = commands()
    await c.declare(principal(Role.TOWNSHIP_STAFF, TOWNSHIP), VILLAGE, 2026, declaration())


async def test_declaring_outside_jurisdiction_is_forbidden_and_stores_nothing() -> None:
    c = commands()
    with pytest.raises(Forbidden, match="outside your jurisdiction"):
        await c.declare(
            principal(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP), VILLAGE, 2026, declaration()
        )
    assert isinstance(c.repo, FakeProjectRepository)
    assert c.repo.projects == {}


async def test_unknown_unit_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed, match="not a registered unit"):
        await commands().declare(
            principal(Role.CITY_ORG, CITY), "340881999999", 2026, declaration()
        )


@pytest.mark.parametrize("role", [Role.LEADER, Role.SUPERVISOR, Role.SUBSCRIBER])
async def test_read_only_roles_cannot_declare(role: Role) -> None:
    with pytest.raises(Forbidden):
        await commands().declare(principal(role), VILLAGE, 2026, declaration())


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP), True),  # the level above
        (principal(Role.TOWNSHIP_STAFF, TOWNSHIP), True),
        (principal(Role.VILLAGE_SECRETARY, VILLAGE), False),  # its own unit
        (principal(Role.CITY_ORG, CITY), False),  # two levels above
        (principal(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP), False),  # another township
        (principal(Role.LEADER, TOWNSHIP), False),  # read-only
    ],
)
async def test_only_the_level_above_reviews_a_village_project(
    who: Principal, allowed: bool
) -> None:
    c = commands()
    project = await submitted(c)
    if allowed:
        reviewed = await c.level_above(who, project.id, None, approve(who, c))
        assert reviewed.status is Status.APPROVED
    else:
        with pytest.raises((Forbidden, NotFound)):
            await c.level_above(who, project.id, None, approve(who, c))


async def test_the_city_reviews_township_projects() -> None:
    c = commands()
    project = await submitted(c, TOWNSHIP)
    org = principal(Role.CITY_ORG, CITY)
    assert (await c.level_above(org, project.id, None, approve(org, c))).status is Status.APPROVED
    secretary = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    own = await submitted(c, TOWNSHIP)
    with pytest.raises(Forbidden):
        await c.level_above(secretary, own.id, None, approve(secretary, c))


async def test_a_stale_version_is_a_conflict() -> None:
    c = commands()
    project = await submitted(c)
    reviewer = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    with pytest.raises(Conflict, match="version 2, not 1"):
        await c.level_above(reviewer, project.id, 1, approve(reviewer, c))


async def test_a_project_outside_jurisdiction_reads_as_not_found() -> None:
    c = commands()
    project = await c.declare(principal(Role.VILLAGE_SECRETARY), VILLAGE, 2026, declaration())
    assert (await c.load(principal(Role.LEADER, TOWNSHIP), project.id)).id == project.id
    with pytest.raises(NotFound):
        await c.load(principal(Role.LEADER, OTHER_TOWNSHIP), project.id)


async def announced(c: ProjectCommands) -> Project:
    """A village's project submitted, approved, filed and announced for 2 to 8 February."""
    project = await submitted(c)
    above = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    now = c.clock.now()

    def approve_file_announce(p: Project) -> None:
        p.review(approve=True, scores=GOOD, reasons=(), comment=None, actor=above.actor, now=now)
        p.file(above.actor, now)
        p.announce(date(2026, 2, 2), date(2026, 2, 8), above.actor, now)

    return await c.level_above(above, project.id, None, approve_file_announce)


async def test_daily_checks_start_execution_and_flag_overdue_once() -> None:
    c = commands()
    project = await announced(c)
    assert isinstance(c.clock, FixedClock)
    c.clock.set(datetime(2026, 5, 2, 9, tzinfo=UTC))
    first = await c.run_daily_checks()
    assert first == {
        "execution_started": [project.id],
        "stages_overdue": [f"{project.id}:2026-03", f"{project.id}:2026-04"],
    }
    assert await c.run_daily_checks() == {"execution_started": [], "stages_overdue": []}


async def test_daily_checks_read_only_the_projects_they_may_change() -> None:
    c = commands()
    ids = [(await announced(c)).id for _ in range(3)]
    assert isinstance(c.repo, FakeProjectRepository)
    assert isinstance(c.clock, FixedClock)

    c.clock.set(datetime(2026, 2, 10, 9, tzinfo=UTC))
    c.repo.reads = 0
    assert (await c.run_daily_checks())["execution_started"] == ids
    assert c.repo.reads == 3  # announced: each may start
    c.clock.set(datetime(2026, 3, 20, 9, tzinfo=UTC))
    c.repo.reads = 0
    assert await c.run_daily_checks() == {"execution_started": [], "stages_overdue": []}
    assert c.repo.reads == 0  # in execution, but no stage month is over yet
    c.clock.set(datetime(2026, 4, 2, 9, tzinfo=UTC))
    c.repo.reads = 0
    assert len((await c.run_daily_checks())["stages_overdue"]) == 3
    assert c.repo.reads == 3
    c.repo.reads = 0
    assert await c.run_daily_checks() == {"execution_started": [], "stages_overdue": []}
    assert c.repo.reads == 0  # March flagged on all three; April is not over


async def test_a_change_naming_files_not_uploaded_reads_the_project_once() -> None:
    # References without a `file_id` (noted, not uploaded) are not looked up either.
    c = commands()
    who = principal(Role.VILLAGE_SECRETARY)
    project = await c.declare(who, VILLAGE, 2026, declaration())
    assert isinstance(c.repo, FakeProjectRepository)
    noted = {"name": "会议纪要.pdf", "content_type": "application/pdf", "size_bytes": 1024}
    form = s.DeclarationFormIn.model_validate(
        {**dataclasses.asdict(declaration()), "attachments": [noted]}
    )
    c.repo.reads = 0
    revised = await c.revise(who, project.id, project.version, form)
    assert c.repo.reads == 1
    assert [a.name for a in revised.declaration.attachments] == ["会议纪要.pdf"]


async def test_a_unit_side_change_without_attachments_reads_the_project_once() -> None:
    # The jurisdiction check's read is the one changed: no second round trip.
    c = commands()
    who = principal(Role.VILLAGE_SECRETARY)
    project = await c.declare(who, VILLAGE, 2026, declaration())
    assert isinstance(c.repo, FakeProjectRepository)
    form = s.DeclarationFormIn.model_validate(
        {**dataclasses.asdict(declaration()), "title": "老旧小区加装电梯（修订）"}
    )
    c.repo.reads = 0
    revised = await c.revise(who, project.id, project.version, form)
    assert c.repo.reads == 1
    assert revised.declaration.title == "老旧小区加装电梯（修订）"
    stored = c.repo.projects[project.id]
    assert (stored.version, stored.declaration.title) == (
        revised.version,
        revised.declaration.title,
    )

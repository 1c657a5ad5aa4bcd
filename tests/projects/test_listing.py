"""A page of a region's projects: the same page as sorting them all, for the price of the page.

Unit tests on the fake repository; `test_query_plans.py` runs the same walk on the
real database.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime

import pytest

from lingban_contracts.divisions import Level, default_tree
from lingban_kit.auth import Role
from lingban_projects.projects.domain import Project, Status
from lingban_projects.projects.listing import list_page
from lingban_projects.projects.repository import Where

from .builders import CITY, TOWNSHIP, VILLAGE, declaration, principal
from .fakes import FakeProjectRepository

TREE = default_tree()
NOW = datetime(2026, 3, 1, tzinfo=UTC)
STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.IN_EXECUTION)


def reference(repo: FakeProjectRepository, where: Where) -> list[Project]:
    """Every match, sorted: what the list showed before it learned to walk."""
    return sorted(repo.selected(where), key=lambda p: (p.unit_code, p.id))


def filled(seed: int, count: int, units: list[str]) -> FakeProjectRepository:
    rng = random.Random(seed)
    repo = FakeProjectRepository()
    actor = principal(Role.VILLAGE_SECRETARY).actor
    for _ in range(count):
        project = Project.declare(rng.choice(units), 2026, declaration(), actor, NOW)
        project = dataclasses.replace(
            project, year=rng.choice((2025, 2026)), status=rng.choice(STATUSES)
        )
        repo.projects[project.id] = project
    return repo


# Every level holds projects: the city's own, townships' own and villages'.
ALL_UNITS = sorted(u.code for u in TREE)


@pytest.mark.parametrize("seed", range(6))
async def test_every_page_is_the_page_of_the_sorted_whole(seed: int) -> None:
    repo = filled(seed, 400, ALL_UNITS)
    rng = random.Random(seed)
    for where in (
        Where(CITY),
        Where(CITY, year=2026),
        Where(CITY, status=Status.SUBMITTED.value),
        Where(CITY, year=2025, status=Status.DRAFT.value),
        Where(TOWNSHIP),
        Where(TOWNSHIP, year=2026),
        Where(TOWNSHIP, unit_only=True),
        Where(CITY, year=2026, unit_only=True),
        Where(VILLAGE),
    ):
        whole = reference(repo, where)
        for limit, offset in ((50, 0), (7, 3), (500, 0), (rng.randint(1, 40), rng.randint(0, 300))):
            page = await list_page(repo, TREE, where, limit, offset, probe=rng.choice((3, 10, 100)))
            expected = whole[offset : offset + limit]
            assert [p.id for p in page] == [p.id for p in expected], (where, limit, offset)


async def test_the_first_page_of_a_large_region_reads_about_a_page() -> None:
    # 20 projects in each of the city's villages: the city holds 4,520.
    villages = [u.code for u in TREE if u.level is Level.VILLAGE]
    repo = filled(1, 20 * len(villages), villages)
    assert len(reference(repo, Where(CITY))) > 4_000

    page = await list_page(repo, TREE, Where(CITY), limit=50, offset=0, probe=100)

    assert [p.id for p in page] == [p.id for p in reference(repo, Where(CITY))[:50]]
    # The regions' own projects (none) and the few villages the page falls in (~20
    # each), not 4,520; the probes above them read no projects.
    assert repo.rows_read <= 6 * 40, repo.rows_read
    assert repo.list_reads <= 12, repo.list_reads


async def test_a_sparse_filter_is_answered_by_one_read() -> None:
    repo = filled(2, 600, ALL_UNITS)
    rare = next(iter(repo.projects.values()))
    repo.projects[rare.id] = dataclasses.replace(rare, status=Status.COMPLETED)

    page = await list_page(repo, TREE, Where(CITY, status=Status.COMPLETED.value), 50, 0)

    assert [p.id for p in page] == [rare.id]
    assert repo.list_reads == 2  # the count, then the read


async def test_a_units_own_list_never_walks_into_the_units_below() -> None:
    repo = filled(3, 40, [TOWNSHIP])  # more own projects than a probe takes
    below = filled(4, 40, [VILLAGE])
    repo.projects.update(below.projects)
    where = Where(TOWNSHIP, unit_only=True)

    page = await list_page(repo, TREE, where, limit=50, offset=0, probe=3)

    assert {p.unit_code for p in page} == {TOWNSHIP}
    assert [p.id for p in page] == [p.id for p in reference(repo, where)]

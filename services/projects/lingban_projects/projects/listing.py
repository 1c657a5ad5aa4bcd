"""A page of a region's projects, in (unit, id) order, reading about the page, not the region.

The database cannot sort for us cheaply (FerretDB sorts in Go, after reading every
matching project in full: a city-wide list of 25,000 projects took 48 s). But unit
codes nest (`lingban_contracts.regions`), so "sorted by unit" is a walk of the region
codes in order: a region's own projects, then each region one level below, in code
order. The walk reads a subtree whole when that reads little more than the page still
needs — a probe counts its matches up to that many, reading only ids — and otherwise
reads its own projects and then each region below, and stops once the page is full.
A page therefore reads about its offset plus limit in projects, and a few queries per
level.
"""

from __future__ import annotations

from lingban_contracts.divisions import DivisionTree
from lingban_projects.projects.domain import Project
from lingban_projects.projects.repository import ProjectRepository, Where

# A subtree is read whole, without descending, when it holds at most this many matches
# more than the page still needs (fewer queries for a few extra projects read)...
SLACK = 20
# ...or at most this many in all: deep pages descend rather than read huge subtrees.
PROBE = 100


def _order(project: Project) -> tuple[str, str]:
    return (project.unit_code, project.id)


async def list_page(
    repo: ProjectRepository,
    tree: DivisionTree,
    where: Where,
    limit: int,
    offset: int,
    probe: int = PROBE,
) -> list[Project]:
    """Projects `offset` to `offset + limit` of `where`, ordered by unit code, then id."""
    walk = _Walk(repo, tree, offset + limit, probe)
    await walk.collect(where)
    return walk.found[offset : offset + limit]


class _Walk:
    def __init__(self, repo: ProjectRepository, tree: DivisionTree, want: int, probe: int) -> None:
        self.repo, self.tree, self.want, self.probe = repo, tree, want, probe
        self.found: list[Project] = []

    async def collect(self, where: Where) -> None:
        """Append `where`'s projects in order, stopping once `want` are found."""
        below = [] if where.unit_only else self.tree.regions_below(where.region)
        if below:
            whole = min(self.probe, self.want - len(self.found) + SLACK)
            if await self.repo.count_at_most(where, whole + 1) > whole:
                await self._descend(where, below)
                return
        self.found += sorted(await self.repo.matching(where), key=_order)

    async def _descend(self, where: Where, below: list[str]) -> None:
        self.found += sorted(await self.repo.matching(where.own()), key=_order)
        for region in below:
            if len(self.found) >= self.want:
                return
            await self.collect(where.within(region))

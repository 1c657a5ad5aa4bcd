"""Hand-written fakes that subclass the real ports."""

from __future__ import annotations

import copy

from lingban_contracts.events.supervision import PooledProject
from lingban_contracts.regions import in_subtree
from lingban_kit.mongo import Document
from lingban_supervision.projects.inspectable import InspectableProjects
from lingban_supervision.store import A, AggregateStore, Criteria, changed_meanwhile, project


class FakeStore(AggregateStore[A]):
    """Keeps documents as the real store would, so criteria run on the same shape."""

    def __init__(self, model: type[A]) -> None:
        super().__init__(model)
        self.docs: dict[str, dict[str, object]] = {}
        self.published: list[str] = []

    def _store(self, aggregate: A) -> None:
        self.published += [e.type for e in aggregate.pending_events]
        aggregate.pending_events.clear()
        self.docs[aggregate.id] = self.to_document(aggregate)

    async def add(self, aggregate: A) -> bool:
        if aggregate.id in self.docs:
            return False
        self._store(aggregate)
        return True

    async def save(self, aggregate: A, expected_version: int) -> None:
        if self.docs[aggregate.id]["version"] != expected_version:
            raise changed_meanwhile(expected_version)
        self._store(aggregate)

    async def get(self, aggregate_id: str) -> A | None:
        doc = self.docs.get(aggregate_id)
        return self.from_document(copy.deepcopy(doc)) if doc else None

    async def find(
        self, criteria: Criteria, *, sort: str = "_id", limit: int | None = None, offset: int = 0
    ) -> list[A]:
        found = [d for d in self.docs.values() if criteria.matches(d)]
        found.sort(key=lambda d: (str(d.get(sort)), str(d["_id"])))
        end = None if limit is None else offset + limit
        return [self.from_document(copy.deepcopy(d)) for d in found[offset:end]]

    async def fields(self, criteria: Criteria, names: tuple[str, ...]) -> list[Document]:
        return [project(copy.deepcopy(d), names) for d in self.docs.values() if criteria.matches(d)]


class FakeInspectable(InspectableProjects):
    def __init__(self, projects: list[PooledProject]) -> None:
        self.projects = {p.project_id: p for p in projects}

    async def get(self, project_id: str) -> PooledProject | None:
        return self.projects.get(project_id)

    async def unit_of(self, project_id: str) -> str | None:
        known = self.projects.get(project_id)
        return known.unit_code if known else None

    async def pool(self, covered_units: list[str], year: int) -> list[PooledProject]:
        return sorted(
            (
                p
                for p in self.projects.values()
                if any(in_subtree(p.unit_code, u) for u in covered_units)
            ),
            key=lambda p: p.project_id,
        )

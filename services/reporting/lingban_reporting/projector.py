"""Routes batches of events to the read models of each concept.

The live consumer (batch path), the single-record handler table and the
rebuild all go through `Projector.apply`, so they build identical documents:
the read models' documents first, then the figure documents of every unit the
batch touched (`figures/book.py`).

Division events keep this service's copy of the tree (`lingban_kit.divisions`);
the tree in memory takes them before the batch's documents are folded, and a
unit moved to another parent re-stamps what depends on its place
(`read_models/restamp.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from lingban_contracts import Envelope
from lingban_contracts.divisions import DivisionTree, default_tree
from lingban_contracts.events import divisions as dev
from lingban_contracts.registry import event_type as type_of
from lingban_kit import divisions
from lingban_kit.consumer import HandlerTable
from lingban_kit.mongo import Database
from lingban_reporting.assessment.projection import assessment_projections
from lingban_reporting.dispatch.projection import dispatch_projections
from lingban_reporting.figures.book import Change, FigureBook
from lingban_reporting.notifications.projection import notification_projections
from lingban_reporting.projects.projection import project_projection
from lingban_reporting.read_models.entities import EntityProjection
from lingban_reporting.read_models.generations import ALL_MODELS, PointerCache, ReadModels
from lingban_reporting.read_models.restamp import follow_units, restamp_townships
from lingban_reporting.stationing.projection import stationing_projections
from lingban_reporting.supervision.projection import supervision_projections

_UPDATED = type_of(dev.UnitUpdated)


class Projector:
    def __init__(self, db: Database, tree: DivisionTree | None = None) -> None:
        tree = tree or default_tree()
        self.db = db
        self.tree = tree
        self.pointer = PointerCache(db)
        self.figures = FigureBook(tree)
        self.projections: list[EntityProjection] = [
            project_projection(tree, self.figures.layout),
            *supervision_projections(),
            *notification_projections(),
            *dispatch_projections(),
            *stationing_projections(),
            *assessment_projections(),
        ]
        # One event type may feed several read models (an inspection failing
        # is both an inspection's result and a rectification's opening).
        self._route: dict[str, list[EntityProjection]] = {}
        for projection in self.projections:
            for event_type in projection.event_types:
                self._route.setdefault(event_type, []).append(projection)
        # Not a read model: the division events keep this service's tree current.
        self._tree_handlers = divisions.handlers(db)

    def event_types(self) -> list[str]:
        return sorted({*self._route, *self._tree_handlers})

    async def warm(self) -> int:
        """Load the figure book of the active generation ahead of its batches."""
        return await self.figures.warm(await self.pointer.get())

    def forget(self) -> None:
        for projection in self.projections:
            projection.forget()
        self.figures.forget()

    async def apply(self, events: Sequence[Envelope], models: ReadModels | None = None) -> int:
        """Apply a batch (events of other types are ignored); returns documents changed."""
        target = models or await self.pointer.get()
        by_projection: dict[int, list[Envelope]] = {}
        units: list[str] = []
        moved: list[str] = []
        for event in events:
            if event.type in self._tree_handlers:
                await self._tree_handlers[event.type](event)
                units.append(str(event.data["unit"]["code"]))
                if event.type == _UPDATED and "parent" in event.data.get("changed", ()):
                    moved.append(units[-1])
            for projection in self._route.get(event.type, ()):
                by_projection.setdefault(id(projection), []).append(event)
        if units:
            await follow_units(self.db, self.tree, units)
            self.figures.layout.forget()
        changed = 0
        changes: list[Change] = []
        # Each read model has its own documents and cache: they are written side by
        # side (a failure cancels the others and the batch is applied again).
        async with asyncio.TaskGroup() as group:
            running = [
                (projection, group.create_task(projection.apply(target, batch)))
                for projection in self.projections
                if (batch := by_projection.get(id(projection)))
            ]
        for projection, task in running:
            applied = task.result()
            changed += applied.changed
            changes += [
                (projection.base, doc_id, before, after, doc_id in applied.known)
                for doc_id, (before, after) in applied.states.items()
            ]
        # Only the counted read models feed the figure book (the others have no figures).
        changes = [c for c in changes if c[0] in ALL_MODELS]
        await self.figures.apply(target, changes)
        for code in dict.fromkeys(moved):
            changed += await restamp_townships(target, self.figures.layout, code)
            await self.figures.relocate(target, code)
        return changed

    def handlers(self) -> HandlerTable:
        """The single-record handler table (same projections, a batch of one)."""

        async def handle(event: Envelope) -> None:
            await self.apply([event])

        return dict.fromkeys(self.event_types(), handle)

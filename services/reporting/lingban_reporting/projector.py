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
from dataclasses import dataclass, field

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


@dataclass
class Written:
    """A batch whose read-model documents are written and whose figures are not yet."""

    changed: int = 0
    changes: list[Change] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # units given another parent


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
        return await self.settle(target, await self.write(events, target))

    def moves_units(self, events: Sequence[Envelope]) -> bool:
        """Whether the batch changes the tree (its figures' layout), see `Replay`."""
        return any(event.type in self._tree_handlers for event in events)

    async def write(self, events: Sequence[Envelope], target: ReadModels) -> Written:
        """A batch's first step: its read models' documents."""
        by_projection: dict[int, list[Envelope]] = {}
        units: list[str] = []
        written = Written()
        for event in events:
            if event.type in self._tree_handlers:
                await self._tree_handlers[event.type](event)
                units.append(str(event.data["unit"]["code"]))
                if event.type == _UPDATED and "parent" in event.data.get("changed", ()):
                    written.moved.append(units[-1])
            for projection in self._route.get(event.type, ()):
                by_projection.setdefault(id(projection), []).append(event)
        if units:
            await follow_units(self.db, self.tree, units)
            self.figures.layout.forget()
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
            written.changed += applied.changed
            # Only the counted read models feed the figure book (the others have none).
            if projection.base in ALL_MODELS:
                written.changes += [
                    (projection.base, doc_id, before, after, doc_id in applied.known)
                    for doc_id, (before, after) in applied.states.items()
                ]
        return written

    async def settle(self, target: ReadModels, written: Written) -> int:
        """A batch's second step: the figures of what `write` changed, and the places of
        moved units. Returns the documents the batch changed."""
        changed = written.changed
        await self.figures.apply(target, written.changes)
        for code in dict.fromkeys(written.moved):
            changed += await restamp_townships(target, self.figures.layout, code)
            await self.figures.relocate(target, code)
        return changed

    def handlers(self) -> HandlerTable:
        """The single-record handler table (same projections, a batch of one)."""

        async def handle(event: Envelope) -> None:
            await self.apply([event])

        return dict.fromkeys(self.event_types(), handle)


class Replay:
    """Applies batches in order as `Projector.apply` does, but settles each batch's
    figures while the next batch's documents are written: replaying a year (a
    rebuild, the projection benchmark), the figure book was a fifth of the time and
    the database sat half idle meanwhile (docs/performance.md).

    `apply` returns once the batch before is settled, with what that one changed;
    `drain` settles the last. Only a batch `apply` or `drain` returned for is done:
    a checkpoint saved then is safe. The next batch's documents may be written
    before its predecessor's figures; that is one writer's figures reading documents
    a second writer changed, which the book allows (`figures/book.py`: each read
    states what is stored, and the next batch states its own changes again). A batch
    that changes the tree overlaps neither: the layout is the book's, and its
    settling re-stamps documents the next batch would write.
    """

    def __init__(self, projector: Projector, models: ReadModels) -> None:
        self.projector = projector
        self.models = models
        self._settling: asyncio.Future[int] | None = None

    async def apply(self, events: Sequence[Envelope]) -> int:
        if self.projector.moves_units(events):
            done = await self.drain()
            settled: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            settled.set_result(await self.projector.apply(events, self.models))
            self._settling = settled
            return done
        try:
            written = await self.projector.write(events, self.models)
        except BaseException:
            await self.cancel()
            raise
        done = await self.drain()
        self._settling = asyncio.ensure_future(self.projector.settle(self.models, written))
        return done

    async def drain(self) -> int:
        """Wait for the batch being settled; returns what it changed."""
        task, self._settling = self._settling, None
        return 0 if task is None else await task

    async def cancel(self) -> None:
        """Stop settling (a replay that failed: it starts again from its checkpoint)."""
        task, self._settling = self._settling, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

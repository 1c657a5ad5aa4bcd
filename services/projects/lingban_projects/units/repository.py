"""The owner's copy of the division tree: one document a unit, with its outbox.

The projects service owns the tree, so its `divisions` collection is both the
record and an outbox collection: a change and its event are one write. An
import of many units is one `division_imports` document carrying every event
(one write, so the events of a sheet go out all or none), then applied unit by
unit; a crash in between is finished at the next start (`finish_imports`).
Every tree write holds one short lease, so versions and the whole-tree checks
never race with another write.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from lingban_contracts import Envelope
from lingban_contracts.divisions import DivisionTree, Unit
from lingban_contracts.events import divisions as dev
from lingban_kit import divisions
from lingban_kit.errors import Conflict
from lingban_kit.leases import Lease, holder_id
from lingban_kit.mongo import Database, Document
from lingban_kit.outbox import outbox_fields, with_events
from lingban_kit.runtime import ServiceRuntime

IMPORTS = "division_imports"
OUTBOX_COLLECTIONS = (divisions.COLLECTION, IMPORTS)
_LEASE = "projects:division-tree"
_LEASE_TTL = timedelta(seconds=30)
_LEASE_WAIT_SECONDS = 5.0


class DivisionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.units = db[divisions.COLLECTION]

    async def tree(self) -> DivisionTree:
        """The tree as stored now (not the in-process copy, which may be seconds behind)."""
        tree, _ = await self.snapshot()
        return tree

    async def snapshot(self) -> tuple[DivisionTree, dict[str, int]]:
        """The stored tree and each unit's version."""
        docs = [doc async for doc in self.units.find({}, {"outbox": 0})]
        units = [divisions.unit_of(doc) for doc in docs]
        placed, _ = divisions.placeable(units)
        # Units no longer in the tree are kept, so their codes stay taken.
        tree = DivisionTree([*placed, *(u for u in units if not u.active)])
        return tree, {str(doc["_id"]): int(doc.get("version", 0)) for doc in docs}

    async def version(self, code: str) -> int:
        doc = await self.units.find_one({"_id": code}, {"version": 1})
        return int(doc["version"]) if doc else 0

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold the tree's write lease for one change (409 if another holds it too long)."""
        lease = Lease(self.db["leases"], _LEASE, _LEASE_TTL, f"{holder_id()}:{uuid.uuid4()}")
        deadline = asyncio.get_running_loop().time() + _LEASE_WAIT_SECONDS
        while not await lease.acquire():
            if asyncio.get_running_loop().time() > deadline:
                raise Conflict(
                    message="另一项区划调整正在进行，请稍后重试",
                    message_en="Another change of the division tree is in progress; retry shortly",
                )
            await asyncio.sleep(0.2)
        try:
            yield
        finally:
            await lease.release()

    async def add(self, unit: Unit, version: int, events: Sequence[Envelope]) -> None:
        doc = divisions.unit_document(unit, version) | outbox_fields(events)
        try:
            await self.units.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(
                message=f"区划代码 {unit.code} 已被使用",
                message_en=f"Code {unit.code} is already used",
            ) from None
        await divisions.bump_generation(self.db)

    async def save(
        self,
        unit: Unit,
        version: int,
        expected: int,
        events: Sequence[Envelope],
        also: Document | None = None,
    ) -> None:
        """The unit's new state and its events in one write (`also`: more fields of it)."""
        fields = {k: v for k, v in divisions.unit_document(unit, version).items() if k != "_id"}
        fields |= also or {}
        result = await self.units.update_one(
            {"_id": unit.code, "version": expected}, with_events({"$set": fields}, events)
        )
        if result.matched_count == 0:
            raise Conflict(
                message=f"单位 {unit.code} 刚被他人修改，请刷新后重试",
                message_en=f"Unit {unit.code} was changed meanwhile; reload and retry",
            )
        await divisions.bump_generation(self.db)

    async def add_import(
        self, changes: Sequence[tuple[dev.UnitState, int]], events: Sequence[Envelope]
    ) -> str:
        batch_id = str(uuid.uuid4())
        await self.db[IMPORTS].insert_one(
            {
                "_id": batch_id,
                "units": [
                    {"unit": state.model_dump(mode="json"), "version": version}
                    for state, version in changes
                ],
                "applied": False,
            }
            | outbox_fields(events)
        )
        return batch_id

    async def apply_import(self, batch_id: str) -> None:
        doc = await self.db[IMPORTS].find_one({"_id": batch_id})
        if doc is None or doc.get("applied"):
            return
        for raw in doc["units"]:
            state = dev.UnitState.model_validate(raw["unit"])
            await divisions.apply_state(self.db, state, int(raw["version"]))
        await self.db[IMPORTS].update_one({"_id": batch_id}, {"$set": {"applied": True}})


async def finish_imports(runtime: ServiceRuntime) -> None:
    """Start hook: apply imports a crash interrupted after their one write."""
    await runtime.db[IMPORTS].create_index("applied")
    repo = DivisionRepository(runtime.db)
    async for doc in runtime.db[IMPORTS].find({"applied": False}, {"_id": 1}):
        await repo.apply_import(str(doc["_id"]))

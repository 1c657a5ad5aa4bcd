"""村并村: a merged unit's open projects move to its successor, crash-safe and idempotent.

A merge is one write of the unit's document in `divisions`: its new state, its
`unit-merged` event and a `transfer` marker (successor, reason, who, when, the
request's correlation id). Then each open project of the merged unit (every
status not in `lingban_contracts.statuses.PROJECT_FINAL`) becomes the
successor's through the projects' own write path (`UnitOfWork`: the project
and its `project-unit-transferred` event in one version-checked write), and
the marker is cleared last.

- A crash in between leaves the marker: the next start finishes the transfer
  (`finish_transfers`, as `repository.finish_imports` finishes imports), and so
  does the same merge request sent again (it changes nothing else).
- Nothing moves twice: a moved project is the successor's, so neither the query
  below finds it again nor does `Project.transfer_unit` change it; two finishers
  racing on one project meet on its version, and the loser reloads it and finds
  it moved.
- Closed projects (evaluated, withdrawn) stay with the merged unit: they are its
  record, and `DivisionTree.get` keeps its name for them.

The successor's secretary as owner: access follows the unit code, so from the
transfer on the successor's unit side (its secretary, and staff above it by
jurisdiction) reports and asks for completion, the successor's parent reviews,
and reminders go to the successor's contacts. The event names the successor's
secretary at the time. The declaration itself is not rewritten: its lead
secretary (牵头书记) is part of the plan the level above approved, so a new one
is recorded through a change request (变更, `PlanChanges.lead_secretary`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lingban_contracts import Actor
from lingban_contracts.statuses import PROJECT_OPEN
from lingban_kit import divisions
from lingban_kit.errors import Conflict
from lingban_kit.logging import correlation_id
from lingban_kit.mongo import Database, Document
from lingban_kit.runtime import ServiceRuntime
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork, no_relay
from lingban_projects.projects.domain import Project
from lingban_projects.projects.repository import (
    PROJECTS_COLLECTION,
    MongoProjectRepository,
    search_filter,
)

TRANSFER = "transfer"  # the marker's field on the merged unit's document
_ATTEMPTS = 5


@dataclass(frozen=True)
class Transfer:
    """What a merge asks of the projects: written with the merge, cleared when done."""

    merged: str
    into: str
    reason: str
    actor: Actor
    at: datetime
    correlation_id: str | None

    def marker(self) -> Document:
        return {
            TRANSFER: {
                "into": self.into,
                "reason": self.reason,
                "actor": self.actor.model_dump(mode="json"),
                "at": self.at,
                "correlation_id": self.correlation_id,
            }
        }

    @classmethod
    def of(cls, doc: Document) -> Transfer | None:
        raw = doc.get(TRANSFER)
        if not raw:
            return None
        return cls(
            merged=str(doc["_id"]),
            into=str(raw["into"]),
            reason=str(raw["reason"]),
            actor=Actor.model_validate(raw["actor"]),
            at=raw["at"],
            correlation_id=raw.get("correlation_id"),
        )


def open_projects_filter(code: str, status: str) -> Document:
    """A unit's projects in one status: equalities the projects' search index serves
    (`projects.repository.SEARCH_INDEX`: region_path, status). One query per open
    status, as `$in` is never pushed down on FerretDB."""
    return search_filter(code, status=status)


class ProjectTransfers:
    def __init__(self, db: Database, wake_relay: RelayWaker = no_relay) -> None:
        self.db = db
        self.repo = MongoProjectRepository(db)
        self.uow = UnitOfWork(self.repo, wake_relay=wake_relay, noun="项目", noun_en="project")

    async def open_projects(self, code: str) -> list[str]:
        """Ids of the unit's open projects (its own: not those of units coded below it)."""
        found: list[str] = []
        for status in PROJECT_OPEN:
            query = open_projects_filter(code, status.value)
            async for doc in self.db[PROJECTS_COLLECTION].find(query, {"unit_code": 1}):
                if doc["unit_code"] == code:
                    found.append(str(doc["_id"]))
        return found

    async def finish(self, code: str) -> int:
        """Move what the merge of `code` left to move, then clear its marker; returns
        how many projects moved now (0 when there was nothing left, e.g. a repeat)."""
        doc = await self.db[divisions.COLLECTION].find_one({"_id": code}, {TRANSFER: 1})
        transfer = Transfer.of(doc) if doc else None
        if transfer is None:
            return 0
        successor = await self.db[divisions.COLLECTION].find_one(
            {"_id": transfer.into}, {"secretary": 1}
        )
        secretary = str((successor or {}).get("secretary") or "")
        # The projects' events belong to the merge's request, also when a start finishes it.
        token = correlation_id.set(transfer.correlation_id)
        try:
            moved = 0
            for project_id in await self.open_projects(code):
                moved += await self._move(project_id, transfer, secretary)
        finally:
            correlation_id.reset(token)
        await self.db[divisions.COLLECTION].update_one(
            {"_id": code, TRANSFER: {"$exists": True}}, {"$unset": {TRANSFER: ""}}
        )
        return moved

    @staticmethod
    def _transfer(project: Project, transfer: Transfer, secretary: str) -> None:
        project.transfer_unit(
            transfer.into, secretary, transfer.reason, transfer.actor, transfer.at
        )

    async def _move(self, project_id: str, transfer: Transfer, secretary: str) -> bool:
        for _ in range(_ATTEMPTS):
            project = await self.repo.get(project_id)
            if project is None:
                return False
            loaded = project.version
            try:
                await self.uow.change(
                    project, None, lambda p: self._transfer(p, transfer, secretary)
                )
            except Conflict:
                continue  # changed meanwhile (a user, another finisher): load it again
            return project.version != loaded
        raise Conflict(
            message=f"项目 {project_id} 正在被修改，撤并后的项目移交稍后继续",
            message_en=f"Project {project_id} keeps changing; the merge's transfer resumes later",
        )


async def finish_transfers(runtime: ServiceRuntime) -> None:
    """Start hook: finish the project transfers of merges a crash interrupted."""
    pending = [
        str(doc["_id"])
        async for doc in runtime.db[divisions.COLLECTION].find(
            {TRANSFER: {"$exists": True}}, {"_id": 1}
        )
    ]
    transfers = ProjectTransfers(runtime.db, runtime.wake_relay)
    for code in pending:
        await transfers.finish(code)

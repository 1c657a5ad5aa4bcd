"""Use cases of the division tree: one method each, checked, one write each.

Who may change what: the organisation department (city_org) of a region
shapes its part of the tree (new units, names, moves, merges, imports); a
township's secretary or staff may also record a new secretary of a village
below it, the change that happens most often. A merge moves the merged unit's
open projects to its successor (`transfers.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lingban_contracts import Envelope, new_envelope
from lingban_contracts.divisions import DivisionTree, Unit, default_tree
from lingban_contracts.events import divisions as dev
from lingban_kit import divisions
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import Clock
from lingban_kit.errors import Forbidden, LingbanError, ValidationFailed
from lingban_kit.logging import correlation_id
from lingban_kit.sheets import Refusal
from lingban_projects.units import domain
from lingban_projects.units.repository import DivisionRepository
from lingban_projects.units.sheet import UnitRow
from lingban_projects.units.transfers import ProjectTransfers, Transfer

SERVICE = "projects"
SECRETARY_EDITORS = (Role.CITY_ORG, Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF)


@dataclass(frozen=True)
class ImportResult:
    rows: int
    registered: int
    updated: int
    unchanged: int


class UnitCommands:
    def __init__(
        self,
        repo: DivisionRepository,
        clock: Clock,
        wake_relay: Callable[[str | None, object], None],
        transfers: ProjectTransfers,
        tree: DivisionTree | None = None,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.wake_relay = wake_relay
        self.transfers = transfers
        # This process's tree, refreshed at once after a write (other replicas
        # and services follow within seconds, lingban_kit.divisions).
        self.live_tree = tree or default_tree()

    def _envelope(self, change: domain.UnitChange, principal: Principal) -> Envelope:
        return new_envelope(
            data=change.event,
            source_service=SERVICE,
            actor=principal.actor,
            region_code=change.unit.code,
            aggregate_id=change.unit.code,
            aggregate_version=change.version,
            correlation_id=correlation_id.get(),
            time=self.clock.now(),
        )

    async def _written(self, collection: str | None, doc_id: object) -> None:
        await divisions.load_into(self.repo.db, self.live_tree)
        self.wake_relay(collection, doc_id)

    async def register(self, principal: Principal, unit: Unit, reason: str) -> Unit:
        principal.require_any(Role.CITY_ORG)
        if unit.parent is not None:
            principal.require_jurisdiction(unit.parent)
        async with self.repo.writing():
            change = domain.register(await self.repo.tree(), unit, reason)
            await self.repo.add(change.unit, change.version, [self._envelope(change, principal)])
        await self._written(divisions.COLLECTION, unit.code)
        return change.unit

    async def update(
        self,
        principal: Principal,
        code: str,
        *,
        name: str | None,
        secretary: str | None,
        parent: str | None,
        reason: str,
    ) -> Unit:
        self._may_edit(principal, code, secretary_only=name is None and parent is None)
        if parent is not None:
            principal.require_jurisdiction(parent)
        async with self.repo.writing():
            tree = await self.repo.tree()
            version = await self.repo.version(code)
            change = domain.update(
                tree, code, version, name=name, secretary=secretary, parent=parent, reason=reason
            )
            if change is None:
                return self._found(tree, code)
            await self.repo.save(
                change.unit, change.version, version, [self._envelope(change, principal)]
            )
        await self._written(divisions.COLLECTION, code)
        return change.unit

    async def merge(self, principal: Principal, code: str, into: str, reason: str) -> Unit:
        """The merge and its projects' transfer marker in one write, then the transfer.

        The same request again (merged into the same unit) only finishes a transfer
        an earlier attempt left unfinished: no second merge event, nothing moved twice.
        """
        principal.require_any(Role.CITY_ORG)
        self._in_reach(principal, code)
        self._in_reach(principal, into)
        async with self.repo.writing():
            tree = await self.repo.tree()
            done = tree.get(code)
            if done is not None and not done.active and done.merged_into == into:
                change = None
            else:
                version = await self.repo.version(code)
                change = domain.merge(tree, code, version, into, reason)
                transfer = Transfer(
                    code, into, reason, principal.actor, self.clock.now(), correlation_id.get()
                )
                await self.repo.save(
                    change.unit,
                    change.version,
                    version,
                    [self._envelope(change, principal)],
                    also=transfer.marker(),
                )
        if change is not None:
            await self._written(divisions.COLLECTION, code)
        # Outside the tree's lease: each project is its own write (a crash here is
        # finished at the next start, `transfers.finish_transfers`).
        await self.transfers.finish(code)
        return change.unit if change is not None else self._found(tree, code)

    async def import_rows(
        self, principal: Principal, rows: Sequence[UnitRow], unreadable: Sequence[Refusal]
    ) -> ImportResult | list[Refusal]:
        """All rows applied in one write, or the refusals (then nothing changed)."""
        principal.require_any(Role.CITY_ORG)
        refused = list(unreadable)
        async with self.repo.writing():
            tree, versions = await self.repo.snapshot()
            changes = self._plan(principal, tree, versions, rows, refused)
            if refused:
                return sorted(refused, key=lambda r: r.row)
            events = [self._envelope(c, principal) for c in changes]
            if events:
                batch = await self.repo.add_import(
                    [(dev.UnitState.of(c.unit), c.version) for c in changes], events
                )
                await self.repo.apply_import(batch)
        if events:
            await self._written(None, None)
        registered = sum(isinstance(c.event, dev.UnitRegistered) for c in changes)
        return ImportResult(
            rows=len(rows),
            registered=registered,
            updated=len(changes) - registered,
            unchanged=len(rows) - len(changes),
        )

    def _plan(
        self,
        principal: Principal,
        tree: DivisionTree,
        versions: dict[str, int],
        rows: Sequence[UnitRow],
        refused: list[Refusal],
    ) -> list[domain.UnitChange]:
        """The changes the rows make, checked in order (parents before children)."""
        changes: list[domain.UnitChange] = []
        seen: dict[str, int] = {}
        for row in sorted(rows, key=lambda r: (r.level.depth, r.number)):
            if row.code in seen:
                refused.append(
                    Refusal(
                        row.number,
                        "区划代码",
                        f"代码 {row.code} 与第 {seen[row.code]} 行重复",
                        f"Code {row.code} repeats row {seen[row.code]}",
                    )
                )
                continue
            seen[row.code] = row.number
            try:
                for code in filter(None, (row.code, row.parent)):
                    self._in_reach(principal, code)
                change = self._row_change(tree, versions.get(row.code, 0), row)
            except LingbanError as error:
                refused.append(Refusal(row.number, None, error.message, error.message_en))
                continue
            if change is not None:
                changes.append(change)
                tree = tree.with_unit(change.unit)
        return changes

    @staticmethod
    def _row_change(tree: DivisionTree, version: int, row: UnitRow) -> domain.UnitChange | None:
        current = tree.get(row.code)
        if current is None:
            unit = Unit(row.code, row.name, row.level, row.parent, row.secretary)
            return domain.register(tree, unit, "Excel 导入")
        if current.level is not row.level:
            raise ValidationFailed(
                message=f"单位 {row.code} 的层级是 {current.level}，不能改为 {row.level}",
                message_en=f"Unit {row.code} is a {current.level}; its level cannot change",
            )
        return domain.update(
            tree,
            row.code,
            version,
            name=row.name,
            secretary=row.secretary or None,
            parent=row.parent,
            reason="Excel 导入",
        )

    @staticmethod
    def _found(tree: DivisionTree, code: str) -> Unit:
        unit = tree.get(code)
        if unit is None:
            raise domain.unit_not_found(code)
        return unit

    @staticmethod
    def _in_reach(principal: Principal, code: str) -> None:
        if not principal.can_see(code):
            raise domain.unit_not_found(code)

    def _may_edit(self, principal: Principal, code: str, *, secretary_only: bool) -> None:
        self._in_reach(principal, code)
        if principal.has_any(Role.CITY_ORG):
            return
        if (
            secretary_only
            and principal.has_any(*SECRETARY_EDITORS)
            and code != (principal.region_code)
        ):
            return
        raise Forbidden(
            message="只有组织部可以调整单位；乡镇可以更新下辖村（社区）的书记",
            message_en=(
                "Only the organisation department changes units; a township may record "
                "a new secretary of a village below it"
            ),
        )

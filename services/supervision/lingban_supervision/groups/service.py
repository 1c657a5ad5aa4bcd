"""Use cases of supervision groups: form, change composition, read."""

from __future__ import annotations

from dataclasses import dataclass

from lingban_contracts.divisions import DivisionTree, Level
from lingban_contracts.events.supervision import GroupLevel
from lingban_contracts.regions import in_subtree
from lingban_kit.auth import Principal
from lingban_kit.clock import Clock
from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_kit.logging import correlation_id
from lingban_kit.regions import region_path
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork, no_relay
from lingban_supervision.access import GROUP_FORMING_ROLES, not_found, unit_or_invalid
from lingban_supervision.groups.domain import Composition, Group
from lingban_supervision.store import AggregateStore, Criteria

GROUPS_COLLECTION = "supervision_groups"


def list_criteria(region_code: str, year: int | None) -> list[Criteria]:
    """The groups `may_read` lets a reader at `region_code` see, as indexed equalities:
    those inside the reader's subtree, and those of each region above the reader."""
    equal: dict[str, object] = {"year": year} if year is not None else {}
    above = [code for code in region_path(region_code) if code != region_code]
    return [Criteria(equal=equal, within=region_code)] + [
        Criteria(equal={**equal, "region_code": code}) for code in above
    ]


def may_read(principal: Principal, group: Group) -> bool:
    """The group's own level and above, and the units it supervises."""
    return principal.can_see(group.region_code) or in_subtree(
        principal.region_code, group.region_code
    )


@dataclass
class GroupCommands:
    store: AggregateStore[Group]
    tree: DivisionTree
    clock: Clock
    wake_relay: RelayWaker = no_relay

    @property
    def uow(self) -> UnitOfWork[Group]:
        return UnitOfWork(self.store, self.wake_relay, "督导组", "group")

    async def form(
        self, principal: Principal, region_code: str, year: int, composition: Composition
    ) -> Group:
        unit = unit_or_invalid(self.tree, region_code, "region_code")
        if unit.level is Level.VILLAGE:
            raise ValidationFailed(
                message="督导组设在市级或镇级",
                message_en="Groups are formed at city or township level",
                details=[FieldProblem("region_code", "不能是村级单位", "not a village")],
            )
        principal.require_any(*GROUP_FORMING_ROLES)
        principal.require_jurisdiction(unit.code)
        for i, code in enumerate(composition.covered_units):
            unit_or_invalid(self.tree, code, f"covered_units.{i}")
        group = Group.form(
            region_code=unit.code,
            # A district's or county's group works as the city's does, for its part of the tree.
            level=GroupLevel.TOWNSHIP if unit.level is Level.TOWNSHIP else GroupLevel.CITY,
            year=year,
            composition=composition,
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
        )
        return await self.uow.create(group)

    async def change(
        self, principal: Principal, group_id: str, composition: Composition, expected: int | None
    ) -> Group:
        group = await self.load(principal, group_id)
        principal.require_any(*GROUP_FORMING_ROLES)
        principal.require_jurisdiction(group.region_code)
        for i, code in enumerate(composition.covered_units):
            unit_or_invalid(self.tree, code, f"covered_units.{i}")
        return await self.uow.change(
            group, expected, lambda g: g.change(composition, principal.actor, self.clock.now())
        )

    async def load(self, principal: Principal, group_id: str) -> Group:
        group = await self.store.get(group_id)
        if group is None or not may_read(principal, group):
            raise not_found("督导组", "Group", group_id)
        return group

    async def list(self, principal: Principal, year: int | None) -> list[Group]:
        found: dict[str, Group] = {}
        for criteria in list_criteria(principal.region_code, year):
            found.update((g.id, g) for g in await self.store.find(criteria))
        readable = [g for g in found.values() if may_read(principal, g)]
        return sorted(readable, key=lambda g: (g.region_code, g.id))

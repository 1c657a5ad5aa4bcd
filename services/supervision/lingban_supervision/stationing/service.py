"""Use cases of stationed contact: the roster, and each stationed person's month.

Who: the township's secretary and staff (the township keeps its roster, 镇街道负责) and
the city organisation department, inside their jurisdiction. Everyone whose region
holds the township, or lies inside it (a village reads who is stationed with it),
reads the roster and the months.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level
from lingban_contracts.events.stationing import (
    Assignment,
    Leave,
    PlanItem,
    RosterChangeKind,
    VillageCounts,
)
from lingban_contracts.regions import in_subtree
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import Clock
from lingban_kit.errors import Conflict, FieldProblem, ValidationFailed
from lingban_kit.logging import correlation_id
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork, no_relay
from lingban_supervision.access import not_found, unit_or_invalid
from lingban_supervision.stationing.domain import (
    Roster,
    StationedMonth,
    invalid,
    record_id_of,
    roster_id_of,
)
from lingban_supervision.store import AggregateStore, Criteria, changed_meanwhile

ROSTERS_COLLECTION = "stationing_rosters"
STATIONED_MONTHS_COLLECTION = "stationed_months"
# The township keeps its roster; the city organisation department may too.
ROSTER_KEEPING_ROLES = (Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF, Role.CITY_ORG)


def may_read(principal: Principal, township_code: str) -> bool:
    """The township and the levels above it, and the villages inside it."""
    return principal.can_see(township_code) or in_subtree(principal.region_code, township_code)


@dataclass
class RosterCommands:
    store: AggregateStore[Roster]
    months: AggregateStore[StationedMonth]
    tree: DivisionTree
    clock: Clock
    min_residence_days: int = 3
    min_residence_working_days_per_week: int = 0
    wake_relay: RelayWaker = no_relay

    @property
    def roster_uow(self) -> UnitOfWork[Roster]:
        return UnitOfWork(self.store, self.wake_relay, "驻点名册", "roster")

    @property
    def month_uow(self) -> UnitOfWork[StationedMonth]:
        return UnitOfWork(self.months, self.wake_relay, "驻点月度记录", "stationed month")

    # ---- the roster ------------------------------------------------------------------
    def _township(self, code: str) -> str:
        unit = unit_or_invalid(self.tree, code, "township_code")
        if unit.level is not Level.TOWNSHIP:
            raise invalid("township_code", "驻点名册按镇（街道）建立", "a roster is a township's")
        return unit.code

    def _check_places(
        self, township: str, assignments: list[Assignment], villages: list[VillageCounts]
    ) -> None:
        problems: list[FieldProblem] = []
        for prefix, codes in (
            ("assignments", [a.village_code for a in assignments]),
            ("villages", [v.village_code for v in villages]),
        ):
            for i, code in enumerate(codes):
                unit = self.tree.get(code)
                if (
                    unit is None
                    or unit.level is not Level.VILLAGE
                    or not in_subtree(code, township)
                ):
                    problems.append(
                        FieldProblem(
                            f"{prefix}.{i}.village_code",
                            f"{code} 不是本镇（街道）的村（社区）",
                            f"{code} is not a village of the township",
                        )
                    )
        if problems:
            raise ValidationFailed(
                message="驻点名册有误，请按提示修改",
                message_en="The roster has problems to fix",
                details=problems,
            )

    def _require_keeper(self, principal: Principal, township: str) -> None:
        principal.require_any(*ROSTER_KEEPING_ROLES)
        principal.require_jurisdiction(township)

    async def create(
        self,
        principal: Principal,
        township_code: str,
        year: int,
        assignments: list[Assignment],
        villages: list[VillageCounts],
    ) -> Roster:
        township = self._township(township_code)
        self._require_keeper(principal, township)
        self._check_places(township, assignments, villages)
        roster = Roster.create(
            township_code=township,
            year=year,
            assignments=assignments,
            villages=villages,
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
        )
        if not await self.store.add(roster):
            raise Conflict(
                message=f"{year} 年驻点名册已建立，请在原名册上调整",
                message_en=f"The {year} roster exists; change it instead",
                extra={"roster_id": roster.id},
            )
        self.wake_relay(self.store.collection_name, roster.id)
        return roster

    async def load(self, principal: Principal, roster_id: str) -> Roster:
        roster = await self.store.get(roster_id)
        if roster is None or not may_read(principal, roster.township_code):
            raise not_found("驻点名册", "Roster", roster_id)
        return roster

    async def list_rosters(self, principal: Principal, region: str, year: int) -> list[Roster]:
        """The rosters of the townships in `region`, or of the township holding it."""
        if not may_read(principal, region):
            principal.require_jurisdiction(region)
        township = self.tree.township_of(region)
        if township is not None:  # a village: its township's roster
            found = await self.store.get(roster_id_of(township.code, year))
            rosters = [found] if found is not None else []
        else:
            rosters = await self.store.find(Criteria(equal={"year": year}, within=region))
        readable = [r for r in rosters if may_read(principal, r.township_code)]
        return sorted(readable, key=lambda r: r.township_code)

    async def _change(
        self,
        principal: Principal,
        roster_id: str,
        expected: int | None,
        change: Callable[[Roster], None],
    ) -> Roster:
        roster = await self.load(principal, roster_id)
        self._require_keeper(principal, roster.township_code)
        return await self.roster_uow.change(roster, expected, change)

    async def change(
        self,
        principal: Principal,
        roster_id: str,
        expected: int | None,
        *,
        kind: RosterChangeKind,
        person_id: str,
        effective_from: date,
        fields: dict[str, Any],
        reason: str | None,
    ) -> Roster:
        actor, now = principal.actor, self.clock.now()

        def apply(roster: Roster) -> None:
            if kind is RosterChangeKind.ASSIGNED:
                assignment = Assignment.model_validate(
                    {**fields, "person_id": person_id, "valid_from": effective_from}
                )
                self._check_places(roster.township_code, [assignment], [])
                roster.assign(assignment, reason, actor, now)
            elif kind is RosterChangeKind.REASSIGNED:
                if "village_code" in fields:
                    probe = Assignment.model_validate(
                        {
                            "person_id": person_id,
                            "name": "-",
                            "position": "team_member",
                            "weekday": 1,
                            "valid_from": effective_from,
                            "village_code": fields["village_code"],
                        }
                    )
                    self._check_places(roster.township_code, [probe], [])
                roster.reassign(person_id, effective_from, fields, reason, actor, now)
            elif kind is RosterChangeKind.ENDED:
                roster.end(person_id, effective_from, reason, actor, now)
            else:
                raise invalid(
                    "kind", "村情户数请用 PUT …/villages", "use PUT …/villages for counts"
                )

        return await self._change(principal, roster_id, expected, apply)

    async def set_villages(
        self,
        principal: Principal,
        roster_id: str,
        expected: int | None,
        villages: list[VillageCounts],
        reason: str | None,
    ) -> Roster:
        def apply(roster: Roster) -> None:
            self._check_places(roster.township_code, [], villages)
            roster.set_villages(villages, reason, principal.actor, self.clock.now())

        return await self._change(principal, roster_id, expected, apply)

    # ---- a stationed person's month ---------------------------------------------------
    async def month(
        self, principal: Principal, roster_id: str, person_id: str, month: str
    ) -> StationedMonth:
        """The stored month, or the month as the roster has it (nothing recorded yet).

        A stored month is read with the roster's stationed days as they are now: a
        roster change after the month's last write does not rewrite the month, so
        its stored days may be older than the roster (the next write stores them).
        """
        roster = await self.load(principal, roster_id)
        stored = await self.months.get(record_id_of(roster.id, person_id, month))
        if stored is not None:
            stored.refresh(roster)
            return stored
        try:
            return self._open(roster, person_id, month)
        except ValidationFailed:
            raise not_found("驻点人员", "Stationed person", person_id) from None

    def _open(self, roster: Roster, person_id: str, month: str) -> StationedMonth:
        return StationedMonth.open(
            roster,
            person_id,
            month,
            self.min_residence_days,
            self.min_residence_working_days_per_week,
        )

    async def months_of(
        self, principal: Principal, roster_id: str, month: str
    ) -> list[StationedMonth]:
        """Every person on the roster that month, recorded or not."""
        roster = await self.load(principal, roster_id)
        people = dict.fromkeys(a.person_id for a in roster.assignments)
        found: list[StationedMonth] = []
        for person_id in people:
            if roster.assignment_in_month(person_id, month) is None:
                continue
            stored = await self.months.get(record_id_of(roster.id, person_id, month))
            if stored is not None:
                stored.refresh(roster)  # the roster's days now, as `month` reads them
            found.append(stored or self._open(roster, person_id, month))
        return found

    async def _change_month(
        self,
        principal: Principal,
        roster_id: str,
        person_id: str,
        month: str,
        change: Callable[[StationedMonth], None],
    ) -> StationedMonth:
        roster = await self.load(principal, roster_id)
        self._require_keeper(principal, roster.township_code)

        def refreshed(record: StationedMonth) -> None:
            record.refresh(roster)
            change(record)

        for _attempt in range(3):
            stored = await self.months.get(record_id_of(roster.id, person_id, month))
            record = stored or self._open(roster, person_id, month)
            try:
                # A month not stored yet (version 0) is inserted by its first change.
                return await self.month_uow.change(record, None, refreshed)
            except Conflict:
                if stored is not None:
                    raise
                # Someone opened the month meanwhile: apply the change to theirs.
        raise changed_meanwhile(0)

    async def set_plan(
        self,
        principal: Principal,
        roster_id: str,
        person_id: str,
        month: str,
        items: list[PlanItem],
    ) -> StationedMonth:
        now = self.clock.now()
        return await self._change_month(
            principal,
            roster_id,
            person_id,
            month,
            lambda m: m.set_plan(items, principal.actor, now),
        )

    async def record_residence(
        self, principal: Principal, roster_id: str, person_id: str, month: str, days: list[date]
    ) -> StationedMonth:
        now, today = self.clock.now(), self.clock.today()
        return await self._change_month(
            principal,
            roster_id,
            person_id,
            month,
            lambda m: m.record_residence(days, today, principal.actor, now),
        )

    async def record_leave(
        self, principal: Principal, roster_id: str, person_id: str, month: str, leave: Leave
    ) -> StationedMonth:
        now = self.clock.now()
        return await self._change_month(
            principal,
            roster_id,
            person_id,
            month,
            lambda m: m.record_leave(leave, principal.actor, now),
        )

    async def roster_for(self, township_code: str | None, year: int) -> Roster | None:
        """The roster a visit is filed under (none before the township keeps one)."""
        if township_code is None:
            return None
        return await self.store.get(roster_id_of(township_code, year))

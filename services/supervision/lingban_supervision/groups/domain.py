"""A supervision group (督导组): members drawn from departments, the units it covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lingban_contracts import Actor
from lingban_contracts.events import supervision as ev
from lingban_contracts.events.supervision import GroupLevel, GroupMember
from lingban_contracts.regions import in_subtree
from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_kit.idempotency import new_id
from lingban_kit.regions import REGION_PATH, region_path
from lingban_supervision.aggregate import Aggregate


@dataclass(frozen=True)
class Composition:
    name: str
    members: tuple[GroupMember, ...]
    covered_units: tuple[str, ...]

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys(m.department for m in self.members))

    def problems(self, region_code: str) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        if not self.members:
            found.append(FieldProblem("members", "督导组至少需要一名成员", "A group needs members"))
        if sum(m.leader for m in self.members) > 1:
            found.append(FieldProblem("members", "组长只能有一名", "Only one member can lead"))
        if not self.covered_units:
            found.append(
                FieldProblem("covered_units", "请指定联系督导的单位", "Name the units covered")
            )
        for i, code in enumerate(self.covered_units):
            # A group supervises the units below it, never its own (LB-11).
            if code == region_code:
                found.append(
                    FieldProblem(
                        f"covered_units.{i}",
                        f"督导组不能联系督导本级单位 {region_code}，只能是下级单位",
                        f"A group cannot cover its own region {region_code}, only units below it",
                    )
                )
            elif not in_subtree(code, region_code):
                found.append(
                    FieldProblem(
                        f"covered_units.{i}",
                        f"{code} 不在督导组所属区域 {region_code} 内",
                        f"{code} is outside the group's region {region_code}",
                    )
                )
        return found


@dataclass(kw_only=True)
class Group(Aggregate):
    region_code: str
    level: GroupLevel
    year: int
    composition: Composition
    created_at: datetime

    def query_fields(self) -> dict[str, Any]:
        return {REGION_PATH: region_path(self.region_code)}

    @property
    def departments(self) -> list[str]:
        return self.composition.departments

    @property
    def member_count(self) -> int:
        return len(self.composition.members)

    def covers(self, unit_code: str) -> bool:
        return any(in_subtree(unit_code, c) for c in self.composition.covered_units)

    @classmethod
    def form(
        cls,
        *,
        region_code: str,
        level: GroupLevel,
        year: int,
        composition: Composition,
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
    ) -> Group:
        _validate(composition, region_code)
        group = cls(
            # Derived from the request's Idempotency-Key when it has one (a retry hits it).
            id=new_id(),
            region_code=region_code,
            level=level,
            year=year,
            composition=composition,
            created_at=now,
            correlation_id=correlation_id,
        )
        group.record(ev.SupervisionGroupCreated(**group._payload()), actor, now, region_code)
        return group

    def change(self, composition: Composition, actor: Actor, now: datetime) -> None:
        _validate(composition, self.region_code)
        self.composition = composition
        self.record(ev.SupervisionGroupChanged(**self._payload()), actor, now, self.region_code)

    def _payload(self) -> dict[str, object]:
        c = self.composition
        return {
            "group_id": self.id,
            "region_code": self.region_code,
            "level": self.level,
            "year": self.year,
            "name": c.name,
            "members": list(c.members),
            "departments": c.departments,
            "covered_units": list(c.covered_units),
        }


def _validate(composition: Composition, region_code: str) -> None:
    problems = composition.problems(region_code)
    if problems:
        raise ValidationFailed(
            message="督导组信息有误，请按提示修改",
            message_en="The group has problems to fix",
            details=problems,
        )

"""Use cases of random draws: draw from the inspectable pool, disclose, audit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from lingban_kit.auth import Principal
from lingban_kit.clock import Clock
from lingban_kit.errors import Conflict, FieldProblem, InvalidTransition, ValidationFailed
from lingban_kit.logging import correlation_id
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork, no_relay
from lingban_supervision.access import is_group_side, not_found, require_group_side
from lingban_supervision.groups.domain import Group
from lingban_supervision.inspections.domain import Inspection, InspectionStatus
from lingban_supervision.projects.inspectable import InspectableProjects
from lingban_supervision.sampling.domain import Audit, Sample, sample_id_of
from lingban_supervision.store import AggregateStore, Criteria

SAMPLES_COLLECTION = "samples"


def pending_criteria(sample_id: str) -> Criteria:
    """The draw's inspections not recorded yet."""
    return Criteria(equal={"sample_id": sample_id, "status": InspectionStatus.PLANNED.value})


@dataclass
class SampleCommands:
    store: AggregateStore[Sample]
    groups: AggregateStore[Group]
    inspections: AggregateStore[Inspection]
    inspectable: InspectableProjects
    clock: Clock
    wake_relay: RelayWaker = no_relay

    @property
    def uow(self) -> UnitOfWork[Sample]:
        return UnitOfWork(self.store, self.wake_relay, "抽查", "draw")

    async def draw(
        self,
        principal: Principal,
        *,
        group_id: str,
        half_month: str,
        per_stratum: int,
        sealed: bool,
    ) -> Sample:
        """Draw with a seed only the server chooses, once per group and half month.

        A caller who could pick the seed after seeing the pool could pick the
        projects; one who could draw again could keep the draw they like.
        """
        group = await self.groups.get(group_id)
        if group is None or not principal.can_see(group.region_code):
            raise not_found("督导组", "Group", group_id)
        require_group_side(principal, group.region_code)
        if int(half_month[:4]) != group.year:
            raise ValidationFailed(
                message=f"抽查时段须在督导组年度 {group.year} 年内",
                message_en=f"The half month must fall in the group's year {group.year}",
                details=[FieldProblem("half_month", "年份不符", "wrong year")],
            )
        pool = await self.inspectable.pool(list(group.composition.covered_units), group.year)
        sample = Sample.take(
            group_id=group.id,
            region_code=group.region_code,
            year=group.year,
            half_month=half_month,
            seed=secrets.token_hex(32),
            seed_salt=secrets.token_hex(16),
            per_stratum=per_stratum,
            pool=pool,
            sealed=sealed,
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
        )
        if not await self.store.add(sample):
            raise Conflict(
                message=f"督导组 {group.id} 在 {half_month} 已抽查过，每半月只能抽一次",
                message_en=f"Group {group.id} has drawn for {half_month} already; one draw per half month",
                extra={"sample_id": sample.id},
            )
        self.wake_relay(self.store.collection_name, sample.id)
        return sample

    async def of_half_month(
        self, principal: Principal, group_id: str, half_month: str
    ) -> Sample | None:
        """The group's draw for that half month, if there is one."""
        sample = await self.store.get(sample_id_of(group_id, half_month))
        if sample is None or not principal.can_see(sample.region_code):
            return None
        return sample

    async def load(self, principal: Principal, sample_id: str) -> Sample:
        sample = await self.store.get(sample_id)
        if sample is None or not principal.can_see(sample.region_code):
            raise not_found("抽查", "Sample", sample_id)
        return sample

    async def disclose(self, principal: Principal, sample_id: str) -> Sample:
        sample = await self.load(principal, sample_id)
        require_group_side(principal, sample.region_code)
        pending = await self.inspections.find(pending_criteria(sample.id))
        if pending:
            raise InvalidTransition(
                message=f"尚有 {len(pending)} 次抽查检查未记录，记录后方可公开",
                message_en=f"{len(pending)} inspections of this draw are not recorded yet",
                extra={"pending_inspections": [i.id for i in pending]},
            )
        return await self.uow.change(
            sample, None, lambda s: s.disclose(principal.actor, self.clock.now())
        )

    async def audit(self, principal: Principal, sample_id: str) -> Audit:
        sample = await self.load(principal, sample_id)
        if sample.sealed and not is_group_side(principal, sample.region_code):
            raise InvalidTransition(
                message="抽查结果密封中，公开后可审计",
                message_en="The draw is sealed; it can be audited once disclosed",
            )
        return sample.audit()

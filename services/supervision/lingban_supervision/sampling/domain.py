"""A recorded draw: seed, pool snapshot and result, sealed for unannounced inspections."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from lingban_contracts import Actor
from lingban_contracts.events import supervision as ev
from lingban_contracts.events.supervision import PooledProject, Stratum
from lingban_kit.errors import InvalidTransition
from lingban_supervision.aggregate import Aggregate
from lingban_supervision.sampling.draw import (
    ALGORITHM,
    STRATA_BY,
    draw,
    drawn_ids,
    pool_digest,
    seed_commitment,
)


def sample_id_of(group_id: str, half_month: str) -> str:
    """One draw per group and half month: the id is that key, so a second insert fails."""
    return hashlib.sha256(f"sample:{group_id}:{half_month}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Audit:
    """A re-draw from the recorded seed and pool, compared with what was recorded."""

    sample_id: str
    algorithm: str
    seed: str
    seed_salt: str
    pool_size: int
    pool_sha256_matches: bool
    seed_sha256_matches: bool
    recorded: list[str]
    redrawn: list[str]

    @property
    def matches(self) -> bool:
        return (
            self.pool_sha256_matches
            and self.seed_sha256_matches
            and (self.recorded == self.redrawn)
        )


@dataclass(kw_only=True)
class Sample(Aggregate):
    group_id: str
    region_code: str
    year: int
    half_month: str
    seed: str
    per_stratum: int
    pool: list[PooledProject]
    strata: list[Stratum]
    pool_sha256: str
    seed_sha256: str
    sealed: bool
    drawn_at: datetime
    disclosed_at: datetime | None = None
    # Keys the seed commitment; revealed with the seed ("" for draws recorded before).
    seed_salt: str = ""

    @property
    def drawn_project_ids(self) -> list[str]:
        return drawn_ids(self.strata)

    @classmethod
    def take(
        cls,
        *,
        group_id: str,
        region_code: str,
        year: int,
        half_month: str,
        seed: str,
        seed_salt: str,
        per_stratum: int,
        pool: list[PooledProject],
        sealed: bool,
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
    ) -> Sample:
        pool = sorted(pool, key=lambda p: p.project_id)
        sample = cls(
            id=sample_id_of(group_id, half_month),
            group_id=group_id,
            region_code=region_code,
            year=year,
            half_month=half_month,
            seed=seed,
            per_stratum=per_stratum,
            pool=pool,
            strata=draw(pool, seed, per_stratum),
            pool_sha256=pool_digest(pool),
            seed_sha256=seed_commitment(seed, seed_salt),
            seed_salt=seed_salt,
            sealed=sealed,
            drawn_at=now,
            correlation_id=correlation_id,
        )
        public = sample.public_strata()
        sample.record(
            ev.SampleDrawn(
                **sample._ids(),
                half_month=half_month,
                algorithm=ALGORITHM,
                strata_by=STRATA_BY,
                per_stratum=per_stratum,
                pool_size=len(pool),
                pool_sha256=sample.pool_sha256,
                seed_sha256=sample.seed_sha256,
                sealed=sealed,
                seed=None if sealed else seed,
                seed_salt=None if sealed else seed_salt,
                strata=public,
                drawn_project_ids=[] if sealed else sample.drawn_project_ids,
                drawn_count=len(sample.drawn_project_ids),
            ),
            actor,
            now,
            region_code,
        )
        return sample

    def public_strata(self) -> list[Stratum]:
        """What may be shown outside the group: counts only while sealed."""
        if not self.sealed:
            return list(self.strata)
        return [s.model_copy(update={"drawn_project_ids": []}) for s in self.strata]

    def disclose(self, actor: Actor, now: datetime) -> None:
        if not self.sealed:
            raise InvalidTransition(
                message="该抽查结果未密封或已公开", message_en="The draw is not sealed"
            )
        self.sealed = False
        self.disclosed_at = now
        self.record(
            ev.SampleDisclosed(
                **self._ids(),
                seed=self.seed,
                seed_salt=self.seed_salt,
                pool=list(self.pool),
                strata=list(self.strata),
                drawn_project_ids=self.drawn_project_ids,
            ),
            actor,
            now,
            self.region_code,
        )

    def audit(self) -> Audit:
        redrawn = drawn_ids(draw(self.pool, self.seed, self.per_stratum))
        return Audit(
            sample_id=self.id,
            algorithm=ALGORITHM,
            seed=self.seed,
            seed_salt=self.seed_salt,
            pool_size=len(self.pool),
            pool_sha256_matches=pool_digest(self.pool) == self.pool_sha256,
            seed_sha256_matches=seed_commitment(self.seed, self.seed_salt) == self.seed_sha256,
            recorded=self.drawn_project_ids,
            redrawn=redrawn,
        )

    def _ids(self) -> dict[str, object]:
        return {
            "sample_id": self.id,
            "group_id": self.group_id,
            "region_code": self.region_code,
            "year": self.year,
        }

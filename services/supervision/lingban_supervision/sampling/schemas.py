"""Response bodies of random draws (随机抽查) and their audit."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from lingban_contracts.events.supervision import PooledProject, Stratum
from lingban_supervision.sampling.domain import Sample
from lingban_supervision.schemas import AggregateOut, Out


class SampleOut(AggregateOut):
    """A recorded draw; outside the group a sealed draw shows its strata's counts only."""

    group_id: str
    region_code: str = Field(description="The group's city or township")
    year: int
    half_month: str = Field(examples=["2026-03-H1"])
    seed: str | None = Field(description="Null while sealed, for readers outside the group")
    per_stratum: int = Field(description="Projects drawn per township × category")
    pool: list[PooledProject] = Field(description="The pool drawn from (empty while sealed)")
    strata: list[Stratum]
    pool_sha256: str = Field(description="SHA-256 of the pool as canonical JSON")
    seed_sha256: str = Field(
        description="The seed's commitment: HMAC-SHA256 keyed by `seed_salt` (SHA-256 if none)"
    )
    seed_salt: str | None = Field(
        description="Key of the commitment, revealed with the seed (null while sealed)"
    )
    sealed: bool
    drawn_at: datetime
    disclosed_at: datetime | None
    drawn_project_ids: list[str] = Field(description="Empty while sealed, outside the group")

    @classmethod
    def of(cls, sample: Sample, *, withheld: bool) -> SampleOut:
        """`withheld`: the reader is outside the group and the draw is sealed."""
        out = cls.model_validate(sample)
        if not withheld:
            return out
        return out.model_copy(
            update={
                "seed": None,
                "seed_salt": None,
                "pool": [],
                "strata": sample.public_strata(),
                "drawn_project_ids": [],
            }
        )


class AuditOut(Out):
    """A re-draw from the recorded seed and pool, compared with the recorded result."""

    sample_id: str
    algorithm: str = Field(examples=["stratified-sha256-v1"])
    seed: str
    seed_salt: str = Field(description="Key of the seed's commitment (empty for older draws)")
    pool_size: int
    pool_sha256_matches: bool
    seed_sha256_matches: bool
    recorded: list[str] = Field(description="Project ids recorded at the draw")
    redrawn: list[str] = Field(description="Project ids the re-draw picks")
    matches: bool = Field(description="Both digests match and the re-draw equals the record")

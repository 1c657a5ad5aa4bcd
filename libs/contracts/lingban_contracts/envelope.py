"""The CloudEvents 1.0 envelope every Lingban event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.base import EventData
from lingban_contracts.regions import RegionCode

SPEC_VERSION = "1.0"
SOURCE_PREFIX = "urn:lingban:"


class Actor(BaseModel):
    """Who caused the event: a user id, or `system:<component>` for automation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)


class Envelope(BaseModel):
    """One event: CloudEvents context attributes plus Lingban extensions.

    Extensions (lower-case, as CloudEvents requires): `actorid`, `actorname`,
    `regioncode` (the unit, also the tenant), `aggregateid` and
    `aggregateversion` (the aggregate's version after this event; consumers use
    it to drop duplicates and stale events).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    source: str
    type: str
    time: datetime
    subject: str
    actor: Actor
    region_code: RegionCode
    aggregate_id: str
    aggregate_version: int = Field(ge=1)
    correlation_id: str | None = None
    data: dict[str, Any]


def new_envelope(
    *,
    data: EventData,
    source_service: str,
    actor: Actor,
    region_code: str,
    aggregate_id: str,
    aggregate_version: int,
    correlation_id: str | None = None,
    time: datetime | None = None,
) -> Envelope:
    """Wrap a payload; the event type comes from the payload's registration."""
    from lingban_contracts.registry import REGISTRY

    spec = REGISTRY.for_model(type(data))
    return Envelope(
        id=str(uuid.uuid4()),
        source=f"{SOURCE_PREFIX}{source_service}",
        type=spec.type,
        time=time or datetime.now(UTC),
        subject=aggregate_id,
        actor=actor,
        region_code=region_code,
        aggregate_id=aggregate_id,
        aggregate_version=aggregate_version,
        correlation_id=correlation_id,
        data=data.model_dump(mode="json"),
    )

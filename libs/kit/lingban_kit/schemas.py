"""Response bodies of the operational endpoints every service serves (health, AsyncAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CHECK_DESCRIPTION = "`ok`, or `error: <reason>` when the dependency cannot be reached"
KAFKA_CHECK_DESCRIPTION = (
    "`ok`, or `degraded: <reason>` when the broker cannot be reached: the service stays "
    "ready (commands are kept in the outbox and published when the broker is back), "
    "so a broker outage does not take every pod out of its Service"
)


class Health(BaseModel):
    status: Literal["ok"]
    service: str = Field(description="Name of the service that answered")


class ReadinessChecks(BaseModel):
    # A check added to ServiceRuntime.readiness() must be added here too, not dropped silently.
    model_config = ConfigDict(extra="forbid")

    mongodb: str = Field(description=CHECK_DESCRIPTION)
    kafka: str = Field(description=KAFKA_CHECK_DESCRIPTION)
    background: str | None = Field(
        default=None,
        description=(
            "Only while a background loop (batch consumer, scheduler) has died and waits "
            "to be restarted: `error: <loop> stopped (<reason>), restarting`"
        ),
    )


class Readiness(BaseModel):
    """Sent with 200 when no check is `error` (`degraded` while only the broker is away),
    otherwise with 503."""

    status: Literal["ready", "degraded", "not_ready"]
    checks: ReadinessChecks


class AsyncApiInfo(BaseModel):
    title: str
    version: str = Field(description="Version of the shared event contracts")
    description: str


class AsyncApiDocument(BaseModel):
    """An AsyncAPI 3.0 document; the nested objects follow that specification.

    Only the top level is modelled: channels, operations and components are
    AsyncAPI's own structures (with `$ref` pointers into the document itself),
    built by `lingban_contracts.asyncapi` and committed under docs/asyncapi;
    re-describing them in OpenAPI would only duplicate that specification.
    """

    model_config = ConfigDict(populate_by_name=True)

    asyncapi: str = Field(description="AsyncAPI specification version, e.g. `3.0.0`")
    info: AsyncApiInfo
    default_content_type: str = Field(alias="defaultContentType")
    servers: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    operations: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]

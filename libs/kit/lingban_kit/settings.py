"""Settings shared by every service; each service subclasses with its own env prefix.

Infrastructure addresses and the auth keys are one per deployment, so they are
read from unprefixed names (`KAFKA_BOOTSTRAP_SERVERS`, `MONGODB_URI`,
`LINGBAN_AUTH_*`); everything else takes the service's prefix, e.g.
`LINGBAN_PROJECTS_PORT`.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from lingban_kit.kafka_security import (
    ENV_CAFILE,
    ENV_MECHANISM,
    ENV_PASSWORD,
    ENV_PROTOCOL,
    ENV_USERNAME,
    KafkaSecurity,
    SaslMechanism,
    SecurityProtocol,
)


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class ServiceSettings(BaseSettings):
    """Subclass per service and set `model_config = service_config("LINGBAN_X_")`."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    # Loopback unless told: a container image sets LINGBAN_DEFAULT_HOST=0.0.0.0 for
    # whichever service it runs (services/Dockerfile); LINGBAN_<SERVICE>_HOST wins.
    host: str = Field(default_factory=lambda: os.environ.get("LINGBAN_DEFAULT_HOST", "127.0.0.1"))
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"
    mongodb_database: str = "lingban"
    public_base_url: str | None = None
    # Largest request body accepted (413 above it, before the body is parsed);
    # the gateway allows more for future upload routes.
    max_request_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # Attachments (lingban_kit.files, docs/files.md): the largest file, the most
    # one record may carry, how long an upload may wait to be attached before
    # the sweep removes it, and how often the sweep runs.
    file_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    file_max_record_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    file_orphan_max_age_seconds: float = Field(default=24 * 3600, gt=0)
    file_sweep_interval_seconds: float = Field(default=3600, gt=0)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias=_env("KAFKA_BOOTSTRAP_SERVERS")
    )
    mongodb_uri: str = Field(
        default="mongodb://127.0.0.1:27017/", validation_alias=_env("MONGODB_URI")
    )
    # How this service authenticates to Kafka (see lingban_kit.kafka_security):
    # each service has its own principal, whose ACLs let it write only its own
    # topics. Unset means PLAINTEXT without authentication (a bare local broker).
    kafka_security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT", validation_alias=_env(ENV_PROTOCOL)
    )
    kafka_sasl_mechanism: SaslMechanism = Field(
        default="SCRAM-SHA-512", validation_alias=_env(ENV_MECHANISM)
    )
    kafka_sasl_username: str | None = Field(default=None, validation_alias=_env(ENV_USERNAME))
    kafka_sasl_password: SecretStr | None = Field(default=None, validation_alias=_env(ENV_PASSWORD))
    kafka_ssl_cafile: str | None = Field(default=None, validation_alias=_env(ENV_CAFILE))
    # Topics a service creates itself (dev and tests; a deployment creates them
    # beforehand): replicas per partition, and how many must acknowledge a write.
    kafka_topic_replication_factor: int = Field(
        default=1, ge=1, validation_alias=_env("KAFKA_TOPIC_REPLICATION_FACTOR")
    )
    kafka_topic_min_insync_replicas: int | None = Field(
        default=None, ge=1, validation_alias=_env("KAFKA_TOPIC_MIN_INSYNC_REPLICAS")
    )

    # Consumers: the Kafka consumer group (default `lingban-<service>`; tests and
    # side-by-side rebuilds use their own), and attempts before a message goes
    # to the dead-letter topic.
    consumer_group: str | None = None
    consumer_max_attempts: int = Field(default=3, ge=1, le=20)
    # Records taken per poll, and how many aggregates of them are applied at once.
    consumer_max_records: int = Field(default=200, ge=1, le=10_000)
    consumer_concurrency: int = Field(default=16, ge=1, le=256)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    # A database or broker outage is not the event's fault: the consumer waits
    # it out (first wait, doubling up to the maximum) and never dead-letters for it.
    consumer_outage_backoff_seconds: float = Field(default=0.5, gt=0)
    consumer_outage_backoff_max_seconds: float = Field(default=30.0, gt=0)
    # Outbox relay: how often to look for events written by other replicas, and
    # how long to wait after a failed cycle (doubling up to the maximum).
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_retry_backoff_seconds: float = Field(default=1.0, gt=0)
    outbox_retry_backoff_max_seconds: float = Field(default=30.0, gt=0)
    # Background loops (schedulers, batch consumers) restarted after a crash:
    # first wait, doubling up to the maximum.
    background_restart_seconds: float = Field(default=1.0, gt=0)
    background_restart_max_seconds: float = Field(default=60.0, gt=0)

    # `dev` relaxes start-up checks meant for real deployments (a known or short
    # HS256 secret is accepted); only `make up` and the tests set it.
    environment: Literal["dev", "production"] = Field(
        default="production", validation_alias=_env("LINGBAN_ENV")
    )
    # The interactive docs (/docs, /openapi.json, /asyncapi.json, which names the
    # brokers) are on in development and off in production unless asked for (LB-17);
    # the documents themselves are committed (web/workbench/openapi, docs/asyncapi).
    expose_docs: bool | None = Field(default=None, validation_alias=_env("LINGBAN_EXPOSE_DOCS"))

    def docs_exposed(self) -> bool:
        return self.expose_docs if self.expose_docs is not None else self.environment == "dev"

    # Authentication: an HS256 shared secret (dev), a PEM public key, or a JWKS URL.
    auth_jwt_secret: str | None = Field(
        default=None, validation_alias=_env("LINGBAN_AUTH_JWT_SECRET")
    )
    auth_jwt_public_key: str | None = Field(
        default=None, validation_alias=_env("LINGBAN_AUTH_JWT_PUBLIC_KEY")
    )
    auth_jwks_url: str | None = Field(default=None, validation_alias=_env("LINGBAN_AUTH_JWKS_URL"))
    auth_issuer: str = Field(default="lingban-dev", validation_alias=_env("LINGBAN_AUTH_ISSUER"))
    auth_audience: str = Field(default="lingban", validation_alias=_env("LINGBAN_AUTH_AUDIENCE"))

    def kafka_security(self) -> KafkaSecurity:
        return KafkaSecurity(
            protocol=self.kafka_security_protocol,
            mechanism=self.kafka_sasl_mechanism,
            username=self.kafka_sasl_username,
            password=self.kafka_sasl_password,
            cafile=self.kafka_ssl_cafile,
        )


def service_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", populate_by_name=True)

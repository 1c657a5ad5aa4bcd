"""How a client authenticates to Kafka: SASL (SCRAM or PLAIN) and/or TLS.

One value, `KafkaSecurity`, is turned into the keyword arguments of every
aiokafka client (producer, consumer, admin) and into FastStream's security
object, so no client can be built with only half of the settings.

The settings are one per process, read from unprefixed variables like the
bootstrap address: `KAFKA_SECURITY_PROTOCOL` (PLAINTEXT, SASL_PLAINTEXT,
SASL_SSL or SSL), `KAFKA_SASL_MECHANISM` (default SCRAM-SHA-512),
`KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD` and `KAFKA_SSL_CAFILE` (the CA that
signed the brokers' certificates; the system CAs when unset). Nothing set means
PLAINTEXT without authentication, as before. Helpers that take a bootstrap
address only (tests, tools) use the same variables when given no security.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any, Literal, get_args

from aiokafka.helpers import create_ssl_context
from faststream.security import (
    BaseSecurity,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
)
from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]

ENV_PROTOCOL = "KAFKA_SECURITY_PROTOCOL"
ENV_MECHANISM = "KAFKA_SASL_MECHANISM"
ENV_USERNAME = "KAFKA_SASL_USERNAME"
ENV_PASSWORD = "KAFKA_SASL_PASSWORD"
ENV_CAFILE = "KAFKA_SSL_CAFILE"


class KafkaSecurityError(ValueError):
    """The Kafka security settings contradict each other (checked at start-up)."""


class KafkaSecurity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    protocol: SecurityProtocol = "PLAINTEXT"
    mechanism: SaslMechanism = "SCRAM-SHA-512"
    username: str | None = None
    password: SecretStr | None = None
    cafile: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> KafkaSecurity:
        # A SASL protocol without credentials would fail at the first connection
        # with an obscure broker error; say which setting is missing instead.
        if self.uses_sasl and (not self.username or self.password is None):
            raise KafkaSecurityError(
                f"{ENV_PROTOCOL}={self.protocol} needs {ENV_USERNAME} and {ENV_PASSWORD}"
            )
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SASL_SSL", "SSL")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KafkaSecurity:
        env = os.environ if environ is None else environ
        raw_protocol = env.get(ENV_PROTOCOL, "").strip().upper() or "PLAINTEXT"
        raw_mechanism = env.get(ENV_MECHANISM, "").strip().upper() or "SCRAM-SHA-512"
        if raw_protocol not in get_args(SecurityProtocol):
            raise KafkaSecurityError(
                f"{ENV_PROTOCOL}={raw_protocol!r} is not one of {get_args(SecurityProtocol)}"
            )
        if raw_mechanism not in get_args(SaslMechanism):
            raise KafkaSecurityError(
                f"{ENV_MECHANISM}={raw_mechanism!r} is not one of {get_args(SaslMechanism)}"
            )
        password = env.get(ENV_PASSWORD)
        return cls(
            protocol=raw_protocol,
            mechanism=raw_mechanism,
            username=env.get(ENV_USERNAME) or None,
            password=SecretStr(password) if password else None,
            cafile=env.get(ENV_CAFILE) or None,
        )

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.uses_tls:
            return None
        # Verifies the broker's certificate and host name (create_ssl_context's default).
        context: ssl.SSLContext = create_ssl_context(cafile=self.cafile)
        return context

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for AIOKafkaProducer / AIOKafkaConsumer / AIOKafkaAdminClient."""
        kwargs: dict[str, Any] = {"security_protocol": self.protocol}
        context = self.ssl_context()
        if context is not None:
            kwargs["ssl_context"] = context
        if self.uses_sasl:
            assert self.password is not None  # checked by the validator
            kwargs |= {
                "sasl_mechanism": self.mechanism,
                "sasl_plain_username": self.username,
                "sasl_plain_password": self.password.get_secret_value(),
            }
        return kwargs

    def faststream(self) -> BaseSecurity | None:
        """The same settings as FastStream's `KafkaBroker(security=...)`."""
        context = self.ssl_context()
        if not self.uses_sasl:
            return BaseSecurity(ssl_context=context) if context is not None else None
        assert self.username is not None
        assert self.password is not None
        classes: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
            "PLAIN": SASLPlaintext,
            "SCRAM-SHA-256": SASLScram256,
            "SCRAM-SHA-512": SASLScram512,
        }
        return classes[self.mechanism](
            username=self.username,
            password=self.password.get_secret_value(),
            ssl_context=context,
            use_ssl=self.uses_tls,
        )


def resolve(security: KafkaSecurity | None) -> KafkaSecurity:
    """`security`, or the process environment's settings when the caller has none."""
    return security if security is not None else KafkaSecurity.from_env()

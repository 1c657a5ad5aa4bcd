"""Kafka client security settings: one value, applied alike to aiokafka and FastStream."""

from __future__ import annotations

import ssl

import pytest
from faststream.security import BaseSecurity, SASLScram512

from lingban_kit.kafka_security import KafkaSecurity, KafkaSecurityError
from lingban_kit.settings import ServiceSettings

SASL_ENV = {
    "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "KAFKA_SASL_USERNAME": "projects",
    "KAFKA_SASL_PASSWORD": "s3cret-pass",
}


def test_nothing_set_means_plaintext_without_credentials() -> None:
    security = KafkaSecurity.from_env({})
    assert security.client_kwargs() == {"security_protocol": "PLAINTEXT"}
    assert security.faststream() is None


def test_sasl_settings_reach_aiokafka_and_faststream() -> None:
    security = KafkaSecurity.from_env(SASL_ENV)
    assert security.client_kwargs() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "projects",
        "sasl_plain_password": "s3cret-pass",
    }
    broker = security.faststream()
    assert isinstance(broker, SASLScram512)
    assert (broker.username, broker.password, broker.use_ssl) == ("projects", "s3cret-pass", False)
    # The password never shows in a repr or a log line of the settings.
    assert "s3cret-pass" not in repr(security)


def test_tls_builds_a_verifying_context() -> None:
    security = KafkaSecurity.from_env({**SASL_ENV, "KAFKA_SECURITY_PROTOCOL": "SASL_SSL"})
    kwargs = security.client_kwargs()
    context = kwargs["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    broker = security.faststream()
    assert isinstance(broker, SASLScram512)
    assert broker.use_ssl
    tls_only = KafkaSecurity(protocol="SSL").faststream()
    assert type(tls_only) is BaseSecurity
    assert tls_only.use_ssl


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "needs KAFKA_SASL_USERNAME"),
        ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "is not one of"),
        ({**SASL_ENV, "KAFKA_SASL_MECHANISM": "GSSAPI"}, "is not one of"),
    ],
)
def test_incomplete_or_unknown_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises((KafkaSecurityError, ValueError), match=message):
        KafkaSecurity.from_env(env)


def test_service_settings_read_the_same_unprefixed_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SASL_ENV.items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings()
    assert settings.kafka_security() == KafkaSecurity.from_env(SASL_ENV)
    assert "s3cret-pass" not in repr(settings)

"""Kafka's ACLs as the broker enforces them: anonymous clients are refused, a service
writes only its own topics, the subscriber reads only the public ones.

Against devstack's broker, with the principals it generated (SASL/SCRAM-SHA-512);
the services doing their job under their own principals is shown by tests/e2e,
which starts them as processes the way `make up` does.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)
from pydantic import SecretStr

from devstack.infra import Endpoints
from lingban_contracts import access, encode_record
from lingban_contracts.topics import (
    DIVISIONS,
    NOTIFICATIONS,
    PROJECTS,
    SUPERVISION,
    dead_letter_topic,
)
from lingban_kit.kafka import (
    TopicsMissingError,
    ensure_topics,
    new_admin,
    new_consumer,
    new_producer,
)
from lingban_kit.kafka_security import KafkaSecurity
from lingban_notifications.contract import CONTRACT as NOTIFICATIONS_CONTRACT
from lingban_projects.contract import CONTRACT as PROJECTS_CONTRACT
from lingban_reporting.contract import CONTRACT as REPORTING_CONTRACT
from lingban_supervision.contract import CONTRACT as SUPERVISION_CONTRACT
from tests.events import project_declared

CONTRACTS = {
    c.service: c
    for c in (PROJECTS_CONTRACT, SUPERVISION_CONTRACT, NOTIFICATIONS_CONTRACT, REPORTING_CONTRACT)
}


def test_the_acl_table_matches_what_each_service_sends_and_receives() -> None:
    assert set(access.SERVICES) == set(CONTRACTS)
    for service, contract in CONTRACTS.items():
        received = {spec.topic.name for spec in contract.received_specs()}
        assert {t.name for t in access.READS[service]} == received, service
        assert {t.name for t in contract.sends} <= set(access.owned_topics(service)), service
        # A topic is written by its producer only.
        for topic in contract.sends:
            assert topic.producer == service


def test_the_subscriber_may_read_only_the_public_topics() -> None:
    subscriber = [g for g in access.grants() if g.principal == access.SUBSCRIBER]
    assert {g.operation for g in subscriber} == {"READ"}
    assert {g.resource for g in subscriber if g.resource_type == "TOPIC"} == {
        PROJECTS.name,
        DIVISIONS.name,
        SUPERVISION.name,
        NOTIFICATIONS.name,
    }


def as_principal(infra: Endpoints, principal: str) -> KafkaSecurity:
    if not infra.kafka_credentials:
        pytest.skip("external Kafka (KAFKA_BOOTSTRAP_SERVERS): devstack's principals are not known")
    return KafkaSecurity(
        protocol="SASL_PLAINTEXT",
        mechanism="SCRAM-SHA-512",
        username=principal,
        password=SecretStr(infra.kafka_credentials[principal]),
    )


async def produce(infra: Endpoints, security: KafkaSecurity, topic: str) -> None:
    record = encode_record(project_declared())
    producer = new_producer(infra.kafka_bootstrap_servers, "acl-test", security)
    try:
        await producer.start()
        await producer.send_and_wait(topic, record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()


async def read_one_batch(
    infra: Endpoints, security: KafkaSecurity, topic: str, group: str | None = None
) -> None:
    consumer = new_consumer(
        bootstrap=infra.kafka_bootstrap_servers,
        security=security,
        group_id=group,
        enable_auto_commit=False,
    )
    try:
        await consumer.start()
        if group is None:
            consumer.assign([TopicPartition(topic, 0)])
            consumer.seek(TopicPartition(topic, 0), 0)
        else:
            consumer.subscribe([topic])
        await consumer.getmany(timeout_ms=2000)
        if group is not None:
            await consumer.commit()
    finally:
        await consumer.stop()


async def topic_error(infra: Endpoints, security: KafkaSecurity, topic: str) -> int:
    admin = new_admin(infra.kafka_bootstrap_servers, security)
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
        return int(description["error_code"])
    finally:
        await admin.close()


@pytest.mark.integration
async def test_an_unauthenticated_client_is_refused(infra: Endpoints) -> None:
    as_principal(infra, "admin")  # only against devstack's broker
    producer = new_producer(infra.kafka_bootstrap_servers, "anonymous", KafkaSecurity())
    try:
        # The SASL listener closes a connection that does not authenticate.
        with pytest.raises(KafkaConnectionError):
            await asyncio.wait_for(producer.start(), timeout=30)
    finally:
        await producer.stop()


@pytest.mark.integration
async def test_a_wrong_password_is_refused(infra: Endpoints) -> None:
    right = as_principal(infra, "projects")
    wrong = right.model_copy(update={"password": SecretStr("not-the-password")})
    producer = new_producer(infra.kafka_bootstrap_servers, "wrong-password", wrong)
    try:
        with pytest.raises(KafkaConnectionError):
            await asyncio.wait_for(producer.start(), timeout=30)
    finally:
        await producer.stop()


@pytest.mark.integration
async def test_a_service_may_write_its_own_topic_only(infra: Endpoints) -> None:
    await produce(infra, as_principal(infra, "projects"), PROJECTS.name)
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(infra, as_principal(infra, "supervision"), PROJECTS.name)
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(infra, as_principal(infra, "notifications"), dead_letter_topic("reporting"))


@pytest.mark.integration
async def test_the_subscriber_reads_public_topics_and_writes_nothing(infra: Endpoints) -> None:
    subscriber = as_principal(infra, "subscriber")
    await read_one_batch(
        infra, subscriber, PROJECTS.name, group=f"subscriber-{uuid.uuid4().hex[:8]}"
    )
    # Producing anything at all: an idempotent producer is refused before any topic.
    with pytest.raises((ClusterAuthorizationFailedError, TopicAuthorizationFailedError)):
        await produce(infra, subscriber, PROJECTS.name)
    # A consumer only logs an unauthorized topic; the metadata answer says it plainly.
    assert await topic_error(infra, subscriber, dead_letter_topic("reporting")) == (
        TopicAuthorizationFailedError.errno
    )
    assert await topic_error(infra, subscriber, NOTIFICATIONS.name) == 0
    with pytest.raises(GroupAuthorizationFailedError):
        await read_one_batch(infra, subscriber, PROJECTS.name, group="lingban-reporting")


@pytest.mark.integration
async def test_a_service_may_not_create_topics(infra: Endpoints) -> None:
    missing = f"lingban.test.{uuid.uuid4().hex[:8]}.v1"
    with pytest.raises(TopicsMissingError, match=missing):
        await ensure_topics(
            infra.kafka_bootstrap_servers, [(missing, 1)], 1, as_principal(infra, "projects")
        )

"""A test run's topic namespace on the real test broker: devstack creates its topics and
grants with the start's plan, and takes all of them away again at the end of the run."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import pytest
from aiokafka.errors import TopicAuthorizationFailedError

from devstack import kafka
from devstack.infra import Endpoints
from devstack.profiles import get_profile
from lingban_contracts import access
from lingban_contracts.registry import TOPIC_NAMESPACE_ENV
from lingban_contracts.topics import PROJECTS
from lingban_kit.kafka import ensure_topics, new_admin
from tests import topic_namespace
from tests.kit.test_kafka_access import as_principal, produce
from tests.topic_configs import admin_security, delete, retention

pytestmark = pytest.mark.integration


async def names_under(infra: Endpoints, prefix: str) -> set[str]:
    admin = new_admin(infra.kafka_bootstrap_servers, admin_security(infra))
    await admin.start()
    try:
        return {name for name in await admin.list_topics() if name.startswith(prefix)}
    finally:
        await admin.close()


def test_a_namespace_is_provisioned_with_its_grants_and_removed_with_everything_in_it(
    infra: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    projects = as_principal(infra, "projects")  # devstack's broker only
    namespace = f"p{uuid.uuid4().hex[:8]}"
    prefix = f"lingban.{namespace}."
    monkeypatch.setenv(TOPIC_NAMESPACE_ENV, namespace)
    profile = get_profile("test")

    kafka.provision_namespace(profile, namespace)
    try:
        assert asyncio.run(names_under(infra, prefix)) == {n for n, _ in access.topics_to_create()}
        # With the plan's configs: the event topics keep every event here too (R8).
        assert asyncio.run(retention(infra, [PROJECTS.name])) == {
            PROJECTS.name: {"retention.ms": "-1", "retention.bytes": "-1"}
        }
        # The service writes its own topic in the namespace: the grant came along.
        asyncio.run(produce(infra, projects, PROJECTS.name))
        # A topic a test made of its own under the namespace goes too.
        extra = f"{prefix}test-extra.v1"
        asyncio.run(ensure_topics(infra.kafka_bootstrap_servers, [(extra, 1)], 1))
    finally:
        kafka.remove_namespace(profile, namespace)

    assert asyncio.run(names_under(infra, prefix)) == set()
    # And its grants: the same topic made again is not the service's to write any more.
    asyncio.run(ensure_topics(infra.kafka_bootstrap_servers, [(PROJECTS.name, 1)], 1))
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            asyncio.run(produce(infra, projects, PROJECTS.name))
    finally:
        asyncio.run(delete(infra, [PROJECTS.name]))


def test_on_servers_devstack_did_not_start_the_run_makes_and_removes_only_the_topics(
    infra: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KAFKA_BOOTSTRAP_SERVERS: no credentials known, so no grants; the topics as the
    environment's principal (here the admin, which tests/conftest.py exported)."""
    external = dataclasses.replace(infra, kafka_credentials={}, started=False)
    namespace = f"x{uuid.uuid4().hex[:8]}"
    prefix = f"lingban.{namespace}."
    monkeypatch.setenv(TOPIC_NAMESPACE_ENV, namespace)

    with topic_namespace.provisioned("test", external) as provisioned:
        assert provisioned == namespace
        assert asyncio.run(names_under(infra, prefix)) == {n for n, _ in access.topics_to_create()}

    assert asyncio.run(names_under(infra, prefix)) == set()

"""Topic namespaces (LINGBAN_TOPIC_NAMESPACE): unset, today's names exactly; set, every
topic of the registry, the dead-letter topics and their grants move into it together,
while the published documents keep the base names."""

from __future__ import annotations

import pytest

from lingban_contracts import REGISTRY, access, encode_record
from lingban_contracts.asyncapi import asyncapi_document
from lingban_contracts.registry import TOPIC_NAMESPACE_ENV, namespaced, topic_namespace
from lingban_contracts.topics import DIVISIONS, NOTIFICATIONS, PROJECTS, SUPERVISION
from lingban_contracts.topics import dead_letter_topic as dead_letters
from lingban_projects.contract import CONTRACT as PROJECTS_CONTRACT
from lingban_reporting.contract import CONTRACT as REPORTING_CONTRACT
from tests.events import project_declared

BASE_TOPICS = [
    ("lingban.projects.project.v1", 6),
    ("lingban.projects.division.v1", 6),
    ("lingban.supervision.v1", 6),
    ("lingban.notifications.notification.v1", 6),
    ("lingban.deadletter.supervision.v1", 1),
    ("lingban.deadletter.notifications.v1", 1),
    ("lingban.deadletter.reporting.v1", 1),
]


def test_without_a_namespace_every_name_is_the_base_name_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for unset in ("", "  "):
        monkeypatch.setenv(TOPIC_NAMESPACE_ENV, unset)
        assert topic_namespace() == ""
        assert access.topics_to_create() == BASE_TOPICS
    monkeypatch.delenv(TOPIC_NAMESPACE_ENV)
    assert access.topics_to_create() == BASE_TOPICS
    assert [PROJECTS.name, DIVISIONS.name, SUPERVISION.name, NOTIFICATIONS.name] == [
        name for name, _ in BASE_TOPICS[:4]
    ]
    assert dead_letters("reporting") == "lingban.deadletter.reporting.v1"
    assert access.default_consumer_group("reporting") == "lingban-reporting"
    assert encode_record(project_declared()).topic == "lingban.projects.project.v1"
    assert access.grants() == access.grants(namespace="")


def test_a_namespace_is_the_second_part_of_every_topic_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOPIC_NAMESPACE_ENV, "r1a2b3c")

    assert PROJECTS.name == "lingban.r1a2b3c.projects.project.v1"
    assert PROJECTS.base_name == "lingban.projects.project.v1"
    assert SUPERVISION.name == "lingban.r1a2b3c.supervision.v1"
    assert dead_letters("reporting") == "lingban.r1a2b3c.deadletter.reporting.v1"
    # Its services' default groups too, still inside the service's PREFIXED grant.
    group = access.default_consumer_group("reporting")
    assert group == "lingban-reporting.r1a2b3c"
    assert group.startswith(access.consumer_group_prefix("reporting"))
    assert access.topics_to_create() == [
        (f"lingban.r1a2b3c.{name.removeprefix('lingban.')}", n) for name, n in BASE_TOPICS
    ]
    # Producers and consumers name topics through the registry: both move along.
    assert encode_record(project_declared()).topic == PROJECTS.name
    assert {t.name for t in PROJECTS_CONTRACT.sends} == {
        "lingban.r1a2b3c.projects.project.v1",
        "lingban.r1a2b3c.projects.division.v1",
    }
    assert {s.topic.name for s in REPORTING_CONTRACT.received_specs()} == {
        name for name, partitions in access.topics_to_create() if partitions == 6
    }
    # The event topics keep every event in a namespace too (R8).
    assert access.topic_configs(NOTIFICATIONS.name) == access.SYSTEM_OF_RECORD_CONFIGS
    assert access.topic_configs(NOTIFICATIONS.base_name) == {}


def test_a_namespace_gets_the_same_grants_on_its_own_topics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOPIC_NAMESPACE_ENV, "r1a2b3c")

    def in_namespace(grant: access.Grant) -> access.Grant:
        if grant.resource_type != "TOPIC":
            return grant  # consumer groups: PREFIXED, shared by every namespace
        return access.Grant(
            grant.principal,
            grant.resource_type,
            grant.pattern_type,
            namespaced(grant.resource),
            grant.operation,
        )

    assert access.grants() == sorted(in_namespace(g) for g in access.grants(namespace=""))
    assert {g.pattern_type for g in access.grants() if g.resource_type == "TOPIC"} == {"LITERAL"}


@pytest.mark.parametrize("namespace", ["T1", "a.b", "a-b", "x" * 33])
def test_a_namespace_that_would_make_odd_topic_names_is_refused(
    monkeypatch: pytest.MonkeyPatch, namespace: str
) -> None:
    monkeypatch.setenv(TOPIC_NAMESPACE_ENV, namespace)
    with pytest.raises(ValueError, match=TOPIC_NAMESPACE_ENV):
        _ = PROJECTS.name


def test_the_published_asyncapi_documents_show_the_base_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TOPIC_NAMESPACE_ENV, raising=False)
    published = asyncapi_document(REPORTING_CONTRACT)
    monkeypatch.setenv(TOPIC_NAMESPACE_ENV, "r1a2b3c")

    assert asyncapi_document(REPORTING_CONTRACT) == published
    assert set(published["channels"]) == {t.base_name for t in REGISTRY.topics()}

"""Who may do what on Kafka: one principal per service, plus subscribers.

The broker enforces this (SASL/SCRAM principals, ACLs with
`allow.everyone.if.no.acl.found=false`): a service may write only the topic it
owns (`Topic.producer`) and its own dead-letter topic, read only the topics it
consumes, and join only its own consumer groups (`lingban-<service>...`). An
external subscriber may read only the public event topics. devstack applies
these grants; deploy/k8s/kafka-acls.sh does the same for compose and k8s, and
tests/test_deploy_files.py checks the two agree. See docs/security.md.

Topic names are those of a topic namespace (lingban_contracts.registry.namespaced):
`namespace=None` means this process's (LINGBAN_TOPIC_NAMESPACE), "" the base names a
deployment uses. The grants stay LITERAL per topic, so a namespace's services get
exactly the rights on its topics that the base names have; the consumer-group grants
are PREFIXED and the same in every namespace (a default group in a namespace is
`lingban-<service>.<namespace>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lingban_contracts.registry import Topic, topic_namespace
from lingban_contracts.topics import (
    DIVISIONS,
    NOTIFICATIONS,
    PROJECTS,
    SUPERVISION,
    dead_letter_topic,
)

SERVICES = ("projects", "supervision", "notifications", "reporting")
SUBSCRIBER = "subscriber"
# The topics the outside world may read (the AsyncAPI documents describe them).
PUBLIC_TOPICS: tuple[Topic, ...] = (PROJECTS, DIVISIONS, SUPERVISION, NOTIFICATIONS)
# What each service consumes; tests/kit/test_kafka_access.py checks this against
# every service's ServiceContract.receives.
READS: dict[str, tuple[Topic, ...]] = {
    "projects": (),
    "supervision": (PROJECTS, DIVISIONS, SUPERVISION),
    "notifications": (PROJECTS, DIVISIONS, SUPERVISION),
    "reporting": (PROJECTS, DIVISIONS, SUPERVISION, NOTIFICATIONS),
}
SUBSCRIBER_GROUP_PREFIX = "subscriber-"

ResourceType = Literal["TOPIC", "GROUP"]
PatternType = Literal["LITERAL", "PREFIXED"]
Operation = Literal["READ", "WRITE"]


@dataclass(frozen=True, order=True)
class Grant:
    """One ALLOW ACL: `principal` may `operation` on the resource (READ/WRITE imply DESCRIBE)."""

    principal: str  # the SCRAM user name; the Kafka principal is `User:<principal>`
    resource_type: ResourceType
    pattern_type: PatternType
    resource: str
    operation: Operation

    @property
    def kafka_principal(self) -> str:
        return f"User:{self.principal}"


def consumer_group_prefix(service: str) -> str:
    """Every group a service uses starts with this (the default is exactly this)."""
    return f"lingban-{service}"


def default_consumer_group(service: str) -> str:
    """A service's consumer group unless its settings name one: `lingban-<service>`, and
    `lingban-<service>.<namespace>` in a topic namespace, so the services of two test
    runs never join one group (the PREFIXED grant covers both)."""
    namespace = topic_namespace()
    prefix = consumer_group_prefix(service)
    return f"{prefix}.{namespace}" if namespace else prefix


def owned_topics(service: str, namespace: str | None = None) -> list[str]:
    """The topics `service` writes: the one it produces (if any) and its dead-letter topic."""
    topics = [t.in_namespace(namespace) for t in PUBLIC_TOPICS if t.producer == service]
    if READS[service]:
        topics.append(dead_letter_topic(service, namespace))
    return topics


def grants(namespace: str | None = None) -> list[Grant]:
    result: list[Grant] = []
    for service in SERVICES:
        result += [
            Grant(service, "TOPIC", "LITERAL", t, "WRITE") for t in owned_topics(service, namespace)
        ]
        result += [
            Grant(service, "TOPIC", "LITERAL", t.in_namespace(namespace), "READ")
            for t in READS[service]
        ]
        if READS[service]:
            result.append(
                Grant(service, "GROUP", "PREFIXED", consumer_group_prefix(service), "READ")
            )
    result += [
        Grant(SUBSCRIBER, "TOPIC", "LITERAL", t.in_namespace(namespace), "READ")
        for t in PUBLIC_TOPICS
    ]
    result.append(Grant(SUBSCRIBER, "GROUP", "PREFIXED", SUBSCRIBER_GROUP_PREFIX, "READ"))
    return sorted(result)


# The event topics are the system of record: the read models are rebuilt, and a new
# consumer group starts, from offset 0, so no segment may be deleted for age or size
# (Kafka's default would drop events after 7 days). Dead-letter topics keep the
# broker's default: an operator handles them within days, and they are not replayed.
SYSTEM_OF_RECORD_CONFIGS: dict[str, str] = {"retention.ms": "-1", "retention.bytes": "-1"}


def topic_configs(name: str, namespace: str | None = None) -> dict[str, str]:
    """Topic-level configs a topic is created with (and kept at) besides the replication
    settings: infinite retention for the event topics, none for the others."""
    if name in {t.in_namespace(namespace) for t in PUBLIC_TOPICS}:
        return dict(SYSTEM_OF_RECORD_CONFIGS)
    return {}


def topics_to_create(namespace: str | None = None) -> list[tuple[str, int]]:
    """Every topic a deployment creates before the services start: (name, partitions)."""
    topics = [(t.in_namespace(namespace), t.partitions) for t in PUBLIC_TOPICS]
    # One partition: dead letters are rare and read by an operator, in order.
    topics += [(dead_letter_topic(s, namespace), 1) for s in SERVICES if READS[s]]
    return topics

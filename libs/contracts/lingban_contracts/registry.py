"""The registry of topics and event types: the public catalogue of our events.

Naming rules (public, see docs/contracts.md):
- event type: `lingban.<service>.<event-name>.v<major>`
- topic: `lingban.<service>.<aggregate>.v<major>`; the record key is the
  aggregate id, so one aggregate's events stay in order on one partition.
A breaking change to a payload means a new major version of its type; a
breaking change to the envelope or keying means a new topic version.

Topic namespaces: with `LINGBAN_TOPIC_NAMESPACE=t1a2b3c4` in the environment every
topic name gets the namespace as its second part (`lingban.t1a2b3c4.projects.project.v1`,
`lingban.t1a2b3c4.deadletter.reporting.v1`), so a test run has topics of its own on a
shared broker. Unset or empty, the names are exactly the base names above (`make up`,
every deployment). The ACLs stay LITERAL grants on these names; a service's default
consumer group gets the namespace as a suffix (lingban_contracts.access). Exported
documents always show the base names (`Topic.base_name`).
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lingban_contracts.base import EventData

TOPIC_NAMESPACE_ENV = "LINGBAN_TOPIC_NAMESPACE"
# Lower-case letters and digits: one dot-free part of a legal topic name, so where the
# namespace sits in a name is never ambiguous.
_NAMESPACE = re.compile(r"[a-z0-9]{1,32}")
_BASE_PREFIX = "lingban."


def topic_namespace() -> str:
    """This process's topic namespace ("" when unset): read at each use, never cached,
    so a test session may set it before starting anything."""
    namespace = os.environ.get(TOPIC_NAMESPACE_ENV, "").strip()
    if namespace and not _NAMESPACE.fullmatch(namespace):
        raise ValueError(
            f"{TOPIC_NAMESPACE_ENV}={namespace!r}: use 1 to 32 lower-case letters and digits"
        )
    return namespace


def namespaced(base_name: str, namespace: str | None = None) -> str:
    """The broker name of the topic `base_name` in `namespace` (None: this process's).

    The one place a topic name is computed: `lingban.<rest>` becomes
    `lingban.<namespace>.<rest>`; no namespace leaves the base name as it is.
    """
    if namespace is None:
        namespace = topic_namespace()
    if not namespace:
        return base_name
    if not base_name.startswith(_BASE_PREFIX):
        raise ValueError(f"topic {base_name!r} does not start with {_BASE_PREFIX!r}")
    return f"{_BASE_PREFIX}{namespace}.{base_name.removeprefix(_BASE_PREFIX)}"


def namespace_prefix(namespace: str) -> str:
    """`lingban.<namespace>.`: what every topic name of `namespace` starts with."""
    return namespaced(_BASE_PREFIX, namespace)


@dataclass(frozen=True)
class Topic:
    base_name: str  # as published (AsyncAPI, docs/contracts.md, kafka-acls.sh)
    producer: str
    description: str
    partitions: int = 6

    @property
    def name(self) -> str:
        """The name on the broker: the base name in this process's topic namespace."""
        return namespaced(self.base_name)

    def in_namespace(self, namespace: str | None) -> str:
        """The name on the broker in `namespace` (None: this process's), for the tools
        that provision a namespace other than their own."""
        return namespaced(self.base_name, namespace)


@dataclass(frozen=True)
class EventSpec:
    type: str
    topic: Topic
    model: builtins.type[EventData]  # `type` is also a field name here
    summary: str

    @property
    def name(self) -> str:
        """`project-declared` for `lingban.projects.project-declared.v1`."""
        return self.type.split(".")[2]

    @property
    def version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])


class UnknownEventType(KeyError):
    pass


class Registry:
    def __init__(self) -> None:
        self._by_type: dict[str, EventSpec] = {}
        self._by_model: dict[type[EventData], EventSpec] = {}
        self._topics: dict[str, Topic] = {}

    def register(self, spec: EventSpec) -> None:
        if spec.type in self._by_type:
            raise ValueError(f"event type registered twice: {spec.type}")
        if spec.model in self._by_model:
            raise ValueError(f"payload model registered twice: {spec.model.__name__}")
        self._by_type[spec.type] = spec
        self._by_model[spec.model] = spec
        self._topics[spec.topic.base_name] = spec.topic

    def for_type(self, event_type: str) -> EventSpec:
        try:
            return self._by_type[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def find(self, event_type: str) -> EventSpec | None:
        return self._by_type.get(event_type)

    def for_model(self, model: type[EventData]) -> EventSpec:
        return self._by_model[model]

    def on_topic(self, topic: str) -> list[EventSpec]:
        return [s for s in self._by_type.values() if s.topic.name == topic]

    def topics(self) -> list[Topic]:
        return list(self._topics.values())

    def __iter__(self) -> Iterator[EventSpec]:
        return iter(sorted(self._by_type.values(), key=lambda s: s.type))


REGISTRY = Registry()


def _load_catalogue() -> None:
    # The catalogue modules register themselves; importing them here means
    # `from lingban_contracts import REGISTRY` always sees every event.
    from lingban_contracts.events import catalogue

    catalogue.register_all(REGISTRY)


_load_catalogue()


def event_type(model: builtins.type[EventData]) -> str:
    """The type string of a payload model: consumers name events by model, never by string."""
    return REGISTRY.for_model(model).type

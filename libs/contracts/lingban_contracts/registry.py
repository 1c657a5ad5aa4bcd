"""The registry of topics and event types: the public catalogue of our events.

Naming rules (public, see docs/contracts.md):
- event type: `lingban.<service>.<event-name>.v<major>`
- topic: `lingban.<service>.<aggregate>.v<major>`; the record key is the
  aggregate id, so one aggregate's events stay in order on one partition.
A breaking change to a payload means a new major version of its type; a
breaking change to the envelope or keying means a new topic version.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from dataclasses import dataclass

from lingban_contracts.base import EventData


@dataclass(frozen=True)
class Topic:
    name: str
    producer: str
    description: str
    partitions: int = 6


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
        self._topics[spec.topic.name] = spec.topic

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

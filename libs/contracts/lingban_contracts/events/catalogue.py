"""The explicit list of every published event type (one table per producing service)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lingban_contracts.events import (
    assessment,
    dispatch,
    divisions,
    notifications,
    projects,
    stationing,
    supervision,
)

if TYPE_CHECKING:
    from lingban_contracts.registry import Registry


def register_all(registry: Registry) -> None:
    from lingban_contracts.registry import EventSpec

    for module in (
        projects,
        divisions,
        supervision,
        stationing,
        dispatch,
        assessment,
        notifications,
    ):
        for event_type, model, summary in module.EVENTS:
            registry.register(
                EventSpec(type=event_type, topic=module.TOPIC, model=model, summary=summary)
            )

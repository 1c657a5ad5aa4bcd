"""The explicit list of every published event type (one table, no magic)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lingban_contracts import topics
from lingban_contracts.events import projects

if TYPE_CHECKING:
    from lingban_contracts.registry import Registry


def register_all(registry: Registry) -> None:
    from lingban_contracts.registry import EventSpec

    for event_type, topic, model, summary in (
        (
            "lingban.projects.project-declared.v1",
            topics.PROJECTS,
            projects.ProjectDeclared,
            "A unit declared a project (申报): the first version of its declaration form.",
        ),
    ):
        registry.register(EventSpec(type=event_type, topic=topic, model=model, summary=summary))

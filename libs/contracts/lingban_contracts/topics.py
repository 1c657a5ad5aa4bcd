"""The topics, one per aggregate stream, plus the dead-letter topics."""

from __future__ import annotations

from lingban_contracts.registry import Topic, namespaced

PROJECTS = Topic(
    base_name="lingban.projects.project.v1",
    producer="projects",
    description="Every state change of a secretary-led project (书记领办项目), keyed by project id.",
)
SUPERVISION = Topic(
    base_name="lingban.supervision.v1",
    producer="supervision",
    description="Supervision groups, inspections, rectification and problem lists, keyed by aggregate id.",
)
DIVISIONS = Topic(
    base_name="lingban.projects.division.v1",
    producer="projects",
    description=(
        "The administrative tree as managed reference data (行政区划: units, levels, "
        "secretaries; villages merged), keyed by unit code."
    ),
)
NOTIFICATIONS = Topic(
    base_name="lingban.notifications.notification.v1",
    producer="notifications",
    description="Delivery outcomes of reminders and notices, keyed by notification id.",
)


def dead_letter_topic(consumer_service: str, namespace: str | None = None) -> str:
    """Where a consumer parks a message it cannot handle (with the error in headers);
    in this process's topic namespace unless `namespace` is given."""
    return namespaced(f"lingban.deadletter.{consumer_service}.v1", namespace)

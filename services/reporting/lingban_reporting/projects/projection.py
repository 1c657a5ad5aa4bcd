"""Project events -> the `project_views` read model.

Each event is applied only if it is newer than the stored view (aggregate
version guard), so redelivered and stale events change nothing.
"""

from __future__ import annotations

from lingban_contracts import Envelope
from lingban_contracts.events.projects import ProjectDeclared
from lingban_kit.consumer import HandlerTable
from lingban_kit.mongo import Database, apply_if_newer

VIEWS = "project_views"


class ProjectProjection:
    def __init__(self, db: Database) -> None:
        self.views = db[VIEWS]

    async def on_declared(self, event: Envelope) -> None:
        data = ProjectDeclared.model_validate(event.data)
        await apply_if_newer(
            self.views,
            data.project_id,
            event.aggregate_version,
            {
                "$set": {
                    "unit_code": data.unit_code,
                    "year": data.year,
                    "title": data.title,
                    "category": data.category,
                    "lead_secretary": data.lead_secretary,
                    "deadline": data.deadline.isoformat(),
                    "stage_count": len(data.stage_tasks),
                    "status": "declared",
                    "declared_at": event.time,
                    "updated_at": event.time,
                }
            },
        )

    def handlers(self) -> HandlerTable:
        return {"lingban.projects.project-declared.v1": self.on_declared}

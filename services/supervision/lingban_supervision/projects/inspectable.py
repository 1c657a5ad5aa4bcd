"""Project events -> `inspectable_projects`, the pool random samples are drawn from."""

from __future__ import annotations

from lingban_contracts import Envelope
from lingban_contracts.events.projects import ProjectDeclared
from lingban_kit.consumer import HandlerTable
from lingban_kit.mongo import Database, apply_if_newer

INSPECTABLE = "inspectable_projects"


def project_handlers(db: Database) -> HandlerTable:
    pool = db[INSPECTABLE]

    async def on_declared(event: Envelope) -> None:
        data = ProjectDeclared.model_validate(event.data)
        township = data.unit_code[:9] + "000"
        await apply_if_newer(
            pool,
            data.project_id,
            event.aggregate_version,
            {
                "$set": {
                    "unit_code": data.unit_code,
                    "township_code": township,
                    "year": data.year,
                    "category": data.category,
                    "title": data.title,
                    "stage": "declared",
                }
            },
        )

    return {"lingban.projects.project-declared.v1": on_declared}

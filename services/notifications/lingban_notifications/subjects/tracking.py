"""Project events -> `reminder_subjects`: whom to remind of which stage deadline."""

from __future__ import annotations

from lingban_contracts import Envelope
from lingban_contracts.events.projects import ProjectDeclared
from lingban_kit.consumer import HandlerTable
from lingban_kit.mongo import Database, apply_if_newer

SUBJECTS = "reminder_subjects"


def subject_handlers(db: Database) -> HandlerTable:
    subjects = db[SUBJECTS]

    async def on_declared(event: Envelope) -> None:
        data = ProjectDeclared.model_validate(event.data)
        months = sorted({s.month for s in data.stage_tasks})
        await apply_if_newer(
            subjects,
            data.project_id,
            event.aggregate_version,
            {
                "$set": {
                    "unit_code": data.unit_code,
                    "owner": data.lead_secretary,
                    "deadline": data.deadline.isoformat(),
                    "stage_months": months,
                    "title": data.title,
                }
            },
        )

    return {"lingban.projects.project-declared.v1": on_declared}

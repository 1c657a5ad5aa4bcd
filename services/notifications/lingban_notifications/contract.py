"""What the notifications service publishes and consumes (its AsyncAPI document)."""

from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.topics import NOTIFICATIONS

CONTRACT = ServiceContract(
    service="notifications",
    title="Lingban notifications service events",
    description=(
        "Reminder cards, report reminders, deadline warnings and escalations (一单三卡), "
        "delivered once per reminder to inbox, email, webhooks and SMS; acknowledgements "
        "(签收) of inbox notices."
    ),
    sends=(NOTIFICATIONS,),
    receives=(
        "lingban.projects.project-declared.v1",
        "lingban.projects.project-revised.v1",
        "lingban.projects.project-submitted.v1",
        "lingban.projects.project-returned.v1",
        "lingban.projects.project-approved.v1",
        "lingban.projects.project-execution-started.v1",
        "lingban.projects.stage-reported.v1",
        "lingban.projects.stage-completed.v1",
        "lingban.projects.stage-overdue.v1",
        "lingban.projects.weekly-report-submitted.v1",
        "lingban.projects.completion-requested.v1",
        "lingban.projects.completion-accepted.v1",
        "lingban.projects.completion-rejected.v1",
        "lingban.supervision.inspection-failed.v1",
        "lingban.supervision.rectification-opened.v1",
        "lingban.supervision.rectification-submitted.v1",
        "lingban.supervision.rectification-verified.v1",
        "lingban.supervision.rectification-reopened.v1",
        "lingban.supervision.rectification-overdue.v1",
    ),
)

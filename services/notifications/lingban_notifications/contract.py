"""What the notifications service publishes and consumes (its AsyncAPI document)."""

from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.events import projects as pe
from lingban_contracts.events import supervision as sv
from lingban_contracts.registry import event_type
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
        event_type(pe.ProjectDeclared),
        event_type(pe.ProjectRevised),
        event_type(pe.ProjectSubmitted),
        event_type(pe.ProjectReturned),
        event_type(pe.ProjectApproved),
        event_type(pe.ProjectFiled),
        event_type(pe.ProjectAnnounced),
        event_type(pe.ProjectExecutionStarted),
        event_type(pe.StageReported),
        event_type(pe.StageCompleted),
        event_type(pe.StageOverdue),
        event_type(pe.WeeklyReportSubmitted),
        event_type(pe.CompletionRequested),
        event_type(pe.CompletionAccepted),
        event_type(pe.CompletionRejected),
        event_type(pe.ProjectEvaluated),
        event_type(sv.InspectionFailed),
        event_type(sv.RectificationOpened),
        event_type(sv.RectificationSubmitted),
        event_type(sv.RectificationVerified),
        event_type(sv.RectificationReopened),
        event_type(sv.RectificationOverdue),
    ),
)

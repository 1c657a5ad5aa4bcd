"""What the notifications service publishes and consumes (its AsyncAPI document)."""

from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.events import dispatch as dv
from lingban_contracts.events import projects as pe
from lingban_contracts.events import supervision as sv
from lingban_contracts.registry import event_type
from lingban_contracts.topics import NOTIFICATIONS
from lingban_kit.divisions import EVENT_TYPES as DIVISION_EVENTS
from lingban_notifications.subjects.assessment import ASSESSMENT_EVENTS
from lingban_notifications.subjects.rosters import ROSTER_EVENTS

CONTRACT = ServiceContract(
    service="notifications",
    title="Lingban notifications service events",
    description=(
        "Reminder cards, report reminders, deadline warnings and escalations (一单三卡), "
        "delivered once per reminder to inbox, email, webhooks and SMS; acknowledgements "
        "(签收) of inbox notices."
    ),
    sends=(NOTIFICATIONS,),
    # The division tree's changes keep this service's copy current (lingban_kit.divisions).
    receives=(
        *DIVISION_EVENTS,
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
        # No reminders for a project sent back by an objection or withdrawn; a changed
        # plan's stages and deadline are the ones reminded of.
        event_type(pe.ObjectionUpheld),
        event_type(pe.ProjectWithdrawn),
        event_type(pe.ChangeApproved),
        # 村并村: the project is the successor's; its reminders go to the successor.
        event_type(pe.ProjectUnitTransferred),
        event_type(sv.SupervisionGroupCreated),
        event_type(sv.SupervisionGroupChanged),
        event_type(sv.InspectionPlanned),
        event_type(sv.InspectionRecorded),
        event_type(sv.InspectionFailed),
        event_type(sv.RectificationOpened),
        event_type(sv.RectificationSubmitted),
        event_type(sv.RectificationVerified),
        event_type(sv.RectificationReopened),
        event_type(sv.RectificationOverdue),
        # Assigned tasks (交办事项): deadline warnings and the overdue notice.
        event_type(dv.TaskAssigned),
        event_type(dv.TaskReported),
        event_type(dv.TaskClosed),
        event_type(dv.TaskReturned),
        event_type(dv.TaskOverdue),
        # Stationed contact: the day-before reminders and the residence rule
        # (subjects/rosters.py).
        *ROSTER_EVENTS,
        # The finalized assessment: a notice to each unit on the 表扬 and 约谈 lists.
        *ASSESSMENT_EVENTS,
    ),
)

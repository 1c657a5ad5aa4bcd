"""What the supervision service publishes and consumes (its AsyncAPI document)."""

from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.events import projects as pev
from lingban_contracts.events import supervision as sev
from lingban_contracts.registry import event_type
from lingban_contracts.topics import SUPERVISION
from lingban_kit.divisions import EVENT_TYPES as DIVISION_EVENTS

# Project events tell which projects are in execution and may be inspected.
PROJECT_EVENTS = tuple(
    event_type(model)
    for model in (
        pev.ProjectDeclared,
        pev.ProjectRevised,
        pev.ProjectExecutionStarted,
        pev.CompletionRequested,
        pev.CompletionRejected,
        pev.CompletionAccepted,
        pev.ProjectWithdrawn,
        pev.ProjectEvaluated,
        pev.ProjectUnitTransferred,
    )
)
# Our own visit log: opinions raised on a visit enter the problem list.
OWN_EVENTS = (event_type(sev.VisitLogged),)

CONTRACT = ServiceContract(
    service="supervision",
    title="Lingban supervision service events",
    description=(
        "Supervision groups, inspection plans, random draws, inspections and scores, "
        "rectification, problem lists and stationed-contact visits "
        "(督导、随机抽查、整改、问题清单、驻点联系)."
    ),
    sends=(SUPERVISION,),
    # The division tree's changes keep this service's copy current (lingban_kit.divisions).
    receives=PROJECT_EVENTS + OWN_EVENTS + DIVISION_EVENTS,
)

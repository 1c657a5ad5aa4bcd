"""What the supervision service publishes and consumes (its AsyncAPI document)."""

from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.topics import SUPERVISION

# Project events tell which projects are in execution and may be inspected.
PROJECT_EVENTS = (
    "lingban.projects.project-declared.v1",
    "lingban.projects.project-revised.v1",
    "lingban.projects.project-execution-started.v1",
    "lingban.projects.completion-requested.v1",
    "lingban.projects.completion-rejected.v1",
    "lingban.projects.completion-accepted.v1",
    "lingban.projects.project-evaluated.v1",
)
# Our own visit log: opinions raised on a visit enter the problem list.
OWN_EVENTS = ("lingban.supervision.visit-logged.v1",)

CONTRACT = ServiceContract(
    service="supervision",
    title="Lingban supervision service events",
    description=(
        "Supervision groups, inspection plans, random draws, inspections and scores, "
        "rectification, problem lists and stationed-contact visits "
        "(督导、随机抽查、整改、问题清单、驻点联系)."
    ),
    sends=(SUPERVISION,),
    receives=PROJECT_EVENTS + OWN_EVENTS,
)

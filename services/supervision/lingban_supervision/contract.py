from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.topics import SUPERVISION

CONTRACT = ServiceContract(
    service="supervision",
    title="Lingban supervision service events",
    description=(
        "Supervision groups, inspection plans, inspections and scores, rectification, problem "
        "lists and stationed-contact visits (督导、整改、问题清单、驻点联系)."
    ),
    sends=(SUPERVISION,),
    receives=("lingban.projects.project-declared.v1",),
)

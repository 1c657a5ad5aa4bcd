"""What the projects service publishes and consumes (its AsyncAPI document)."""

from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.topics import PROJECTS

CONTRACT = ServiceContract(
    service="projects",
    title="Lingban projects service events",
    description=(
        "Lifecycle of secretary-led projects (书记领办项目): declaration, review, filing, "
        "announcement, progress, completion and year-end evaluation."
    ),
    sends=(PROJECTS,),
)

"""What the projects service publishes and consumes (its AsyncAPI document)."""

from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.topics import DIVISIONS, PROJECTS

CONTRACT = ServiceContract(
    service="projects",
    title="Lingban projects service events",
    description=(
        "Lifecycle of secretary-led projects (书记领办项目): declaration, review, filing, "
        "announcement, progress, completion and year-end evaluation; and the division tree "
        "(行政区划: units, levels, secretaries) it manages as reference data."
    ),
    sends=(PROJECTS, DIVISIONS),
)

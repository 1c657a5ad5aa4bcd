from lingban_contracts.asyncapi import ServiceContract

CONTRACT = ServiceContract(
    service="reporting",
    title="Lingban reporting service events",
    description="Builds read models, bulletins and the dashboard from every service's events.",
    receives=("lingban.projects.project-declared.v1",),
)

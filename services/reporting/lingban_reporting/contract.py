from lingban_contracts.asyncapi import ServiceContract
from lingban_reporting.event_types import consumed_event_types

CONTRACT = ServiceContract(
    service="reporting",
    title="Lingban reporting service events",
    description="Builds read models, bulletins and the dashboard from every service's events.",
    receives=consumed_event_types(),
)

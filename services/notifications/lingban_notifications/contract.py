from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.topics import NOTIFICATIONS

CONTRACT = ServiceContract(
    service="notifications",
    title="Lingban notifications service events",
    description=(
        "Reminder cards, report reminders, deadline warnings and escalations (一单三卡), "
        "delivered once per reminder to inbox, email, webhooks and SMS."
    ),
    sends=(NOTIFICATIONS,),
    receives=("lingban.projects.project-declared.v1",),
)

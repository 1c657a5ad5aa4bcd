"""HTTP response bodies of the contact directory API (requests use `Recipient` itself)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from lingban_contracts.events.notifications import Channel
from lingban_contracts.regions import RegionCode
from lingban_kit.auth import Role
from lingban_notifications.directory.domain import (
    QuietHours,
    Recipient,
    RecipientKind,
    WebhookFlavor,
)


class ContactsStoredOut(BaseModel):
    stored: int = Field(ge=0, description="Contacts created or replaced")


class WebhookOut(BaseModel):
    """A webhook as shown: the signing secret is write-only (LB-08)."""

    url: str
    flavor: WebhookFlavor
    secret_set: bool = Field(
        description="A signing secret is stored; PUT the webhook without `secret` to keep it"
    )


class ContactOut(BaseModel):
    """A contact as its editors see it: everything but the webhook's secret."""

    id: str
    name: str
    kind: RecipientKind
    unit_code: RegionCode
    channels: list[Channel]
    email: str | None
    phone: str | None
    webhook: WebhookOut | None
    muted_rules: list[str]
    quiet_hours: QuietHours | None
    user_ids: list[str]
    roles: list[Role]

    @classmethod
    def of(cls, r: Recipient) -> ContactOut:
        hook = r.webhook
        shown = (
            WebhookOut(url=hook.url, flavor=hook.flavor, secret_set=bool(hook.secret))
            if hook
            else None
        )
        return cls.model_validate({**r.model_dump(exclude={"webhook"}), "webhook": shown})

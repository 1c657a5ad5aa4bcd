"""Recipients: who gets reminders, on which channels, when not to disturb them (pure).

Contact data (e-mail, phone, webhook URL and secret) lives only here, in the
service's own collection; public events name recipients by id.

Inbox access: a token reads a recipient's inbox when its `sub` is one of the
recipient's `user_ids`, or when its region is the recipient's unit and it
holds one of the recipient's `roles` (so every township secretary of a unit
reads `secretary:<unit>` without per-person set-up).
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lingban_contracts.events.notifications import Channel
from lingban_contracts.regions import RegionCode
from lingban_kit.auth import Principal, Role
from lingban_kit.clock import LOCAL_ZONE
from lingban_notifications.local_time import LocalTime


class RecipientKind(enum.StrEnum):
    SECRETARY = "secretary"
    TOWNSHIP_STAFF = "township_staff"
    TASK_FORCE = "task_force"
    MEMBER_DEPARTMENT = "member_department"
    SUPERVISION_GROUP = "supervision_group"
    OPERATOR = "operator"


class WebhookFlavor(enum.StrEnum):
    WECOM = "wecom"  # 企业微信群机器人
    DINGTALK = "dingtalk"  # 钉钉自定义机器人
    FEISHU = "feishu"  # 飞书自定义机器人


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Webhook(_Strict):
    url: str = Field(pattern=r"^https?://", max_length=1000)
    flavor: WebhookFlavor = WebhookFlavor.WECOM
    secret: str | None = Field(default=None, max_length=200, description="HMAC signing secret")


class QuietHours(_Strict):
    """Local times (Asia/Shanghai); may wrap midnight (22:00-07:30)."""

    start: LocalTime
    end: LocalTime

    def contains(self, at: datetime) -> bool:
        local = at.astimezone(LOCAL_ZONE).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, at: datetime) -> datetime:
        """The first moment after `at` outside the quiet hours."""
        local = at.astimezone(LOCAL_ZONE)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end


class Recipient(_Strict):
    id: str = Field(pattern=r"^[a-z-]+:[A-Za-z0-9_.-]+$", max_length=120)
    name: str = Field(min_length=1, max_length=100)
    kind: RecipientKind
    unit_code: RegionCode
    channels: list[Channel] = Field(
        default_factory=lambda: [Channel.INBOX], description="Channels the recipient accepts"
    )
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$", max_length=200)
    phone: str | None = Field(default=None, pattern=r"^\+?\d{6,15}$")
    webhook: Webhook | None = None
    muted_rules: list[str] = Field(default_factory=list, description="Rule ids not wanted")
    quiet_hours: QuietHours | None = None
    user_ids: list[str] = Field(default_factory=list, description="Token `sub`s that read it")
    roles: list[Role] = Field(
        default_factory=list, description="Roles at `unit_code` that read this inbox"
    )

    @model_validator(mode="after")
    def _addresses(self) -> Recipient:
        needs = {Channel.EMAIL: self.email, Channel.SMS: self.phone, Channel.WEBHOOK: self.webhook}
        missing = [c.value for c in self.channels if c in needs and not needs[c]]
        if missing:
            raise ValueError(f"channels {', '.join(missing)} need an address")
        return self

    def accepts(self, channel: Channel, rule_id: str) -> bool:
        return channel in self.channels and rule_id not in self.muted_rules

    def readable_by(self, principal: Principal) -> bool:
        if principal.id in self.user_ids:
            return True
        return principal.region_code == self.unit_code and principal.has_any(*self.roles)


def secretary_id(unit_code: str) -> str:
    return f"secretary:{unit_code}"


def township_staff_id(unit_code: str) -> str:
    return f"township-staff:{unit_code}"


def task_force_id(unit_code: str) -> str:
    return f"task-force:{unit_code}"

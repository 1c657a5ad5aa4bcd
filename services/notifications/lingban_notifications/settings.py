from __future__ import annotations

from pathlib import Path

from pydantic import Field

from lingban_kit.settings import ServiceSettings, service_config
from lingban_notifications.delivery.egress import ROBOT_HOSTS, WebhookPolicy


class NotificationsSettings(ServiceSettings):
    model_config = service_config("LINGBAN_NOTIFICATIONS_")

    service_name: str = "notifications"
    port: int = 8003

    # Reminder rules: a YAML file replacing the bundled default_rules.yaml.
    rules_file: Path | None = None
    # Scheduler: how often the rules are evaluated; dispatcher: how often due
    # deliveries are looked for (a local write wakes it at once too).
    # Run the scheduler and dispatcher loops in this replica (off: API and consumer only).
    background: bool = True
    tick_seconds: float = Field(default=60, gt=0)
    dispatch_seconds: float = Field(default=5, gt=0)
    # Retries: attempts per delivery before it is dead-lettered, first delay (doubles).
    max_attempts: int = Field(default=5, ge=1, le=20)
    retry_backoff_seconds: float = Field(default=60, ge=0)
    # How long a replica's claim on a notification lasts if it dies mid-send.
    claim_seconds: float = Field(default=120, gt=0)

    # E-mail (SMTP); unset host = e-mail deliveries are skipped.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "lingban-notifications@localhost"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    # SMS over the HTTP provider; unset URL = SMS deliveries are skipped.
    sms_url: str | None = None
    sms_api_key: str | None = None
    sms_sign_name: str = "领办"
    # Timeout of webhook, SMS and SMTP calls.
    channel_timeout_seconds: float = Field(default=10, gt=0)
    # Webhook egress (SSRF guard, see delivery/egress.py): the hosts a contact's
    # webhook may name (a JSON list; empty = any host whose addresses are all
    # public), and whether loopback (also over http) is allowed, for the
    # dev/test stack's fake robot on 127.0.0.1 only.
    webhook_allowed_hosts: list[str] = Field(default_factory=lambda: list(ROBOT_HOSTS))
    webhook_allow_loopback: bool = False
    # The workbench every notice links into (the gateway's address; devstack sets it).
    # The one place a link's host comes from: its paths are workbench routes.
    workbench_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^/?#]+(/.*)?$")

    def webhook_policy(self) -> WebhookPolicy:
        return WebhookPolicy.of(self.webhook_allowed_hosts, self.webhook_allow_loopback)

    def link_base(self) -> str:
        """Links in messages: the workbench's address, without a trailing slash."""
        return self.workbench_url.rstrip("/")

"""Webhook egress (LB-07): https to the robot hosts only, never an inside address,
checked again before each send; a robot's answer never reaches `last_error`."""

from __future__ import annotations

import json

import httpx
import pytest

from lingban_notifications.delivery.channels import DeliveryError, Message
from lingban_notifications.delivery.egress import WebhookPolicy
from lingban_notifications.delivery.webhook import WebhookSender
from lingban_notifications.directory.domain import Recipient
from tests.notifications.builders import VILLAGE
from tests.notifications.conftest import Receiver

MESSAGE = Message(subject="提醒", text="正文", link=None)
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"


def resolving_to(*addresses: str) -> WebhookPolicy:
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return WebhookPolicy(resolve=resolve)


def hooked(url: str) -> Recipient:
    return Recipient.model_validate(
        {
            "id": f"task-force:{VILLAGE}",
            "name": "专班",
            "kind": "task_force",
            "unit_code": VILLAGE,
            "channels": ["inbox", "webhook"],
            "webhook": {"url": url},
        }
    )


@pytest.mark.parametrize(
    "addresses",
    [
        ("127.0.0.1",),
        ("10.1.2.3",),
        ("169.254.169.254",),
        ("100.100.100.200",),
        ("::1",),
        ("::ffff:192.168.0.1",),
        ("fd00::1",),
        ("203.0.113.9", "192.168.1.1"),
    ],
)
async def test_an_allowed_host_that_resolves_inside_is_refused(addresses: tuple[str, ...]) -> None:
    refused = await resolving_to(*addresses).refusal(ROBOT)
    assert refused is not None
    assert "内网" in refused.message


async def test_an_allowed_host_with_public_addresses_passes() -> None:
    assert await resolving_to("101.91.40.100", "2402:4e00::1").refusal(ROBOT) is None


async def test_loopback_only_where_the_setting_allows_it() -> None:
    strict = WebhookPolicy()
    assert strict.problem("http://127.0.0.1:8080/hook") is not None
    assert strict.problem("https://localhost/hook") is not None
    dev = WebhookPolicy.of(["qyapi.weixin.qq.com"], allow_loopback=True)
    assert dev.problem("http://127.0.0.1:8080/hook") is None
    assert dev.problem("http://10.0.0.1/hook") is not None  # loopback means loopback
    assert dev.problem("http://qyapi.weixin.qq.com/x") is not None  # still https outside
    anywhere = WebhookPolicy.of([], allow_loopback=False)
    assert anywhere.problem("https://hooks.example.cn/x") is None  # any host, then DNS decides


async def test_a_stored_inside_url_is_not_posted_to(receivers: dict[str, Receiver]) -> None:
    """A contact stored before the check existed: refused at send time, nothing sent."""
    sender = WebhookSender(policy=WebhookPolicy())
    with pytest.raises(DeliveryError, match="not allowed"):
        await sender.send(hooked(receivers["webhook"].url), MESSAGE)
    assert receivers["webhook"].requests == []


async def test_a_robot_refusal_records_its_code_not_its_answer() -> None:
    def robot(request: httpx.Request) -> httpx.Response:
        body = {"errcode": 93000, "errmsg": "invalid webhook url, hint: [secret-echo]"}
        return httpx.Response(200, content=json.dumps(body).encode())

    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, content=b'{"detail": "internal-data"}')

    for handler, expected in ((robot, "code 93000"), (failing, "HTTP 401")):
        sender = WebhookSender(
            policy=resolving_to("101.91.40.100"), transport=httpx.MockTransport(handler)
        )
        with pytest.raises(DeliveryError) as caught:
            await sender.send(hooked(ROBOT), MESSAGE)
        assert expected in str(caught.value)
        assert "secret-echo" not in str(caught.value)
        assert "internal-data" not in str(caught.value)

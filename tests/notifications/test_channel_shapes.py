"""Robot payloads and signatures per flavor; quiet hours across midnight."""

from __future__ import annotations

import base64
import hashlib
import hmac

from lingban_notifications.delivery.channels import Message
from lingban_notifications.delivery.sms import SMS_MAX_CHARS, digest_text
from lingban_notifications.delivery.webhook import lingban_signature, robot_accepted, robot_request
from lingban_notifications.directory.domain import QuietHours, Webhook, WebhookFlavor
from tests.notifications.builders import local

MESSAGE = Message(subject="阶段任务时限预警", text="剩余 3 天", link="https://x/p/1")


def test_wecom_markdown_without_signature_in_the_body() -> None:
    url, body = robot_request(
        Webhook(url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
        MESSAGE,
        1_700_000_000_000,
    )
    assert url.endswith("key=k")
    assert body["msgtype"] == "markdown"
    assert "阶段任务时限预警" in body["markdown"]["content"]
    assert "https://x/p/1" in body["markdown"]["content"]


def test_feishu_text_signed_in_the_body() -> None:
    hook = Webhook(url="https://open.feishu.cn/hook/x", flavor=WebhookFlavor.FEISHU, secret="sec")
    url, body = robot_request(hook, MESSAGE, 1_700_000_000_123)
    assert url == hook.url
    assert body["msg_type"] == "text"
    assert body["timestamp"] == "1700000000"
    expected = base64.b64encode(hmac.new(b"1700000000\nsec", b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected


def test_dingtalk_signature_goes_in_the_query() -> None:
    hook = Webhook(
        url="https://oapi.dingtalk.com/robot/send?access_token=t",
        flavor=WebhookFlavor.DINGTALK,
        secret="sec",
    )
    url, body = robot_request(hook, MESSAGE, 1_700_000_000_123)
    assert url.startswith(hook.url + "&timestamp=1700000000123&sign=")
    assert body["msgtype"] == "markdown"


def test_robot_answers_and_our_own_signature() -> None:
    assert robot_accepted({"errcode": 0, "errmsg": "ok"})
    assert robot_accepted({"code": 0})
    assert not robot_accepted({"errcode": 310000, "errmsg": "sign not match"})
    assert not robot_accepted({"code": 19021})
    mac = hmac.new(b"sec", b"17.{}", hashlib.sha256).hexdigest()
    assert lingban_signature("sec", "17", b"{}") == f"sha256={mac}"


def test_quiet_hours_wrap_midnight() -> None:
    quiet = QuietHours.model_validate({"start": "22:00", "end": "07:30"})
    assert quiet.contains(local(2026, 4, 1, 23, 0))
    assert quiet.contains(local(2026, 4, 2, 7, 29))
    assert not quiet.contains(local(2026, 4, 2, 7, 30))
    assert not quiet.contains(local(2026, 4, 1, 21, 59))
    assert quiet.ends_after(local(2026, 4, 1, 23, 0)) == local(2026, 4, 2, 7, 30)
    assert quiet.ends_after(local(2026, 4, 2, 6, 0)) == local(2026, 4, 2, 7, 30)


def test_an_sms_digest_names_its_notices() -> None:
    subject = "【汇总提醒】共 2 条待办提醒 (2 reminders)"
    text = digest_text(subject, ("项目被退回：助餐点 A", "阶段任务时限预警：修路"))
    assert text == f"{subject}：1. 项目被退回：助餐点 A；2. 阶段任务时限预警：修路"


def test_an_sms_digest_too_long_for_one_message_says_how_many_more() -> None:
    headlines = tuple(f"阶段任务时限预警：第 {i} 个项目的名称相当长" for i in range(30))
    text = digest_text("【汇总提醒】共 30 条待办提醒", headlines)
    assert len(text) <= SMS_MAX_CHARS
    shown = [h for h in headlines if h in text]
    assert shown == list(headlines[: len(shown)])
    assert 0 < len(shown) < 30
    assert text.endswith(f"另有 {30 - len(shown)} 条，请登录工作台查看")

"""The contact directory as the offices keep it in Excel (pure): columns, template, parsing.

One row a contact, headers in the first row (Chinese, as the template has
them; a header may also be the field name, e.g. `unit_code`). Lists are
separated by `,` `，` `、` `;` or `；`. Kinds, channels and webhook flavours
may be written in Chinese or as the API's values. A blank id is derived for
the unit-bound kinds (secretary, township staff, task force) from the unit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from lingban_contracts.events.notifications import Channel
from lingban_kit.sheets import HEADER_ROW as HEADER_ROW
from lingban_kit.sheets import Refusal as Refusal
from lingban_kit.sheets import SheetColumn, read_cells
from lingban_kit.sheets import SheetUnreadable as SheetUnreadable
from lingban_kit.sheets import template as sheet_template
from lingban_notifications.directory.domain import (
    RecipientKind,
    WebhookFlavor,
    secretary_id,
    task_force_id,
    township_staff_id,
)

MAX_ROWS = 5000
SHEET_NAME = "联系人"

KIND_ZH = {
    RecipientKind.SECRETARY: "书记",
    RecipientKind.TOWNSHIP_STAFF: "乡镇党建办",
    RecipientKind.TASK_FORCE: "工作专班",
    RecipientKind.MEMBER_DEPARTMENT: "成员单位",
    RecipientKind.SUPERVISION_GROUP: "督导组",
    RecipientKind.OPERATOR: "运维",
}
CHANNEL_ZH = {
    Channel.INBOX: "站内信",
    Channel.EMAIL: "邮件",
    Channel.SMS: "短信",
    Channel.WEBHOOK: "群机器人",
}
FLAVOR_ZH = {
    WebhookFlavor.WECOM: "企业微信",
    WebhookFlavor.DINGTALK: "钉钉",
    WebhookFlavor.FEISHU: "飞书",
}
UNIT_IDS = {
    RecipientKind.SECRETARY: secretary_id,
    RecipientKind.TOWNSHIP_STAFF: township_staff_id,
    RecipientKind.TASK_FORCE: task_force_id,
}


COLUMNS: tuple[SheetColumn, ...] = (
    SheetColumn(
        "联系人编号", "id", 34, "如 secretary:340881100201；书记、党建办、专班可留空，按单位生成"
    ),
    SheetColumn("名称", "name", 20, "姓名或机构名称", required=True),
    SheetColumn(
        "类型", "kind", 12, "书记、乡镇党建办、工作专班、成员单位、督导组、运维", required=True
    ),
    SheetColumn("单位代码", "unit_code", 16, "12 位区划代码", required=True),
    SheetColumn("接收渠道", "channels", 22, "站内信、邮件、短信、群机器人，可多选；留空为站内信"),
    SheetColumn("邮箱", "email", 28, "选“邮件”时必填"),
    SheetColumn("手机", "phone", 16, "选“短信”时必填"),
    SheetColumn("群机器人地址", "webhook.url", 40, "选“群机器人”时必填，https:// 开头"),
    SheetColumn("机器人类型", "webhook.flavor", 12, "企业微信（默认）、钉钉、飞书"),
    SheetColumn("免打扰开始", "quiet_hours.start", 12, "如 22:00"),
    SheetColumn("免打扰结束", "quiet_hours.end", 12, "如 07:30"),
    SheetColumn("读取账号", "user_ids", 28, "可读取其收件箱的账号，仅市级组织部可设"),
    SheetColumn("读取角色", "roles", 28, "如 village_secretary，仅市级组织部可设"),
    SheetColumn("不接收的提醒规则", "muted_rules", 24, "规则编号，如 weekly-report"),
)
BY_FIELD = {c.field: c for c in COLUMNS}


def template() -> bytes:
    """The empty sheet with its headers, and a sheet explaining each column."""
    return sheet_template(SHEET_NAME, COLUMNS)


# ---- reading ------------------------------------------------------------------------
def _items(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，、;；\n]", text) if part.strip()]


def _choice(labels: dict[Any, str], header: str) -> Callable[[str], str]:
    def pick(text: str) -> str:
        for value, label in labels.items():
            if text in (label, value.value):
                return str(value.value)
        allowed = "、".join(labels.values())
        raise ValueError(
            f"“{text}”不是可选的{header}（可选：{allowed}）",
            f"'{text}' is not an allowed value (allowed: {', '.join(str(v) for v in labels)})",
        )

    return pick


_KIND = _choice(KIND_ZH, "类型")
_CHANNEL = _choice(CHANNEL_ZH, "接收渠道")
_FLAVOR = _choice(FLAVOR_ZH, "机器人类型")


def _body(cells: dict[str, str]) -> dict[str, Any]:
    """A row's cells as a `Recipient` body; ValueError(field, message, message_en) if not."""
    body: dict[str, Any] = {}
    for field, text in cells.items():
        if not text:
            continue
        try:
            value: Any
            if field == "kind":
                value = _KIND(text)
            elif field == "channels":
                value = [_CHANNEL(t) for t in _items(text)]
            elif field == "webhook.flavor":
                value = _FLAVOR(text)
            elif field in ("user_ids", "roles", "muted_rules"):
                value = _items(text)
            else:
                value = text
        except ValueError as error:
            raise ValueError(field, *error.args) from None
        head, _, tail = field.partition(".")
        if tail:
            body.setdefault(head, {})[tail] = value
        else:
            body[field] = value
    if not body.get("id") and body.get("kind") and body.get("unit_code"):
        make = UNIT_IDS.get(RecipientKind(body["kind"]))
        if make is not None:
            body["id"] = make(body["unit_code"])
    return body


@dataclass(frozen=True)
class SheetRow:
    number: int
    body: dict[str, Any]


def read_rows(file: IO[bytes]) -> tuple[list[SheetRow], list[Refusal]]:
    """The sheet's non-empty rows as bodies, and the rows whose cells could not be read."""
    found: list[SheetRow] = []
    refused: list[Refusal] = []
    for number, cells in read_cells(file, SHEET_NAME, COLUMNS, MAX_ROWS):
        try:
            found.append(SheetRow(number, _body(cells)))
        except ValueError as error:
            field, message, message_en = error.args
            refused.append(Refusal(number, BY_FIELD[field].header, message, message_en))
    return found, refused

"""Importing the contact directory from a sheet: every row checked, then all stored or none.

Each row passes what `PUT /v1/contacts/{id}` passes: the model's validation,
the write rules of `access.py` against what is stored (jurisdiction, ids bound
to their unit, root-only kinds and inbox readers) and the webhook egress
policy. Any refused row refuses the whole import, so nothing is half-imported;
the report names each refused row, its column and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from lingban_kit.auth import Principal
from lingban_kit.errors import LingbanError
from lingban_notifications.directory.access import check_write, keep_secret
from lingban_notifications.directory.domain import Recipient
from lingban_notifications.directory.repository import Directory
from lingban_notifications.directory.sheet import BY_FIELD, Refusal, SheetRow
from lingban_notifications.wiring import Wiring

# Pydantic's messages are English; the offices read Chinese.
_PYDANTIC_ZH = {
    "missing": "必填",
    "string_pattern_mismatch": "格式不正确",
    "string_too_long": "内容过长",
    "string_too_short": "不能为空",
    "time_parsing": "时间格式应为 HH:MM",
    "time_type": "时间格式应为 HH:MM",
    "enum": "不是可选的值",
    "list_type": "应为列表",
}


@dataclass(frozen=True)
class Checked:
    recipients: list[Recipient]
    created: int
    refused: list[Refusal]


def _column(loc: tuple[int | str, ...]) -> str | None:
    """The sheet column of a model field location (`webhook.url`, `channels.0` …)."""
    parts = [str(p) for p in loc if not isinstance(p, int)]
    for size in (2, 1):
        column = BY_FIELD.get(".".join(parts[:size]))
        if column is not None:
            return column.header
    return None


def _model_refusals(number: int, error: ValidationError) -> list[Refusal]:
    found = []
    for problem in error.errors():
        loc = tuple(problem["loc"])
        column = _column(loc)
        if problem["type"] == "value_error" and not loc:
            # The model's own check: a chosen channel lacks its address.
            column = BY_FIELD["channels"].header
            zh = "所选接收渠道缺少对应的地址（邮件需邮箱，短信需手机，群机器人需地址）"
        else:
            zh = _PYDANTIC_ZH.get(problem["type"], "内容不正确")
        found.append(Refusal(number, column, zh, f"{'.'.join(map(str, loc))}: {problem['msg']}"))
    return found


def _rule_refusal(number: int, error: LingbanError) -> Refusal:
    field = error.details[0].field if error.details else None
    column = BY_FIELD[field].header if field in BY_FIELD else None
    return Refusal(number, column, error.message, error.message_en)


async def check_rows(
    principal: Principal, rows: list[SheetRow], directory: Directory, wiring: Wiring
) -> Checked:
    """Every row checked against what is stored; the recipients to store if none refused."""
    policy = wiring.settings.webhook_policy()
    refused: list[Refusal] = []
    recipients: list[Recipient] = []
    created = 0
    first_row: dict[str, int] = {}
    for row in rows:
        try:
            body = Recipient.model_validate(row.body)
        except ValidationError as error:
            refused += _model_refusals(row.number, error)
            continue
        if body.id in first_row:
            refused.append(
                Refusal(
                    row.number,
                    BY_FIELD["id"].header,
                    f"联系人编号 {body.id} 与第 {first_row[body.id]} 行重复",
                    f"The contact id {body.id} repeats row {first_row[body.id]}",
                )
            )
            continue
        first_row[body.id] = row.number
        stored = await directory.get(body.id)
        try:
            check_write(principal, body, stored, wiring.tree)
        except LingbanError as error:
            refused.append(_rule_refusal(row.number, error))
            continue
        if body.webhook is not None:
            reason = await policy.refusal(body.webhook.url, resolve=not policy.allowed_hosts)
            if reason is not None:
                refused.append(
                    Refusal(
                        row.number,
                        BY_FIELD["webhook.url"].header,
                        f"群机器人地址不可用：{reason.message}",
                        f"The webhook URL is refused: {reason.message_en}",
                    )
                )
                continue
        created += stored is None
        recipients.append(keep_secret(body, stored))
    return Checked(recipients, created, refused)

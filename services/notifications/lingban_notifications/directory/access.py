"""Who may write which contact (LB-01): the rules a PUT must pass before anything is stored.

A contact decides who receives a unit's reminders and whose inbox a token
reads, so a write is checked against what is stored as well as what is sent:
- an editor (city_org, township secretary/staff) acts inside their subtree,
  over the stored contact's unit as well as the new one (no moving another
  region's contact into one's own);
- ids the scheduler looks up by unit (`secretary:<unit>`, `township-staff:<unit>`,
  `task-force:<unit>`) must name the body's own unit and kind;
- the unit must exist in the division tree;
- only the city organisation department at the root (city_org at the tree's
  root) creates member departments and operators (every city-wide card goes
  to each member department) or changes `user_ids`/`roles` (whose inbox a
  token reads); others may only keep what is stored.
"""

from __future__ import annotations

from lingban_contracts.divisions import DivisionTree
from lingban_kit.auth import Principal, Role, is_root_city_org
from lingban_kit.errors import FieldProblem, Forbidden, LingbanError, ValidationFailed
from lingban_notifications.directory.domain import (
    Recipient,
    RecipientKind,
    Webhook,
    secretary_id,
    task_force_id,
    township_staff_id,
)

EDITORS = (Role.CITY_ORG, Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF)
# Most contacts one request stores (the demo loader sends 50 at a time).
MAX_BULK = 200
_UNIT_IDS = {
    RecipientKind.SECRETARY: secretary_id,
    RecipientKind.TOWNSHIP_STAFF: township_staff_id,
    RecipientKind.TASK_FORCE: task_force_id,
}
_UNIT_PREFIXES = {make(""): kind for kind, make in _UNIT_IDS.items()}
_ROOT_ONLY_KINDS = (RecipientKind.MEMBER_DEPARTMENT, RecipientKind.OPERATOR)


def _on(field: str, error: LingbanError) -> LingbanError:
    """The error naming the field at fault (an import reports it as the sheet's column)."""
    error.details = [FieldProblem(field, error.message, error.message_en)]
    return error


def _check_id(body: Recipient) -> None:
    prefix_kind = next((k for p, k in _UNIT_PREFIXES.items() if body.id.startswith(p)), None)
    if prefix_kind is not None and prefix_kind is not body.kind:
        raise _on(
            "id",
            ValidationFailed(
                message=f"联系人编号 {body.id} 只能用于 {prefix_kind.value} 类型",
                message_en=f"The contact id {body.id} is for the kind {prefix_kind.value} only",
            ),
        )
    make = _UNIT_IDS.get(body.kind)
    if make is not None and body.id != make(body.unit_code):
        want = make(body.unit_code)
        raise _on(
            "id",
            ValidationFailed(
                message=f"联系人编号 {body.id} 与单位 {body.unit_code} 不符，应为 {want}",
                message_en=(
                    f"The contact id {body.id} does not match unit {body.unit_code}: use {want}"
                ),
            ),
        )


def _within(principal: Principal, unit_code: str, field: str) -> None:
    try:
        principal.require_jurisdiction(unit_code)
    except Forbidden as error:
        raise _on(field, error) from None


def check_write(
    principal: Principal, body: Recipient, stored: Recipient | None, tree: DivisionTree
) -> None:
    """Raise the 4xx that refuses this write; return when it may be stored."""
    principal.require_any(*EDITORS)
    _check_id(body)
    if tree.get(body.unit_code) is None:
        raise _on(
            "unit_code",
            ValidationFailed(
                message=f"未知单位 {body.unit_code}", message_en=f"Unknown unit {body.unit_code}"
            ),
        )
    _within(principal, body.unit_code, "unit_code")
    if stored is not None:
        _within(principal, stored.unit_code, "id")  # the id names another region's contact
    if is_root_city_org(principal, tree):
        return
    if body.kind in _ROOT_ONLY_KINDS or (stored is not None and stored.kind in _ROOT_ONLY_KINDS):
        raise _on(
            "kind",
            Forbidden(
                message="只有市级组织部可以创建或修改成员单位、运维类联系人",
                message_en=(
                    "Only the city organisation department may create or change "
                    "member-department and operator contacts"
                ),
            ),
        )
    before_users = set(stored.user_ids) if stored else set()
    before_roles = set(stored.roles) if stored else set()
    if set(body.user_ids) != before_users or set(body.roles) != before_roles:
        raise _on(
            "user_ids" if set(body.user_ids) != before_users else "roles",
            Forbidden(
                message="只有市级组织部可以设置或更改读取收件箱的用户（user_ids）和角色（roles）",
                message_en=(
                    "Only the city organisation department may set or change who reads "
                    "the inbox (user_ids, roles)"
                ),
            ),
        )


def keep_secret(body: Recipient, stored: Recipient | None) -> Recipient:
    """The webhook secret is write-only (never shown): a PUT without one keeps the
    stored secret of the same robot; `""` removes it."""
    hook = body.webhook
    if hook is None:
        return body
    if hook.secret == "":
        return body.model_copy(update={"webhook": _with_secret(hook, None)})
    old = stored.webhook if stored else None
    if (
        hook.secret is None
        and old is not None
        and old.secret
        and (old.url, old.flavor) == (hook.url, hook.flavor)
    ):
        return body.model_copy(update={"webhook": _with_secret(hook, old.secret)})
    return body


def _with_secret(hook: Webhook, secret: str | None) -> Webhook:
    return Webhook.model_validate({**hook.model_dump(), "secret": secret})

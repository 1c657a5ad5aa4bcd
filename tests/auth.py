"""Development bearer tokens for the tests of every service (signed with the dev secret)."""

from __future__ import annotations

from lingban_kit.auth import DEV_JWT_SECRET, Role, issue_dev_token


def token(role: Role, region: str, sub: str | None = None, department: str | None = None) -> str:
    """A token of one role at one unit; `sub` defaults to `<role>@<region>`; `department`:
    the member department (成员单位) a `member_department` token works for."""
    return issue_dev_token(
        secret=DEV_JWT_SECRET,
        sub=sub or f"{role.value}@{region}",
        name="测试",
        roles=[role],
        region=region,
        department=department,
    )


def auth(
    role: Role,
    region: str,
    *,
    sub: str | None = None,
    lang: str | None = None,
    department: str | None = None,
) -> dict[str, str]:
    """Request headers: the bearer token, and `Accept-Language` when `lang` is given."""
    headers = {"Authorization": f"Bearer {token(role, region, sub, department)}"}
    if lang:
        headers["Accept-Language"] = lang
    return headers

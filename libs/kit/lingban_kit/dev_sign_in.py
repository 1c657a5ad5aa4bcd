"""Development sign-in for the workbench: pick a demo user, get a short-lived token.

Mounted only when `LINGBAN_DEV_SIGN_IN=true` and `LINGBAN_ENV=dev` (devstack sets
both for `make up` and the tests) and tokens are verified with an HS256 secret. When the
service verifies tokens from an identity provider (JWKS or a public key) it is
never mounted, whatever the flag says: production signs in through OpenID
Connect (authorization code flow with PKCE) at the identity provider, and a
token this endpoint signs would not be accepted there anyway.

The token is returned in the response body only — never in a URL — so it does
not end up in browser history, proxy logs or `Referer` headers.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lingban_contracts.divisions import default_tree
from lingban_kit.auth import Role, issue_dev_token
from lingban_kit.devtokens import DEMO_DEPARTMENT, demo_users
from lingban_kit.errors import NotFound
from lingban_kit.settings import ServiceSettings

PREFIX = "/dev/sign-in"
# Long enough for a working session, short enough that a token copied out of a
# browser stops working the same day; the workbench signs in again when it expires.
TOKEN_TTL_SECONDS = 2 * 3600

_log = logging.getLogger(__name__)

ROLE_ZH = {
    Role.CITY_ORG: "组织部",
    Role.LEADER: "领导",
    Role.SUPERVISOR: "督导组成员",
    Role.TOWNSHIP_SECRETARY: "乡镇（街道）书记",
    Role.TOWNSHIP_STAFF: "乡镇（街道）工作人员",
    Role.VILLAGE_SECRETARY: "村（社区）书记",
    Role.SUBSCRIBER: "外部系统",
    Role.MEMBER_DEPARTMENT: "成员单位",
}


class DevSignInSettings(BaseSettings):
    """`LINGBAN_DEV_SIGN_IN`: unprefixed, one switch for the deployment."""

    model_config = SettingsConfigDict(env_prefix="LINGBAN_", extra="ignore")

    dev_sign_in: bool = False


class DemoUserOut(BaseModel):
    id: str = Field(description="The token's `sub`")
    name: str
    role: Role
    role_label: str
    region: str = Field(description="12-digit division code of the user's unit")
    unit_name: str


class DevSignInIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=100)


class DevTokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    user: DemoUserOut


def _users() -> list[DemoUserOut]:
    tree = default_tree()

    def unit_name(code: str) -> str:
        unit = tree.get(code)
        return unit.name if unit else code

    return [
        DemoUserOut(
            id=f"{role.value}@{region}",
            name=description,
            role=role,
            role_label=ROLE_ZH[role],
            region=region,
            unit_name=unit_name(region),
        )
        for description, role, region in demo_users()
    ]


def dev_sign_in_router(settings: ServiceSettings) -> APIRouter:
    secret = settings.auth_jwt_secret or ""
    router = APIRouter(prefix=PREFIX, tags=["dev sign-in (development only)"])

    @router.get("/users", summary="The demo users to sign in as (development only)")
    async def list_users() -> list[DemoUserOut]:
        return _users()

    @router.post("", summary="Sign in as a demo user: a short-lived token (development only)")
    async def sign_in(body: DevSignInIn) -> DevTokenOut:
        user = next((u for u in _users() if u.id == body.user_id), None)
        if user is None:
            raise NotFound(
                message=f"没有演示用户 {body.user_id}",
                message_en=f"No demo user {body.user_id}",
            )
        token = issue_dev_token(
            secret=secret,
            sub=user.id,
            name=user.name,
            roles=[user.role],
            region=user.region,
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            ttl_seconds=TOKEN_TTL_SECONDS,
            department=DEMO_DEPARTMENT if user.role is Role.MEMBER_DEPARTMENT else None,
        )
        return DevTokenOut(access_token=token, expires_in=TOKEN_TTL_SECONDS, user=user)

    return router


def mount_dev_sign_in(
    app: FastAPI, settings: ServiceSettings, flag: DevSignInSettings | None = None
) -> bool:
    """Mount the router when enabled and safe; returns whether it was mounted."""
    flag = flag or DevSignInSettings()
    if not flag.dev_sign_in:
        return False
    if settings.environment != "dev":
        # It hands out a city_org token to anyone who asks: never outside development.
        _log.warning("LINGBAN_DEV_SIGN_IN is set but LINGBAN_ENV is not dev: NOT mounted")
        return False
    if settings.auth_jwks_url or settings.auth_jwt_public_key or not settings.auth_jwt_secret:
        _log.warning(
            "LINGBAN_DEV_SIGN_IN is set but tokens are not verified with a development "
            "secret (JWKS or public key configured, or no secret): dev sign-in NOT mounted"
        )
        return False
    app.include_router(dev_sign_in_router(settings))
    return True

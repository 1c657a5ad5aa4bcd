"""Bearer-token authentication (JWT with OIDC-compatible claims) and jurisdiction.

Claims we read: `sub`, `name`, `roles` (list of Role values), `region` (the
12-digit code of the user's unit). A user acts only inside their region's
subtree. Tokens are verified against an HS256 secret (development), a PEM
public key, or a JWKS URL (an OIDC provider), whichever is configured.
"""

from __future__ import annotations

import enum
import re
import time
import uuid
from dataclasses import dataclass
from functools import cached_property

import jwt

from lingban_contracts import Actor
from lingban_contracts.divisions import DivisionTree
from lingban_contracts.events.dispatch import DEPARTMENT_PATTERN
from lingban_contracts.regions import in_subtree
from lingban_kit.errors import Forbidden, Unauthenticated

# The secret `make up` and the tests sign development tokens with. Never use
# it in production: configure LINGBAN_AUTH_JWKS_URL (or a public key) there.
DEV_JWT_SECRET = "lingban-dev-secret-not-for-production"


# The longest `sub` and `name` accepted (lingban_contracts.envelope.Actor's limits).
MAX_CLAIM_LENGTH = 200


class Role(enum.StrEnum):
    CITY_ORG = "city_org"  # 组织部 staff of the city/county
    TOWNSHIP_SECRETARY = "township_secretary"
    TOWNSHIP_STAFF = "township_staff"
    VILLAGE_SECRETARY = "village_secretary"
    SUPERVISOR = "supervisor"
    LEADER = "leader"  # read-only
    SUBSCRIBER = "subscriber"  # other government systems, read-only
    # Staff of a city member department (成员单位: 民政局, 农业农村局 …), named by the
    # token's `department` claim: they report back on the tasks assigned to their
    # department (交办事项) and otherwise read like a leader.
    MEMBER_DEPARTMENT = "member_department"


# Every role that does the work, i.e. all but the read-only leader and subscriber and
# the member departments (who work on their own tasks only, docs/dispatch.md): they
# may write, upload, and read individual-level details (LB-14).
WORKING_ROLES = tuple(
    r for r in Role if r not in (Role.LEADER, Role.SUBSCRIBER, Role.MEMBER_DEPARTMENT)
)


@dataclass(frozen=True)
class Principal:
    id: str
    name: str
    roles: frozenset[Role]
    region_code: str
    # The member department (成员单位) the user works for, from the `department` claim.
    department: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(id=self.id, name=self.name)

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def reads_public_view(self) -> bool:
        """Leaders and subscribers (and nobody with a working role too) get the public
        views: aggregates and decisions without personal details or comments (LB-14)."""
        return not self.has_any(*WORKING_ROLES)

    def can_see(self, region_code: str) -> bool:
        return in_subtree(region_code, self.region_code)

    def require_any(self, *roles: Role) -> None:
        if not self.has_any(*roles):
            names = ", ".join(r.value for r in roles)
            raise Forbidden(
                message=f"此操作需要以下角色之一：{names}",
                message_en=f"This action needs one of the roles: {names}",
            )

    def require_jurisdiction(self, region_code: str) -> None:
        if not self.can_see(region_code):
            raise Forbidden(
                message=f"单位 {region_code} 不在您的管辖范围（{self.region_code}）内",
                message_en=(
                    f"Unit {region_code} is outside your jurisdiction ({self.region_code})"
                ),
            )


@dataclass(frozen=True)
class TokenVerifier:
    issuer: str
    audience: str
    secret: str | None = None
    public_key: str | None = None
    jwks_url: str | None = None

    @cached_property
    def _jwks(self) -> jwt.PyJWKClient | None:
        return jwt.PyJWKClient(self.jwks_url, cache_keys=True) if self.jwks_url else None

    def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                key: object = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256", "ES256"]
            elif self.public_key:
                key, algorithms = self.public_key, ["RS256", "ES256"]
            elif self.secret:
                key, algorithms = self.secret, ["HS256"]
            else:
                raise Unauthenticated(
                    message="服务未配置令牌校验密钥",
                    message_en="Token verification is not configured",
                )
            claims = jwt.decode(
                token,
                key,  # type: ignore[arg-type]
                algorithms=algorithms,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["sub", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated(
                message="令牌已过期，请重新登录", message_en="Token expired; sign in again"
            ) from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(
                message=f"令牌无效：{exc}", message_en=f"Invalid token: {exc}"
            ) from None
        try:
            roles = frozenset(Role(r) for r in claims.get("roles", []))
        except ValueError as exc:
            raise Unauthenticated(
                message=f"令牌角色无效：{exc}", message_en=f"Invalid role in token: {exc}"
            ) from None
        subject, name = str(claims["sub"]), str(claims.get("name", claims["sub"]))
        # They become the events' Actor (≤ 200 characters each): refuse here with a 401
        # rather than fail later with a 500 (LB-22).
        if not 0 < len(subject) <= MAX_CLAIM_LENGTH or len(name) > MAX_CLAIM_LENGTH:
            raise Unauthenticated(
                message=f"令牌的 sub 或 name 过长（最多 {MAX_CLAIM_LENGTH} 个字符）",
                message_en=f"Token sub or name too long (at most {MAX_CLAIM_LENGTH} characters)",
            )
        region = str(claims.get("region", ""))
        if len(region) != 12 or not region.isdigit():
            raise Unauthenticated(
                message="令牌缺少有效的 region（12 位区划代码）",
                message_en="Token lacks a valid region claim (12-digit division code)",
            )
        department = claims.get("department")
        if department is not None and not re.fullmatch(DEPARTMENT_PATTERN, str(department)):
            raise Unauthenticated(
                message="令牌的 department 无效（成员单位标识）",
                message_en="Token has an invalid department claim (a member department's id)",
            )
        return Principal(
            id=subject,
            name=name,
            roles=roles,
            region_code=region,
            department=str(department) if department is not None else None,
        )


def issue_dev_token(
    *,
    secret: str,
    sub: str,
    name: str,
    roles: list[Role],
    region: str,
    issuer: str = "lingban-dev",
    audience: str = "lingban",
    ttl_seconds: int = 12 * 3600,
    department: str | None = None,
) -> str:
    """Sign an HS256 token for development and tests (never in production)."""
    now = int(time.time())
    extra = {"department": department} if department else {}
    return jwt.encode(
        {
            **extra,
            "sub": sub,
            "name": name,
            "roles": [r.value for r in roles],
            "region": region,
            "iss": issuer,
            "aud": audience,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
        },
        secret,
        algorithm="HS256",
    )


def is_root_city_org(principal: Principal, tree: DivisionTree) -> bool:
    """The city organisation department at the top of the division tree.

    `city_org` exists at every level the division file allows; what affects every
    region at once (global operations, reminder rules, root-only contacts) needs
    the one at the top.
    """
    unit = tree.get(principal.region_code)
    return principal.has_any(Role.CITY_ORG) and unit is not None and unit.parent is None


def require_root_city_org(principal: Principal, tree: DivisionTree) -> None:
    principal.require_any(Role.CITY_ORG)
    if not is_root_city_org(principal, tree):
        raise Forbidden(
            message="此操作影响全部地区，仅限市级组织部（区划树顶层）",
            message_en=(
                "This action affects every region; only the city organisation department "
                "at the top of the division tree may do it"
            ),
        )

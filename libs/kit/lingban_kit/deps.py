"""`Annotated[..., Depends()]` aliases shared by every service's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lingban_kit.auth import Principal
from lingban_kit.errors import Unauthenticated, ValidationFailed
from lingban_kit.http import request_language
from lingban_kit.idempotency import (
    IDEMPOTENCY_HEADER,
    REPLAYED_HEADER,
    Attempt,
    attempt_scope,
    begin,
    fingerprint,
    valid_key,
)
from lingban_kit.mongo import Database
from lingban_kit.runtime import ServiceRuntime

_bearer = HTTPBearer(auto_error=False, description="JWT issued by the identity provider")


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def get_db(runtime: Annotated[ServiceRuntime, Depends(get_runtime)]) -> Database:
    return runtime.db


def current_principal(
    runtime: Annotated[ServiceRuntime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthenticated(
            message="请先登录：缺少 Authorization: Bearer 令牌",
            message_en="Sign in first: the Authorization: Bearer token is missing",
        )
    return runtime.verifier.verify(credentials.credentials)


def expected_version(
    if_match: Annotated[
        str | None, Header(description="The version you read (ETag); 409 if it changed")
    ] = None,
) -> int | None:
    """The version in `If-Match` (optimistic concurrency), or None to skip the check."""
    if if_match is None:
        return None
    value = if_match.strip().strip('"').removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationFailed(
            message="If-Match 须为版本号（上次读取时的 ETag）",
            message_en="If-Match must be the version number (the ETag you last read)",
        )
    return int(value)


async def idempotent(
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(current_principal)],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=IDEMPOTENCY_HEADER,
            description=(
                "Optional. A fresh value (a UUID) per form submission, the same on every "
                "retry of it: a retry whose first attempt landed is answered with the stored "
                f"record (and `{REPLAYED_HEADER}: true`) instead of creating a second one; the "
                "same key with another body is refused with 422 `idempotency_key_reused`."
            ),
        ),
    ] = None,
) -> None:
    """Route dependency (`dependencies=[IDEMPOTENT]`): the ids this request creates follow
    its key (`lingban_kit.idempotency`)."""
    if idempotency_key is None:
        return
    key = valid_key(idempotency_key)
    # FastAPI has read the JSON body already; `body()` answers the cached bytes.
    body = await request.body()
    begin(
        Attempt(
            scope=attempt_scope(principal.id, request.method, request.url.path, key),
            fingerprint=fingerprint(body),
            on_replay=lambda: response.headers.__setitem__(REPLAYED_HEADER, "true"),
        )
    )


IDEMPOTENT = Depends(idempotent)
RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
DatabaseDep = Annotated[Database, Depends(get_db)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
LanguageDep = Annotated[str, Depends(request_language)]
ExpectedVersionDep = Annotated[int | None, Depends(expected_version)]

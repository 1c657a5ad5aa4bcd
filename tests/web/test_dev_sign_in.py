"""Dev sign-in (lingban_kit.dev_sign_in): mounted only when asked for and safe."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from fastapi import FastAPI

from lingban_kit.auth import DEV_JWT_SECRET, Role, TokenVerifier
from lingban_kit.dev_sign_in import TOKEN_TTL_SECONDS, DevSignInSettings, mount_dev_sign_in
from lingban_kit.http import install_error_handlers
from lingban_kit.settings import ServiceSettings, service_config


class _Settings(ServiceSettings):
    model_config = service_config("LINGBAN_TEST_")


def _client(app: FastAPI) -> httpx.AsyncClient:
    install_error_handlers(app)  # as every service app has them
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


def _settings(**overrides: str) -> ServiceSettings:
    return _Settings(auth_jwt_secret=DEV_JWT_SECRET, **overrides)  # type: ignore[arg-type]


async def test_lists_every_role_in_several_units_and_signs_in_as_the_one_picked() -> None:
    app = FastAPI()
    assert mount_dev_sign_in(app, _settings(), DevSignInSettings(dev_sign_in=True))
    async with _client(app) as http:
        users = (await http.get("/dev/sign-in/users")).json()
        assert {u["role"] for u in users} == {r.value for r in Role}
        villages = [u for u in users if u["role"] == Role.VILLAGE_SECRETARY]
        townships = [u for u in users if u["role"] == Role.TOWNSHIP_SECRETARY]
        assert len({u["region"] for u in villages}) >= 3
        assert len({u["region"] for u in townships}) >= 2
        picked = villages[1]
        response = await http.post("/dev/sign-in", json={"user_id": picked["id"]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["user"] == picked
        assert body["expires_in"] == TOKEN_TTL_SECONDS <= 4 * 3600
        principal = TokenVerifier(
            issuer="lingban-dev", audience="lingban", secret=DEV_JWT_SECRET
        ).verify(body["access_token"])
        assert principal.id == picked["id"]
        assert principal.roles == frozenset({Role.VILLAGE_SECRETARY})
        assert principal.region_code == picked["region"]

        unknown = await http.post("/dev/sign-in", json={"user_id": "nobody@000000000000"})
        assert unknown.status_code == 404


async def test_token_is_short_lived() -> None:
    app = FastAPI()
    mount_dev_sign_in(app, _settings(), DevSignInSettings(dev_sign_in=True))
    async with _client(app) as http:
        users = (await http.get("/dev/sign-in/users")).json()
        body = (await http.post("/dev/sign-in", json={"user_id": users[0]["id"]})).json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - time.time() <= TOKEN_TTL_SECONDS + 5


@pytest.mark.parametrize(
    ("flag", "settings"),
    [
        (False, {}),  # the default: off
        (True, {"auth_jwks_url": "https://idp.example/jwks"}),  # production auth: refuse
        (True, {"auth_jwt_public_key": "-----BEGIN PUBLIC KEY-----"}),
    ],
    ids=["flag-off", "jwks", "public-key"],
)
async def test_not_mounted_unless_enabled_with_a_dev_secret(
    flag: bool, settings: dict[str, str]
) -> None:
    app = FastAPI()
    assert not mount_dev_sign_in(app, _settings(**settings), DevSignInSettings(dev_sign_in=flag))
    async with _client(app) as http:
        assert (await http.get("/dev/sign-in/users")).status_code == 404
        assert (await http.post("/dev/sign-in", json={"user_id": "x"})).status_code == 404


def test_flag_is_read_from_the_environment_and_defaults_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LINGBAN_DEV_SIGN_IN", raising=False)
    assert DevSignInSettings().dev_sign_in is False
    monkeypatch.setenv("LINGBAN_DEV_SIGN_IN", "true")
    assert DevSignInSettings().dev_sign_in is True

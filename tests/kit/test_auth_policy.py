"""LB-05: a service refuses to start when it would verify HS256 tokens with a
published or short secret, unless it runs in development mode."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from fastapi import FastAPI

from lingban_contracts.asyncapi import ServiceContract
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.auth_policy import InsecureAuthConfig, check_auth_settings
from lingban_kit.dev_sign_in import DevSignInSettings, mount_dev_sign_in
from lingban_kit.runtime import ServiceRuntime
from lingban_kit.serve import serve
from lingban_kit.settings import ServiceSettings, service_config

PUBLISHED = [DEV_JWT_SECRET, "dev-secret-change-me", "REPLACE-ME-with-a-long-random-secret"]
STRONG = secrets.token_hex(32)


class _Settings(ServiceSettings):
    model_config = service_config("LINGBAN_KITTEST_")


def settings(**values: object) -> ServiceSettings:
    values.setdefault("environment", "production")
    # Unreachable on purpose: the check must come before any connection.
    values.setdefault("mongodb_uri", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200")
    return _Settings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("secret", [*PUBLISHED, "x" * 31, "短" * 10])
def test_a_published_or_short_secret_is_refused_in_production(secret: str) -> None:
    with pytest.raises(InsecureAuthConfig) as refused:
        check_auth_settings(settings(auth_jwt_secret=secret))
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("refusing to start: LINGBAN_AUTH_JWT_SECRET")
    assert secret not in message  # the error never echoes a secret


@pytest.mark.parametrize("secret", [*PUBLISHED, "short"])
def test_development_mode_accepts_any_secret(secret: str) -> None:
    check_auth_settings(settings(auth_jwt_secret=secret, environment="dev"))


def test_a_random_secret_of_32_bytes_starts_in_production() -> None:
    check_auth_settings(settings(auth_jwt_secret=STRONG))
    check_auth_settings(settings(auth_jwt_secret="y" * 32))


def test_with_asymmetric_keys_the_unused_secret_does_not_matter() -> None:
    check_auth_settings(
        settings(auth_jwt_secret=DEV_JWT_SECRET, auth_jwks_url="https://idp.example/jwks")
    )


def test_lingban_env_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINGBAN_ENV", "dev")
    assert _Settings().environment == "dev"
    monkeypatch.delenv("LINGBAN_ENV")
    assert _Settings().environment == "production"  # the safe default


async def test_the_runtime_refuses_to_start_before_connecting_to_anything() -> None:
    runtime = ServiceRuntime(
        settings(auth_jwt_secret="dev-secret-change-me"),
        ServiceContract(service="kittest", title="kittest", description="test"),
    )
    try:
        with pytest.raises(InsecureAuthConfig):
            await runtime.start()
    finally:
        await runtime.mongo_client.close()


def test_serve_exits_with_one_line_instead_of_serving() -> None:
    with pytest.raises(SystemExit) as exited:
        serve("unused:app", settings(auth_jwt_secret="dev-secret-change-me"))
    assert isinstance(exited.value.code, str)
    assert "\n" not in exited.value.code
    assert "LINGBAN_AUTH_JWT_SECRET" in exited.value.code


def test_a_service_process_with_the_old_compose_default_exits_at_once() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINGBAN_")}
    env["LINGBAN_AUTH_JWT_SECRET"] = "dev-secret-change-me"
    result = subprocess.run(
        [sys.executable, "-m", "lingban_reporting"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[-1]], result.stderr  # one line, no traceback
    assert lines[0].startswith("reporting: refusing to start: LINGBAN_AUTH_JWT_SECRET")


def test_dev_sign_in_is_never_mounted_outside_development() -> None:
    flag = DevSignInSettings(dev_sign_in=True)
    production = FastAPI()
    assert not mount_dev_sign_in(production, settings(auth_jwt_secret=STRONG), flag)
    assert not [r for r in production.routes if "/dev/" in getattr(r, "path", "")]
    development = FastAPI()
    assert mount_dev_sign_in(development, settings(auth_jwt_secret=STRONG, environment="dev"), flag)

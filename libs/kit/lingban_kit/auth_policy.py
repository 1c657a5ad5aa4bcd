"""Start-up check of the token-verification settings (security finding LB-05).

A service verifying HS256 tokens with a public, placeholder or short secret lets
anyone who knows it mint a token for any role and region. Outside development
(`LINGBAN_ENV=dev`) such a service refuses to start instead.
"""

from __future__ import annotations

from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.settings import ServiceSettings

# HMAC-SHA256 keys shorter than the hash output are brute-forceable offline
# from any one token (RFC 7518 §3.2 requires at least 256 bits).
MIN_SECRET_BYTES = 32

# Secrets published in this repository: the dev default, the docker-compose
# default of old, and the Kubernetes template's placeholder.
KNOWN_SECRETS = frozenset(
    {
        DEV_JWT_SECRET,
        "dev-secret-change-me",
        "REPLACE-ME-with-a-long-random-secret",
    }
)


class InsecureAuthConfig(RuntimeError):
    """The service must not start with these settings."""


def hs256_secret_problem(secret: str) -> str | None:
    """Why `secret` is unfit for production, or None."""
    if secret in KNOWN_SECRETS or "REPLACE-ME" in secret:
        return "is a published placeholder/development value"
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    return None


def check_auth_settings(settings: ServiceSettings) -> None:
    """Raise InsecureAuthConfig (one-line message) if tokens would be verified unsafely."""
    if settings.environment == "dev":
        return
    if settings.auth_jwks_url or settings.auth_jwt_public_key:
        return  # asymmetric keys: the HS256 secret, if any, is never used
    secret = settings.auth_jwt_secret
    if not secret:
        return  # no key at all: every token is refused, which is safe
    problem = hs256_secret_problem(secret)
    if problem:
        raise InsecureAuthConfig(
            f"refusing to start: LINGBAN_AUTH_JWT_SECRET {problem}; set a random secret of "
            f"{MIN_SECRET_BYTES}+ bytes (e.g. `openssl rand -hex 32`) or LINGBAN_AUTH_JWKS_URL "
            "(LINGBAN_ENV=dev allows it for development only)"
        )

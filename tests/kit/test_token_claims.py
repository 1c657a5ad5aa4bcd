"""LB-22: a token whose `sub` or `name` is longer than an event's Actor allows is a 401
with a message, not a 500 when the first event is built."""

from __future__ import annotations

import pytest

from lingban_kit.auth import DEV_JWT_SECRET, MAX_CLAIM_LENGTH, Role, TokenVerifier, issue_dev_token
from lingban_kit.errors import Unauthenticated

VERIFIER = TokenVerifier(issuer="lingban-dev", audience="lingban", secret=DEV_JWT_SECRET)


def token(sub: str, name: str) -> str:
    return issue_dev_token(
        secret=DEV_JWT_SECRET,
        sub=sub,
        name=name,
        roles=[Role.VILLAGE_SECRETARY],
        region="340881103201",
    )


@pytest.mark.parametrize(
    ("sub", "name"),
    [("u" * (MAX_CLAIM_LENGTH + 1), "书记"), ("u1", "名" * (MAX_CLAIM_LENGTH + 1))],
)
def test_an_overlong_sub_or_name_is_refused_with_a_message(sub: str, name: str) -> None:
    with pytest.raises(Unauthenticated, match="too long") as refused:
        VERIFIER.verify(token(sub, name))
    assert "过长" in refused.value.message


def test_claims_at_the_limit_are_accepted() -> None:
    principal = VERIFIER.verify(token("u" * MAX_CLAIM_LENGTH, "名" * MAX_CLAIM_LENGTH))
    assert len(principal.id) == MAX_CLAIM_LENGTH
    assert principal.actor.name == "名" * MAX_CLAIM_LENGTH

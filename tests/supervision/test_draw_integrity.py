"""A draw nobody can rig: server-chosen seed, one per group and half month, salted commitment.

Also: the global checks run only for the city organisation department at the
top of the division tree (LB-16).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from lingban_kit.auth import Role
from tests.auth import auth

from .builders import CITY, TOWNSHIP
from .conftest import SupervisionApi

pytestmark = pytest.mark.integration

CITY_ORG = auth(Role.CITY_ORG, CITY)
SUPERVISOR = auth(Role.SUPERVISOR, CITY)
LEADER = auth(Role.LEADER, CITY)


async def _group(api: SupervisionApi) -> dict[str, Any]:
    body = {
        "region_code": CITY,
        "year": 2026,
        "name": "市督导组",
        "members": [{"name": "王组长", "department": "组织部", "leader": True}],
        "covered_units": [TOWNSHIP],
    }
    group: dict[str, Any] = await api.call("POST", "/v1/groups", CITY_ORG, body, 201)
    return group


async def test_a_caller_chosen_seed_is_refused(api: SupervisionApi) -> None:
    group = await _group(api)
    body = {"group_id": group["id"], "half_month": "2026-03-H1", "seed": "20260301"}
    answer = await api.http.post("/v1/samples", json=body, headers=SUPERVISOR)
    assert answer.status_code == 422, answer.text
    assert "seed" in str(answer.json()["error"]["details"])
    # Nothing was drawn.
    query = f"/v1/samples?group_id={group['id']}&half_month=2026-03-H1"
    assert await api.call("GET", query, SUPERVISOR) == []


async def test_a_group_draws_once_per_half_month(api: SupervisionApi) -> None:
    group = await _group(api)
    body = {"group_id": group["id"], "half_month": "2026-03-H1", "sealed": True}
    first = await api.call("POST", "/v1/samples", SUPERVISOR, body, 201)
    again = await api.http.post("/v1/samples", json=body, headers=SUPERVISOR)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["sample_id"] == first["id"]
    assert "每半月只能抽一次" in again.json()["error"]["message"]

    # The existing draw is found by group and half month; the next half month is free.
    query = f"/v1/samples?group_id={group['id']}&half_month=2026-03-H1"
    [found] = await api.call("GET", query, SUPERVISOR)
    assert found["id"] == first["id"]
    assert found["seed"] == first["seed"]
    later = {**body, "half_month": "2026-03-H2"}
    second = await api.call("POST", "/v1/samples", SUPERVISOR, later, 201)
    assert second["id"] != first["id"]


async def test_the_seed_is_random_and_its_commitment_salted_until_disclosure(
    api: SupervisionApi,
) -> None:
    group = await _group(api)
    body = {"group_id": group["id"], "half_month": "2026-04-H1", "sealed": True}
    drawn = await api.call("POST", "/v1/samples", SUPERVISOR, body, 201)
    seed, salt = drawn["seed"], drawn["seed_salt"]
    assert len(seed) == 64  # 256 bits from `secrets`
    assert len(salt) == 32
    # The published digest is not a plain hash of the seed: guesses cannot be checked.
    assert drawn["seed_sha256"] != hashlib.sha256(seed.encode()).hexdigest()
    keyed = hmac.new(salt.encode(), seed.encode(), hashlib.sha256).hexdigest()
    assert drawn["seed_sha256"] == keyed

    # Outside the group, a sealed draw shows neither the seed nor the salt.
    sealed = await api.call("GET", f"/v1/samples/{drawn['id']}", LEADER)
    assert sealed["seed"] is None
    assert sealed["seed_salt"] is None
    assert sealed["seed_sha256"] == keyed

    disclosed = await api.call("POST", f"/v1/samples/{drawn['id']}/disclosure", SUPERVISOR)
    assert disclosed["seed_salt"] == salt
    public = await api.call("GET", f"/v1/samples/{drawn['id']}", LEADER)
    assert (public["seed"], public["seed_salt"]) == (seed, salt)
    audit = await api.call("GET", f"/v1/samples/{drawn['id']}/audit", LEADER)
    assert audit["seed_salt"] == salt
    assert audit["seed_sha256_matches"] is True
    assert audit["matches"] is True


@pytest.mark.parametrize(
    ("role", "region"),
    [
        (Role.SUPERVISOR, CITY),
        (Role.SUPERVISOR, TOWNSHIP),
        (Role.CITY_ORG, TOWNSHIP),
    ],
)
async def test_only_the_root_city_org_runs_the_global_checks(
    api: SupervisionApi, role: Role, region: str
) -> None:
    answer = await api.http.post("/v1/operations/checks", headers=auth(role, region))
    assert answer.status_code == 403, answer.text
    ok = await api.call("POST", "/v1/operations/checks", CITY_ORG)
    assert "rectifications_overdue" in ok

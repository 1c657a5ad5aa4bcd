"""Leaders and subscribers read decisions and scores, not the reviewers' comments (LB-14)."""

from __future__ import annotations

import pytest

from lingban_kit.auth import Role
from tests.auth import auth

from .builders import TOWNSHIP, VILLAGE
from .conftest import ProjectsApi
from .test_api import body

pytestmark = pytest.mark.integration

COMMENT = "张书记对村民诉求回应不够，需约谈"


@pytest.mark.parametrize("role", [Role.LEADER, Role.SUBSCRIBER])
async def test_read_only_roles_get_reviews_without_comments(api: ProjectsApi, role: Role) -> None:
    client = api.http
    secretary = auth(Role.VILLAGE_SECRETARY, VILLAGE)
    created = await client.post("/v1/projects", json=body(), headers=secretary)
    assert created.status_code == 201, created.text
    url = f"/v1/projects/{created.json()['id']}"
    assert (await client.post(f"{url}/submission", headers=secretary)).status_code == 200
    review = {
        "decision": "return",
        "scores": {"feasibility": 50, "precision": 40, "effectiveness": 50},
        "reasons": ["切口过大"],
        "comment": COMMENT,
    }
    township = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
    returned = await client.post(f"{url}/review", json=review, headers=township)
    assert returned.status_code == 200, returned.text

    reader = auth(role, TOWNSHIP)
    for path in (url, f"{url}/history"):
        seen = (await client.get(path, headers=reader)).json()
        [public] = seen["reviews"]
        assert public["comment"] is None
        assert public["decision"] == "returned"
        assert public["reasons"] == ["切口过大"]
        assert COMMENT not in str(seen)
    listed = (await client.get(f"/v1/projects?region={VILLAGE}", headers=reader)).json()
    assert COMMENT not in str(listed)
    # The unit and the level above read the comment they must act on.
    whole = (await client.get(url, headers=secretary)).json()
    assert whole["reviews"][0]["comment"] == COMMENT

"""Site photos of an inspection and of its rectification, end to end on the real stack."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import httpx
import pytest
from PIL import Image

from lingban_kit.auth import Role
from tests.auth import auth

from .builders import CITY, OTHER_TOWNSHIP, TOWNSHIP, VILLAGE, checklist_json
from .conftest import SupervisionApi

pytestmark = pytest.mark.integration

CITY_ORG = auth(Role.CITY_ORG, CITY)
SUPERVISOR = auth(Role.SUPERVISOR, CITY)
UNIT = auth(Role.VILLAGE_SECRETARY, VILLAGE)
OTHER = auth(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP)


def photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


async def upload(http: httpx.AsyncClient, data: bytes, name: str, headers: dict[str, str]) -> Any:
    answer = await http.post(
        "/v1/files", files={"file": (name, data, "image/jpeg")}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_inspection_and_rectification_photos(api: SupervisionApi) -> None:
    group = await api.call(
        "POST",
        "/v1/groups",
        CITY_ORG,
        {
            "region_code": CITY,
            "year": 2026,
            "name": "市督导组",
            "members": [{"name": "王组长", "department": "组织部", "leader": True}],
            "covered_units": [TOWNSHIP],
        },
        201,
    )
    inspection = await api.call(
        "POST",
        "/v1/inspections",
        SUPERVISOR,
        {
            "group_id": group["id"],
            "planned_on": "2026-03-10",
            "method": "on_site",
            "unit_code": VILLAGE,
        },
        201,
    )
    url = f"/v1/inspections/{inspection['id']}"
    site = photo((120, 40, 40))
    site_ref = await upload(api.http, site, "现场.jpg", SUPERVISOR)
    recorded = await api.call(
        "POST",
        f"{url}/result",
        SUPERVISOR,
        {
            "inspected_on": "2026-03-10",
            "checklist": checklist_json(25, 20),
            "findings": ["台账缺失"],
            "photos": [{**site_ref, "taken_at": "2026-03-10T09:30:00+08:00"}],
        },
    )
    [stored_photo] = recorded["result"]["photos"]
    assert stored_photo["sha256"] == hashlib.sha256(site).hexdigest()
    assert stored_photo["taken_at"] is not None  # the client's own field is kept

    # The inspected unit reads it (the inspection is announced); another township does not.
    mine = await api.http.get(f"/v1/files/{site_ref['file_id']}", headers=UNIT)
    assert mine.status_code == 200
    assert mine.content == site
    assert (
        await api.http.get(f"/v1/files/{site_ref['file_id']}", headers=OTHER)
    ).status_code == 404

    after = photo((40, 120, 40))
    after_ref = await upload(api.http, after, "整改后.jpg", UNIT)
    submitted = await api.call(
        "POST",
        f"{url}/rectification/submission",
        UNIT,
        {"measures": ["补齐台账"], "narrative": "已整改", "photos": [after_ref]},
    )
    [submission] = submitted["rectification"]["submissions"]
    assert submission["photos"][0]["file_id"] == after_ref["file_id"]
    for reference in (site_ref, after_ref):
        stored = await api.db["fs.files"].find_one({"filename": reference["name"]})
        assert stored is not None
        assert stored["metadata"]["record_id"] == inspection["id"]
    thumb = await api.http.get(f"/v1/files/{after_ref['file_id']}/thumbnail", headers=SUPERVISOR)
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"

    # A photo uploaded elsewhere cannot be slipped into this record.
    theirs = await upload(api.http, photo((0, 0, 0)), "别处.jpg", OTHER)
    refused = await api.http.post(
        f"{url}/rectification/submission",
        json={"measures": ["再次整改"], "narrative": "补充", "photos": [theirs]},
        headers=UNIT,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "photos.0.file_id"


async def test_a_problem_carries_its_photos_and_resolution_papers(api: SupervisionApi) -> None:
    before = photo((200, 200, 0))
    before_ref = await upload(api.http, before, "问题照片.jpg", UNIT)
    problem = await api.call(
        "POST",
        "/v1/problems",
        UNIT,
        {
            "unit_code": VILLAGE,
            "year": 2026,
            "source": "self_examination",
            "channel": "suggestion_box",
            "category": "民生服务",
            "level": "organisation",
            "description": "村卫生室开放时间短",
            "attachments": [before_ref],
        },
        201,
    )
    assert problem["attachments"] == [before_ref]
    done_ref = await upload(api.http, photo((0, 200, 200)), "办结.jpg", UNIT)
    resolved = await api.call(
        "POST",
        f"/v1/problems/{problem['id']}/resolution",
        UNIT,
        {"resolution": "延长开放时间", "attachments": [done_ref]},
    )
    assert [a["file_id"] for a in resolved["attachments"]] == [
        before_ref["file_id"],
        done_ref["file_id"],
    ]
    url = f"/v1/files/{before_ref['file_id']}"
    above = await api.http.get(url, headers=auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP))
    assert above.status_code == 200
    assert above.content == before
    assert (await api.http.get(url, headers=OTHER)).status_code == 404
    stored = await api.db["fs.files"].find_one({"filename": "办结.jpg"})
    assert stored is not None
    assert stored["metadata"]["record_id"] == problem["id"]


async def test_a_visit_log_carries_its_photos(api: SupervisionApi) -> None:
    staff = auth(Role.TOWNSHIP_STAFF, TOWNSHIP)
    api.at(3, 18)
    taken = photo((90, 90, 200))
    reference = await upload(api.http, taken, "走访.jpg", staff)
    visit = await api.call(
        "POST",
        "/v1/visits",
        staff,
        {
            "unit_code": VILLAGE,
            "visited_on": "2026-03-18",
            "visitor": "驻村领导",
            "visitor_role": "leader",
            "households": [{"kind": "ordinary"}],
            "attachments": [reference],
        },
        201,
    )
    assert visit["attachments"] == [reference]
    url = f"/v1/files/{reference['file_id']}"
    village = await api.http.get(url, headers=UNIT)
    assert village.status_code == 200
    assert village.content == taken
    assert (await api.http.get(url, headers=OTHER)).status_code == 404
    stored = await api.db["fs.files"].find_one({"filename": "走访.jpg"})
    assert stored is not None
    assert stored["metadata"]["record_id"] == visit["id"]

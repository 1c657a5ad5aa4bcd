"""Attachments end to end on the real stack: upload, attach by command, download, sweep.

The database is the tests' default (FerretDB on PostgreSQL unless a mongod
is on PATH), so these tests are also the proof that GridFS works there.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image

from devstack.infra import Endpoints
from lingban_contracts import decode_record
from lingban_contracts.topics import PROJECTS
from lingban_kit.auth import Role
from lingban_kit.files.store import FileStore
from lingban_kit.mongo import Database
from lingban_kit.testing import collect, end_offsets
from tests.auth import auth

from .builders import OTHER_TOWNSHIP, TOWNSHIP, VILLAGE
from .conftest import ProjectsApi, running_app
from .test_api import body

pytestmark = pytest.mark.integration

UNIT = auth(Role.VILLAGE_SECRETARY, VILLAGE)
ABOVE = auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
OTHER = auth(Role.TOWNSHIP_SECRETARY, OTHER_TOWNSHIP)
SCORES = {"feasibility": 85, "precision": 80, "effectiveness": 88}
# A PDF big enough to take several GridFS chunks (255 KB each) and odd-sized.
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4000 + b"\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 4096


def png(width: int = 900, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def upload(
    http: httpx.AsyncClient, data: bytes, name: str, headers: dict[str, str] = UNIT
) -> httpx.Response:
    return await http.post(
        "/v1/files", files={"file": (name, data, "application/octet-stream")}, headers=headers
    )


async def uploaded(http: httpx.AsyncClient, data: bytes, name: str) -> dict[str, Any]:
    answer = await upload(http, data, name)
    assert answer.status_code == 201, answer.text
    reference: dict[str, Any] = answer.json()
    return reference


async def declare(http: httpx.AsyncClient, *attachments: dict[str, Any]) -> dict[str, Any]:
    answer = await http.post("/v1/projects", json=body(attachments=list(attachments)), headers=UNIT)
    assert answer.status_code == 201, answer.text
    project: dict[str, Any] = answer.json()
    return project


async def test_upload_attach_download_is_byte_identical(api: ProjectsApi) -> None:
    http = api.http
    reference = await uploaded(http, PDF, "../../etc/责任书.pdf")
    assert reference["content_type"] == "application/pdf"
    assert reference["size_bytes"] == len(PDF)
    assert reference["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert reference["name"] == "责任书.pdf"  # no path

    # The client's copy of the reference is replaced by the stored truth.
    forged = {**reference, "size_bytes": 1, "sha256": "0" * 64}
    project = await declare(http, forged)
    [attached] = project["declaration"]["attachments"]
    assert attached == reference

    download = await http.get(f"/v1/files/{reference['file_id']}", headers=ABOVE)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == reference["sha256"]
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('inline; filename="')
    assert "filename*=UTF-8''%E8%B4%A3%E4%BB%BB%E4%B9%A6.pdf" in disposition

    # Stored in GridFS's own collections of the service's database.
    stored = await api.db["fs.files"].find_one({})
    assert stored is not None
    assert stored["metadata"]["record_id"] == project["id"]
    assert await api.db["fs.chunks"].count_documents({}) == -(-len(PDF) // stored["chunkSize"])


async def test_an_executable_named_pdf_is_refused_415(api: ProjectsApi) -> None:
    refused = await upload(api.http, ELF, "会议纪要.pdf")
    assert refused.status_code == 415
    error = refused.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "不支持的文件类型" in error["message"]
    assert "会议纪要.pdf" in error["message"]
    assert "PDF" in error["message"]  # says what is allowed
    assert await api.db["fs.files"].count_documents({}) == 0


async def test_over_the_cap_is_413_without_holding_the_file(
    infra: Endpoints, database: Database
) -> None:
    cap = 16 * 1024 * 1024  # lowered from 20 MB; large enough to dwarf fixed overheads
    piece = 64 * 1024
    sent = 0

    async def body_stream() -> AsyncIterator[bytes]:
        nonlocal sent
        yield (
            b"--BOUNDARY\r\n"
            b'Content-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        )
        for _ in range(64 * 1024 * 1024 // piece):  # 64 MB offered
            sent += piece
            yield bytes(piece)  # a fresh object each time: nothing kept by the test
        yield b"\r\n--BOUNDARY--\r\n"

    async with running_app(infra, database.name, file_max_bytes=cap) as api:
        tracemalloc.start()
        try:
            answer = await api.http.post(
                "/v1/files",
                content=body_stream(),
                headers={**UNIT, "Content-Type": "multipart/form-data; boundary=BOUNDARY"},
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert answer.status_code == 413, answer.text
        assert "单个文件不能超过 16 MB" in answer.json()["error"]["message"]
        # Read only up to the cap, and never held whole: the peak (about 2 MB of
        # request handling whatever the cap) stays far below it.
        assert cap <= sent < cap + 4 * piece
        assert peak < cap / 4, f"peak {peak} bytes"
        # The aborted upload left nothing behind.
        assert await api.db["fs.chunks"].count_documents({}) == 0
        assert await api.db["fs.files"].count_documents({}) == 0


async def test_another_townships_user_gets_404(api: ProjectsApi) -> None:
    http = api.http
    reference = await uploaded(http, png(), "现场.png")
    url = f"/v1/files/{reference['file_id']}"
    # Before it is attached, the uploader's unit (and those above) can read it.
    assert (await http.get(url, headers=OTHER)).status_code == 404
    await declare(http, reference)
    missing = await http.get(url, headers=OTHER)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert (await http.get(f"{url}/thumbnail", headers=OTHER)).status_code == 404
    assert (await http.get(url, headers=ABOVE)).status_code == 200
    thumb = await http.get(f"{url}/thumbnail", headers=UNIT)
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 320


async def test_a_file_of_another_jurisdiction_cannot_be_attached(api: ProjectsApi) -> None:
    theirs = await upload(api.http, PDF, "别镇的.pdf", headers=OTHER)
    assert theirs.status_code == 201
    refused = await api.http.post(
        "/v1/projects", json=body(attachments=[theirs.json()]), headers=UNIT
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"][0]["field"] == "attachments.0.file_id"


async def test_the_sweep_removes_orphans_and_keeps_attached_files(api: ProjectsApi) -> None:
    http = api.http
    kept = await uploaded(http, PDF, "责任书.pdf")
    orphan = await uploaded(http, png(), "没用上.png")
    await declare(http, kept)
    store = FileStore(api.db)

    # Younger than the limit: kept.
    assert await store.sweep_orphans(datetime.now(UTC) - timedelta(days=1)) == []
    # Older than the limit (a cutoff after the uploads): the orphan goes, nothing else.
    removed = await store.sweep_orphans(datetime.now(UTC) + timedelta(seconds=1))
    assert removed == [orphan["file_id"]]
    assert (await http.get(f"/v1/files/{orphan['file_id']}", headers=UNIT)).status_code == 404
    assert await api.db["fs.chunks"].count_documents({"files_id": {"$exists": True}}) == -(
        -len(PDF) // (255 * 1024)
    )
    still = await http.get(f"/v1/files/{kept['file_id']}", headers=UNIT)
    assert still.status_code == 200
    assert still.content == PDF


async def test_the_running_service_sweeps_on_its_own(infra: Endpoints, database: Database) -> None:
    async with running_app(infra, database.name, file_sweep_interval_seconds=0.2) as api:
        http = api.http
        kept = await uploaded(http, PDF, "责任书.pdf")
        orphan = await uploaded(http, png(), "没用上.png")
        await declare(http, kept)
        # Both are younger than a day; then the limit drops under their age.
        assert (await http.get(f"/v1/files/{orphan['file_id']}", headers=UNIT)).status_code == 200
        assert api.settings is not None
        api.settings.file_orphan_max_age_seconds = 0.001
        for _ in range(100):  # the loop runs every 0.2 s; bounded wait for its next run
            if (await http.get(f"/v1/files/{orphan['file_id']}", headers=UNIT)).status_code == 404:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the sweep did not remove the orphan")
        assert (await http.get(f"/v1/files/{kept['file_id']}", headers=UNIT)).status_code == 200


async def test_removal_only_while_the_declaration_is_a_draft(api: ProjectsApi) -> None:
    http = api.http
    first = await uploaded(http, PDF, "责任书.pdf")
    second = await uploaded(http, png(), "纪要.png")
    project = await declare(http, first, second)
    url = f"/v1/projects/{project['id']}/declaration/attachments"

    removed = await http.delete(f"{url}/{first['file_id']}", headers=UNIT)
    assert removed.status_code == 200, removed.text
    assert [a["file_id"] for a in removed.json()["declaration"]["attachments"]] == [
        second["file_id"]
    ]
    released = await api.db["fs.files"].find_one({"filename": "责任书.pdf"})
    assert released is not None
    assert released["metadata"]["record_id"] is None

    assert (await http.post(f"/v1/projects/{project['id']}/submission", headers=UNIT)).is_success
    refused = await http.delete(f"{url}/{second['file_id']}", headers=UNIT)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_transition"
    assert "不能删除附件" in refused.json()["error"]["message"]


async def test_stage_and_weekly_reports_carry_references(
    api: ProjectsApi, infra: Endpoints
) -> None:
    http, clock = api.http, api.clock
    project = await declare(http)
    url = f"/v1/projects/{project['id']}"
    for path, headers, payload in (
        ("submission", UNIT, None),
        ("review", ABOVE, {"decision": "approve", "scores": SCORES}),
        ("filing", ABOVE, None),
        ("announcement", ABOVE, {"starts_on": "2026-01-06", "ends_on": "2026-01-12"}),
    ):
        answer = await http.post(f"{url}/{path}", json=payload, headers=headers)
        assert answer.is_success, answer.text
    clock.set(datetime(2026, 4, 10, 2, tzinfo=UTC))
    assert (await http.post(f"{url}/execution", headers=ABOVE)).is_success

    photo = await uploaded(http, png(), "现场照片.png")
    minutes = await uploaded(http, PDF, "周报附件.pdf")
    since = await end_offsets(infra.kafka_bootstrap_servers, PROJECTS.name)
    reported = await http.post(
        f"{url}/stages/2026-04/reports",
        json={"status": "partly", "percent": 40, "narrative": "摸底过半", "attachments": [photo]},
        headers=UNIT,
    )
    assert reported.status_code == 200, reported.text
    assert reported.json()["stages"][0]["attachments"] == [photo]
    weekly = await http.post(
        f"{url}/weekly-reports",
        json={
            "week": "2026-W15",
            "key_tasks": ["入户摸底"],
            "narrative": "本周摸底 30 户",
            "attachments": [minutes],
        },
        headers=UNIT,
    )
    assert weekly.status_code == 200, weekly.text
    assert weekly.json()["weekly_reports"][0]["attachments"] == [minutes]

    [record] = await collect(
        infra.kafka_bootstrap_servers,
        PROJECTS.name,
        since,
        match=lambda r: (
            r.key == project["id"].encode()
            and dict(r.headers).get("ce_type") == b"lingban.projects.stage-reported.v1"
        ),
        until=lambda found: len(found) >= 1,
    )
    event = decode_record(record.headers, record.value)
    [carried] = event.data["attachments"]
    assert carried == photo  # the reference, never the bytes
    for reference in (photo, minutes):
        stored = await api.db["fs.files"].find_one({"filename": reference["name"]})
        assert stored is not None
        assert stored["metadata"]["record_id"] == project["id"]


async def test_only_the_upload_route_takes_large_bodies(api: ProjectsApi) -> None:
    # The upload above (1 MB) went through; every other route keeps the 256 KB limit.
    large = await api.http.post("/v1/projects", json=body(problem="很" * 200_000), headers=UNIT)
    assert large.status_code == 413
    assert "256 KB" in large.json()["error"]["message"]
    assert len(PDF) > 256 * 1024
    assert (await upload(api.http, PDF, "纪要.pdf")).status_code == 201


async def test_a_request_without_a_file_says_how_to_upload(api: ProjectsApi) -> None:
    not_multipart = await api.http.post("/v1/files", json={"file": "x"}, headers=UNIT)
    assert not_multipart.status_code == 422
    assert "multipart/form-data" in not_multipart.json()["error"]["message"]
    no_file = await api.http.post(
        "/v1/files", data={"name": "x"}, files={"other": b"1"}, headers=UNIT
    )
    assert no_file.status_code == 422
    assert "没有文件" in no_file.json()["error"]["message"]
    unauthenticated = await api.http.post("/v1/files", files={"file": ("a.pdf", PDF)})
    assert unauthenticated.status_code == 401


async def test_a_record_over_its_total_cap_is_413(infra: Endpoints, database: Database) -> None:
    async with running_app(infra, database.name, file_max_record_bytes=len(PDF) + 1024) as api:
        first = await uploaded(api.http, PDF, "一.pdf")
        second = await uploaded(api.http, PDF, "二.pdf")
        refused = await api.http.post(
            "/v1/projects", json=body(attachments=[first, second]), headers=UNIT
        )
        assert refused.status_code == 413
        assert "附件总量过大" in refused.json()["error"]["message"]
        assert (await api.http.get("/v1/projects?year=2026", headers=UNIT)).json() == []
        await declare(api.http, first)  # one of them fits

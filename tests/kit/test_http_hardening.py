"""LB-09: oversized request bodies are refused with 413 before any JSON is parsed;
LB-21: a client's X-Correlation-ID is kept only when it is a short plain token;
LB-17: the interactive docs are off in production unless asked for."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import cast

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI

from lingban_contracts import Envelope, encode_record
from lingban_contracts.asyncapi import ServiceContract
from lingban_kit.consumer import EventConsumer, IncomingRecord
from lingban_kit.http import CORRELATION_HEADER, create_app
from lingban_kit.logging import correlation_id
from lingban_kit.runtime import ServiceRuntime
from lingban_kit.settings import ServiceSettings
from tests.events import project_declared

LIMIT = 256 * 1024
CHUNK = 16 * 1024
JSON = {"content-type": "application/json"}


def make_app(**settings: object) -> tuple[FastAPI, list[int]]:
    """An app whose one write route counts how often its handler ran."""
    handled: list[int] = []
    router = APIRouter()

    @router.post("/items")
    async def add_items(items: list[int]) -> dict[str, int]:
        handled.append(len(items))
        return {"count": len(items)}

    @router.get("/cid")
    async def current_cid() -> dict[str, str | None]:
        return {"cid": correlation_id.get()}

    runtime = ServiceRuntime(
        ServiceSettings(service_name="kithttp", **settings),  # type: ignore[arg-type]
        ServiceContract(service="kithttp", title="kithttp", description="test"),
    )
    return create_app(runtime, title="t", description="t", routers=[router]), handled


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kit")


def big_json(size: int) -> bytes:
    """A valid JSON array of about `size` bytes: only its size is wrong."""
    return ("[" + ",".join(["1"] * (size // 2)) + "]").encode()


async def test_a_body_over_the_limit_with_content_length_is_413_and_never_parsed() -> None:
    app, handled = make_app()
    body = big_json(LIMIT + 10_000)
    async with client(app) as http:
        response = await http.post(
            "/items", content=body, headers={"content-type": "application/json"}
        )
        english = await http.post(
            "/items",
            content=body,
            headers={"content-type": "application/json", "accept-language": "en"},
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["message"] == "请求内容过大：上限为 256 KB"
    assert english.json()["error"]["message"] == "Request body too large: the limit is 256 KB"
    assert response.headers[CORRELATION_HEADER]  # still observed like any response
    assert handled == []


async def test_a_streamed_body_without_content_length_is_cut_off_at_the_limit() -> None:
    app, handled = make_app()
    pulled = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b"["
        for _ in range(1000):  # ~16 MB if it were all read
            pulled += 1
            yield b"1," * (CHUNK // 2)
        yield b"1]"

    async with client(app) as http:
        response = await http.post(
            "/items", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert handled == []
    # Reading stopped just past the limit, not at the end of the stream.
    assert pulled <= LIMIT // CHUNK + 1


async def test_a_body_within_the_limit_is_handled() -> None:
    app, handled = make_app()
    async with client(app) as http:
        fine = await http.post("/items", content=big_json(LIMIT - 1000), headers=JSON)

        async def small() -> AsyncIterator[bytes]:
            yield b"[1,"
            yield b"2]"

        streamed = await http.post("/items", content=small(), headers=JSON)
    assert fine.status_code == 200, fine.text
    assert streamed.json() == {"count": 2}
    assert len(handled) == 2


async def test_the_limit_is_a_setting() -> None:
    app, handled = make_app(max_request_body_bytes=2048)
    async with client(app) as http:
        refused = await http.post("/items", content=big_json(3000), headers=JSON)
        accepted = await http.post("/items", content=big_json(1500), headers=JSON)
    assert refused.status_code == 413
    assert refused.json()["error"]["limit_bytes"] == 2048
    assert accepted.status_code == 200
    assert len(handled) == 1


HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    "given", ["req-1", "a.B_c-9", "x" * 64, "0f3c9d2e6b7a4c1d8e5f2a3b4c5d6e7f"]
)
async def test_a_plain_correlation_id_is_kept(given: str) -> None:
    app, _ = make_app()
    async with client(app) as http:
        response = await http.get("/cid", headers={CORRELATION_HEADER: given})
    assert response.json() == {"cid": given}
    assert response.headers[CORRELATION_HEADER] == given


@pytest.mark.parametrize(
    "given",
    [
        "A" * 15000,
        "x" * 65,
        "has space",
        "line\u2028break",
        "\u202eevil",
        "a{b}",
        'q"uote',
        "请求",
    ],
)
async def test_any_other_correlation_id_is_replaced_by_a_new_one(given: str) -> None:
    app, _ = make_app()
    async with client(app) as http:
        response = await http.get("/cid", headers=[(CORRELATION_HEADER.encode(), given.encode())])
    cid = response.json()["cid"]
    assert cid != given
    assert HEX_ID.fullmatch(cid)
    assert response.headers[CORRELATION_HEADER] == cid


class _NoProducer:
    async def send(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("nothing is dead-lettered here")


@pytest.mark.parametrize(
    ("given", "kept"), [("corr-7", True), ("A" * 15000, False), ("bad\nid", False)]
)
async def test_a_consumed_events_correlation_id_is_carried_on_only_when_plain(
    given: str, kept: bool
) -> None:
    seen: list[str | None] = []

    async def handler(event: Envelope) -> None:
        seen.append(correlation_id.get())

    event = project_declared(correlation_id=given)
    record = encode_record(event)
    consumer = EventConsumer(
        service="kitcid",
        handlers={event.type: handler},
        producer=cast(AIOKafkaProducer, _NoProducer()),
        max_attempts=1,
        backoff_seconds=0,
        outage_backoff_seconds=0.001,
        outage_backoff_max_seconds=0.002,
    )
    await consumer.handle(
        IncomingRecord(record.topic, 0, 1, record.key, record.value, record.headers)
    )
    assert seen == [given if kept else event.id]


@pytest.mark.parametrize(
    ("settings", "exposed"),
    [
        ({"lingban_env": "production"}, False),
        ({"lingban_env": "production", "lingban_expose_docs": True}, True),
        ({"lingban_env": "dev"}, True),
        ({"lingban_env": "dev", "lingban_expose_docs": False}, False),
    ],
)
async def test_docs_are_served_only_in_development_or_when_asked_for(
    settings: dict[str, object], exposed: bool
) -> None:
    app, _ = make_app(**settings)
    async with client(app) as http:
        statuses = {p: (await http.get(p)).status_code for p in DOC_PATHS}
        health = await http.get("/healthz")
    assert statuses == dict.fromkeys(DOC_PATHS, 200 if exposed else 404)
    assert health.status_code == 200  # the orchestrator's probes do not depend on it


DOC_PATHS = ("/docs", "/redoc", "/openapi.json", "/asyncapi.json")

"""A background loop that dies is visible: logged at once, /readyz 503 while it is down,
and restarted; on the real broker and database."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from pymongo.errors import InvalidOperation

from devstack.infra import Endpoints
from lingban_contracts.asyncapi import ServiceContract
from lingban_kit.http import create_app
from lingban_kit.mongo import Database
from lingban_kit.runtime import ServiceRuntime
from lingban_kit.settings import ServiceSettings

pytestmark = pytest.mark.integration


async def test_readyz_is_503_while_a_background_loop_is_down_and_200_once_it_runs_again(
    infra: Endpoints, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    service = f"bg{uuid.uuid4().hex[:6]}"
    died = asyncio.Event()
    restarted = asyncio.Event()
    runs = 0

    async def consume(runtime: ServiceRuntime) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            died.set()
            raise RuntimeError("commit failed: the group rebalanced")
        restarted.set()
        await asyncio.Event().wait()  # runs until cancelled

    settings = ServiceSettings(
        service_name=service,
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database.name,
        background_restart_seconds=1.0,
    )
    runtime = ServiceRuntime(
        settings,
        ServiceContract(service=service, title=service, description="test"),
        background=[consume],
    )
    app = create_app(runtime, title=service, description="test")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
            await asyncio.wait_for(died.wait(), 10)
            down = await client.get("/readyz")
            assert "background task died" in caplog.text  # logged when it died
            await asyncio.wait_for(restarted.wait(), 10)
            up = await client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"]["background"].startswith(f"error: {service}-consume-0 stopped")
    assert (down.json()["checks"]["mongodb"], down.json()["checks"]["kafka"]) == ("ok", "ok")
    assert up.status_code == 200
    assert up.json()["checks"] == {"mongodb": "ok", "kafka": "ok"}


async def test_a_stuck_shutdown_step_is_logged_and_the_others_still_run(
    infra: Endpoints,
    database: Database,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A shutdown must end: a step that hangs is named in the log, the next steps still run."""
    import lingban_kit.runtime as runtime_module

    monkeypatch.setattr(runtime_module, "STOP_STEP_SECONDS", 0.2)
    service = f"st{uuid.uuid4().hex[:6]}"
    settings = ServiceSettings(
        service_name=service,
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database.name,
    )
    runtime = ServiceRuntime(
        settings, ServiceContract(service=service, title=service, description="test")
    )
    await runtime.start()
    stuck = asyncio.Event()

    async def stuck_stop() -> None:
        stuck.set()
        await asyncio.Event().wait()  # never ends by itself

    monkeypatch.setattr(runtime.supervisor, "stop", stuck_stop)
    await asyncio.wait_for(runtime.stop(), 10)
    assert stuck.is_set()
    assert "shutdown step did not finish" in caplog.text
    assert any(getattr(r, "step", None) == "background loops" for r in caplog.records)
    # The later steps ran: the database client is closed.
    with pytest.raises(InvalidOperation):
        await runtime.mongo_client.admin.command("ping")


async def test_a_broker_outage_leaves_the_service_ready_but_degraded(
    infra: Endpoints, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R18: commands still land in the outbox while Kafka is away, so pods stay in service."""
    service = f"kd{uuid.uuid4().hex[:6]}"
    settings = ServiceSettings(
        service_name=service,
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database.name,
    )
    runtime = ServiceRuntime(
        settings, ServiceContract(service=service, title=service, description="test")
    )
    app = create_app(runtime, title=service, description="test")
    async with app.router.lifespan_context(app):

        async def unreachable(**_: object) -> bool:
            return False

        monkeypatch.setattr(runtime.broker, "ping", unreachable)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
            response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["kafka"].startswith("degraded: unreachable")
    assert response.json()["checks"]["mongodb"] == "ok"

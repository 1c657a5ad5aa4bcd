"""The platform as separate processes, for breaking things on purpose (issue 15).

Its own ports (LINGBAN_FAULTS_PORT_OFFSET, default 14000), its own databases and
consumer groups (started at the end of the shared topics), and an SMS gateway
stand-in, so what it counts is what this run's services did.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from devstack import processes
from devstack.infra import Endpoints
from devstack.services import SERVICES, ServiceSpec, start_services, stop_services
from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.registry import REGISTRY
from lingban_kit.auth import DEV_JWT_SECRET
from lingban_kit.testing import group_at_end
from tests.sinks import Receiver, serve_receiver

PROFILE = "test-faults"
PORT_OFFSET = int(os.environ.get("LINGBAN_FAULTS_PORT_OFFSET", "14000"))
SPECS = tuple(ServiceSpec(s.name, s.module, s.port + PORT_OFFSET) for s in SERVICES)


def consumed_topics(service: str) -> list[str]:
    """The topics a service's consumer group reads, from its published contract."""
    contract: ServiceContract = importlib.import_module(f"lingban_{service}.contract").CONTRACT
    return sorted({REGISTRY.for_type(t).topic.name for t in contract.receives})


@dataclass
class Platform:
    urls: dict[str, str]
    groups: dict[str, str]
    sms: Receiver
    infra: Endpoints
    env: dict[str, str]

    async def kill(self, name: str) -> None:
        """kill -9: no shutdown hook runs, nothing is flushed or released."""
        record = processes.running(PROFILE, name)
        assert record is not None, f"{name} is not running"
        # The signal is delivered asynchronously: wait until the process has exited
        # (its pidfd turns readable), or a restart right after would take it for running.
        handle = os.pidfd_open(record.pid)
        exited = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_reader(handle, exited.set)
        try:
            os.kill(record.pid, signal.SIGKILL)
            await asyncio.wait_for(exited.wait(), 30)
        finally:
            loop.remove_reader(handle)
            os.close(handle)

    async def restart_dead(self) -> None:
        """What an orchestrator does: start what is not running, wait until ready."""
        await asyncio.to_thread(start_services, PROFILE, self.infra, SPECS, self.env)


@pytest.fixture(scope="module")
def sms() -> Iterator[Receiver]:
    receiver, server = serve_receiver("sms")
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
async def platform(infra: Endpoints, sms: Receiver) -> AsyncIterator[Platform]:
    run = uuid.uuid4().hex[:8]
    groups = {spec.name: f"lingban-{spec.name}-faults-{run}" for spec in SPECS}
    env = {
        "LINGBAN_AUTH_JWT_SECRET": DEV_JWT_SECRET,
        "LINGBAN_ENV": "dev",
        "LINGBAN_NOTIFICATIONS_SMS_URL": sms.url,
        "LINGBAN_NOTIFICATIONS_DISPATCH_SECONDS": "1",
    }
    bootstrap = infra.kafka_bootstrap_servers
    for spec in SPECS:
        env[f"{spec.env_prefix}MONGODB_DATABASE"] = f"lingban_faults_{run}_{spec.name}"
        env[f"{spec.env_prefix}CONSUMER_GROUP"] = groups[spec.name]
    # This run's groups start at the end of the shared topics: they see this run only.
    for spec in SPECS:
        if consumed := consumed_topics(spec.name):
            await group_at_end(bootstrap, groups[spec.name], consumed)
    urls = await asyncio.to_thread(start_services, PROFILE, infra, SPECS, env)
    try:
        yield Platform(urls, groups, sms, infra, env)
    finally:
        await asyncio.to_thread(stop_services, PROFILE, SPECS)

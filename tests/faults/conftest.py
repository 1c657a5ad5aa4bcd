"""The platform as separate processes on servers of its own, for breaking things on purpose
(issue 15).

Its own Kafka and database (devstack profile `faults`, the test ports moved up by
10: killing or freezing the servers every other test shares would break those
tests), its own service ports (LINGBAN_FAULTS_PORT_OFFSET, default 14000), fresh
databases and consumer groups per run, and an SMS gateway stand-in, so what it
counts is what this run's services did.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import httpx
import pytest

from devstack import processes
from devstack.infra import Endpoints, ensure_infra, stop_infra
from devstack.profiles import FAULTS
from devstack.services import SERVICES, ServiceSpec, start_services, stop_services
from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.registry import REGISTRY
from lingban_kit.auth import DEV_JWT_SECRET, Role
from tests import topic_namespace
from tests.auth import auth
from tests.sinks import Receiver, serve_receiver

SERVICES_PROFILE = "test-faults"  # where the services' pid and log files go
PORT_OFFSET = int(os.environ.get("LINGBAN_FAULTS_PORT_OFFSET", "14000"))
SPECS = tuple(ServiceSpec(s.name, s.module, s.port + PORT_OFFSET) for s in SERVICES)
# Second replicas listen 100 ports above the first ones.
REPLICA_PORT_SHIFT = 100


@dataclass(frozen=True)
class ReplicaSpec(ServiceSpec):
    """A second process of a service: its own pid/log name and port, the service's
    settings (same database, same consumer group), as a second pod would have."""

    of: str = ""

    @property
    def env_prefix(self) -> str:
        return f"LINGBAN_{self.of.upper()}_"

    @property
    def principal(self) -> str:
        return self.of


def replica_of(spec: ServiceSpec) -> ReplicaSpec:
    return ReplicaSpec(f"{spec.name}-b", spec.module, spec.port + REPLICA_PORT_SHIFT, of=spec.name)


REPLICAS = tuple(replica_of(spec) for spec in SPECS)
# devstack's names for the servers of a profile (their pid files).
KAFKA, DATABASE_FRONT, DATABASE = "kafka", "mongo", "postgres"


def consumed_topics(service: str) -> list[str]:
    """The topics a service's consumer group reads, from its published contract."""
    contract: ServiceContract = importlib.import_module(f"lingban_{service}.contract").CONTRACT
    return sorted({REGISTRY.for_type(t).topic.name for t in contract.receives})


async def _kill_group(profile: str, name: str, sig: signal.Signals) -> int:
    """Send `sig` to a server's whole process group (PostgreSQL has one process per
    connection); for SIGKILL, wait until its main process has exited."""
    record = processes.running(profile, name)
    assert record is not None, f"{name} is not running"
    if sig is not signal.SIGKILL:
        os.killpg(os.getpgid(record.pid), sig)
        return record.pid
    # The signal is delivered asynchronously: wait until the process has exited (its
    # pidfd turns readable), or a restart right after would take it for running.
    handle = os.pidfd_open(record.pid)
    exited = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(handle, exited.set)
    try:
        os.killpg(os.getpgid(record.pid), sig)
        await asyncio.wait_for(exited.wait(), 30)
    finally:
        loop.remove_reader(handle)
        os.close(handle)
    return record.pid


@dataclass
class Platform:
    urls: dict[str, str]
    groups: dict[str, str]
    sms: Receiver
    infra: Endpoints
    env: dict[str, str]
    # Each service's URLs as a load balancer sees them (the first replica first).
    replica_urls: dict[str, list[str]] = field(default_factory=dict)

    def all_urls(self, name: str) -> list[str]:
        return self.replica_urls.get(name) or [self.urls[name]]

    def served_by(self, urls: Mapping[str, str]) -> Platform:
        """The same platform, read through other replicas (after the first ones died)."""
        return replace(self, urls={**self.urls, **urls})

    async def kill(self, name: str) -> None:
        """kill -9 of a service: no shutdown hook runs, nothing is flushed or released."""
        await _kill_group(SERVICES_PROFILE, name, signal.SIGKILL)

    async def restart_dead(self, extra_env: Mapping[str, str] | None = None) -> None:
        """What an orchestrator does: start what is not running, wait until ready."""
        env = {**self.env, **(extra_env or {})}
        await asyncio.to_thread(start_services, SERVICES_PROFILE, self.infra, SPECS, env)

    async def stop(self, specs: Sequence[ServiceSpec]) -> None:
        """Stop them the way a scale-down or a deploy does (SIGTERM: leases released)."""
        await asyncio.to_thread(stop_services, SERVICES_PROFILE, specs)

    async def start_replicas(
        self, replicas: Sequence[ReplicaSpec], extra_env: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """Start a second replica of each named service; their URLs by service name."""
        env = {**self.env, **(extra_env or {})}
        urls = await asyncio.to_thread(start_services, SERVICES_PROFILE, self.infra, replicas, env)
        for replica in replicas:
            self.replica_urls[replica.of] = [self.urls[replica.of], urls[replica.name]]
        return {replica.of: urls[replica.name] for replica in replicas}

    async def kill_broker(self) -> None:
        await _kill_group(FAULTS, KAFKA, signal.SIGKILL)

    async def kill_database(self) -> None:
        await _kill_group(FAULTS, DATABASE, signal.SIGKILL)
        await _kill_group(FAULTS, DATABASE_FRONT, signal.SIGKILL)

    async def restart_servers(self) -> None:
        """Start the broker and the database again where they were killed (same data)."""
        await asyncio.to_thread(ensure_infra, FAULTS)

    @contextlib.asynccontextmanager
    async def frozen_database(self) -> AsyncIterator[None]:
        """The database stops answering without closing anything (SIGSTOP), then resumes."""
        frozen = [
            await _kill_group(FAULTS, name, signal.SIGSTOP) for name in (DATABASE, DATABASE_FRONT)
        ]
        try:
            yield
        finally:
            for pid in frozen:
                os.killpg(os.getpgid(pid), signal.SIGCONT)


@pytest.fixture(scope="session")
def faults_infra() -> Iterator[Endpoints]:
    endpoints = ensure_infra(FAULTS)
    # Not exported to os.environ (tests/conftest.py exports the test broker's admin
    # there, for every other test): this suite's own clients pass it explicitly
    # (tests/faults/lag.py), and its services get their principals from devstack.
    # The run's topic namespace (tests/conftest.py) is provisioned on this broker too:
    # the services started here inherit LINGBAN_TOPIC_NAMESPACE.
    with topic_namespace.provisioned(FAULTS, endpoints):
        yield endpoints
    if not os.environ.get("LINGBAN_KEEP_INFRA"):
        stop_infra(FAULTS)


@pytest.fixture(scope="module")
def sms() -> Iterator[Receiver]:
    receiver, server = serve_receiver("sms")
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
async def platform(faults_infra: Endpoints, sms: Receiver) -> AsyncIterator[Platform]:
    from tests.faults.lag import start_at_end

    run = uuid.uuid4().hex[:8]
    groups = {spec.name: f"lingban-{spec.name}-faults-{run}" for spec in SPECS}
    env = {
        "LINGBAN_AUTH_JWT_SECRET": DEV_JWT_SECRET,
        "LINGBAN_ENV": "dev",
        "LINGBAN_NOTIFICATIONS_SMS_URL": sms.url,
        "LINGBAN_NOTIFICATIONS_DISPATCH_SECONDS": "1",
    }
    for spec in SPECS:
        env[f"{spec.env_prefix}MONGODB_DATABASE"] = f"lingban_faults_{run}_{spec.name}"
        env[f"{spec.env_prefix}CONSUMER_GROUP"] = groups[spec.name]
    # This run's groups start at the end of the topics: they see this run only.
    for spec in SPECS:
        if consumed := consumed_topics(spec.name):
            await start_at_end(faults_infra, groups[spec.name], consumed)
    urls = await asyncio.to_thread(start_services, SERVICES_PROFILE, faults_infra, SPECS, env)
    try:
        yield Platform(urls, groups, sms, faults_infra, env)
    finally:
        await asyncio.to_thread(stop_services, SERVICES_PROFILE, (*SPECS, *REPLICAS))


@pytest.fixture(scope="module")
async def contacts_stored(platform: Platform) -> None:
    """The villages' secretaries, who get the notices the workload causes."""
    from tests.faults.workload import CITY, contacts

    async with httpx.AsyncClient(timeout=30) as http:
        stored = await http.put(
            f"{platform.urls['notifications']}/v1/contacts",
            json=contacts(),
            headers=auth(Role.CITY_ORG, CITY),
        )
        assert stored.status_code == 200, stored.text

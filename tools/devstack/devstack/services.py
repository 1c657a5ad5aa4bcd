"""The four Lingban services as local processes: `python -m lingban_<name>` each."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from devstack import paths, probes, processes
from devstack.console import say
from devstack.errors import DevstackError
from devstack.infra import Endpoints

HOST = "127.0.0.1"
# A first start after an upgrade backfills new fields into existing data (see
# lingban_kit.migrations) before it answers; a year of demo data takes a minute
# or two on two cores.
READY_TIMEOUT_SECONDS = 300.0
STILL_WAITING_EVERY_SECONDS = 15.0


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # "projects": the pid/log file name and the LINGBAN_<NAME>_ settings prefix
    module: str  # run as `python -m <module>`
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def env_prefix(self) -> str:
        return f"LINGBAN_{self.name.upper()}_"

    @property
    def principal(self) -> str:
        """Its Kafka principal (the fault suite's second replicas share their service's)."""
        return self.name


SERVICES = (
    ServiceSpec("projects", "lingban_projects", 8001),
    ServiceSpec("supervision", "lingban_supervision", 8002),
    ServiceSpec("notifications", "lingban_notifications", 8003),
    ServiceSpec("reporting", "lingban_reporting", 8004),
)


def _environment(
    spec: ServiceSpec, endpoints: Endpoints, extra_env: Mapping[str, str]
) -> dict[str, str]:
    return {
        # Each service runs as one replica here, so its own writes wake its relay
        # at once; the poll only backs up other replicas' writes and would keep
        # FerretDB (which scans whole collections for it) busy every second.
        f"{spec.env_prefix}OUTBOX_POLL_SECONDS": "10",
        **os.environ,
        **extra_env,
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
        # Each service as its own Kafka principal: its ACLs, not the admin's.
        **endpoints.kafka_env(spec.principal),
        "MONGODB_URI": endpoints.mongodb_uri,
        f"{spec.env_prefix}HOST": HOST,
        f"{spec.env_prefix}PORT": str(spec.port),
        "PYTHONUNBUFFERED": "1",  # log lines reach the log file as they happen
    }


def sources_changed_since(spec: ServiceSpec, started_at: float) -> bool:
    """Whether a Python file of the service or of the shared libraries is newer than `started_at`."""
    root = paths.repo_root()
    folders = [root / "services" / spec.name, root / "libs"]
    return any(
        source.stat().st_mtime > started_at
        for folder in folders
        if folder.is_dir()
        for source in folder.rglob("*.py")
    )


def _start(
    profile: str, spec: ServiceSpec, endpoints: Endpoints, extra_env: Mapping[str, str]
) -> processes.ProcessRecord:
    record = processes.running(profile, spec.name)
    if record is not None and sources_changed_since(spec, record.started_at):
        # After a pull or an edit, `make up` runs the code of the checkout, not what was
        # running before (it used to keep the old process until `make down`).
        say(f"restarting {spec.name}: its code changed since it started")
        processes.stop(profile, spec.name, grace=15.0)
        record = None
    if record is not None:
        return record
    if probes.port_open(HOST, spec.port):
        raise DevstackError(
            f"port {spec.port} for {spec.name} is taken by a process devstack did not start"
        )
    say(f"starting {spec.name} on {spec.base_url}")
    return processes.launch(
        profile,
        spec.name,
        [sys.executable, "-m", spec.module],
        port=spec.port,
        env=_environment(spec, endpoints, extra_env),
        cwd=paths.repo_root(),
    )


def _wait_all_ready(
    profile: str, started: dict[ServiceSpec, processes.ProcessRecord], timeout: float
) -> None:
    began = time.monotonic()
    deadline = began + timeout
    next_note = began + STILL_WAITING_EVERY_SECONDS
    waiting = dict(started)
    while waiting:
        if time.monotonic() > next_note:
            next_note += STILL_WAITING_EVERY_SECONDS
            names = ", ".join(spec.name for spec in waiting)
            say(
                f"waiting for {names} to be ready ({time.monotonic() - began:.0f} s; a first start after an upgrade migrates existing data)"
            )
        for spec, record in list(waiting.items()):
            if probes.http_ok(f"{spec.base_url}/readyz"):
                del waiting[spec]
            elif not processes.is_alive(record.pid):
                log = processes.log_path(profile, spec.name)
                raise DevstackError(
                    f"{spec.name} exited while starting; last lines of {log}:\n"
                    + processes.log_tail(log)
                )
        if waiting and time.monotonic() > deadline:
            details = "\n\n".join(
                f"{spec.name}: {spec.base_url}/readyz never answered 200; last lines of "
                f"{processes.log_path(profile, spec.name)}:\n"
                + processes.log_tail(processes.log_path(profile, spec.name))
                for spec in waiting
            )
            raise DevstackError(f"services not ready after {timeout:.0f} s\n{details}")
        if waiting:
            time.sleep(0.5)


def start_services(
    profile: str,
    endpoints: Endpoints,
    specs: Sequence[ServiceSpec] = SERVICES,
    extra_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Start (or reuse) each service and wait until every `/readyz` answers 200.

    `extra_env` is added to every service's environment (the CLI passes the dev
    token secret there). Returns each service's base URL by name.
    """
    extra = dict(extra_env or {})
    started = {spec: _start(profile, spec, endpoints, extra) for spec in specs}
    _wait_all_ready(profile, started, READY_TIMEOUT_SECONDS)
    return {spec.name: spec.base_url for spec in specs}


def stop_services(profile: str, specs: Sequence[ServiceSpec] = SERVICES) -> None:
    # Reverse start order: the last one started is the first one stopped.
    for spec in reversed(specs):
        processes.stop(profile, spec.name, grace=15.0)

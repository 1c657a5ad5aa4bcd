"""The whole platform as separate processes, the way `make up` runs it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from devstack.infra import Endpoints
from devstack.services import SERVICES, ServiceSpec, start_services, stop_services
from lingban_kit.auth import DEV_JWT_SECRET

# Away from `make up`'s 8001-8004; LINGBAN_E2E_PORT_OFFSET moves them for parallel runs.
PORT_OFFSET = int(os.environ.get("LINGBAN_E2E_PORT_OFFSET", "10000"))
TEST_SERVICES = tuple(ServiceSpec(s.name, s.module, s.port + PORT_OFFSET) for s in SERVICES)
# Where their pid and log files go: per offset, so that a second run beside this one
# (another offset) neither reuses nor stops this run's processes.
STATE = f"test-e2e-{PORT_OFFSET}"


# Module-scoped: the processes must be gone before other folders' tests run. Left up
# for the session, this platform's notifications service (its own consumer group on
# the shared topics) handled other tests' project events and published notices under
# the same deterministic ids as theirs.
@pytest.fixture(scope="module")
def platform(infra: Endpoints) -> Iterator[dict[str, str]]:
    run = uuid.uuid4().hex[:8]
    extra_env = {"LINGBAN_AUTH_JWT_SECRET": DEV_JWT_SECRET, "LINGBAN_ENV": "dev"}
    for spec in TEST_SERVICES:
        # A fresh database per run; consumer groups are per service as in production.
        extra_env[f"{spec.env_prefix}MONGODB_DATABASE"] = f"lingban_e2e_{run}_{spec.name}"
    urls = start_services(STATE, infra, TEST_SERVICES, extra_env=extra_env)
    try:
        yield urls
    finally:
        stop_services(STATE, TEST_SERVICES)

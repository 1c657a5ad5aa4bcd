"""Every pytest run has Kafka topics of its own: a fresh topic namespace (issue 11).

tests/conftest.py calls `choose()` when pytest loads it, before any test module
computes a topic name; the services the tests start as processes inherit the
variable. The session's broker fixtures (`infra`, and the fault suite's
`faults_infra` on its own broker) wrap themselves in `provisioned`: the
namespace's topics and ACLs are created with devstack's own plan, and deleted
at the end of the run unless LINGBAN_KEEP_TOPICS is set. The broker and the
database servers stay shared; databases are per test (`database` fixture).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
import warnings
from collections.abc import Iterator

from aiokafka.errors import KafkaError

from devstack import kafka
from devstack.errors import DevstackError
from devstack.infra import Endpoints
from devstack.profiles import get_profile
from lingban_contracts.access import topics_to_create
from lingban_contracts.registry import TOPIC_NAMESPACE_ENV, namespace_prefix, topic_namespace
from lingban_kit.kafka import ensure_topics, new_admin

KEEP_TOPICS_ENV = "LINGBAN_KEEP_TOPICS"
DELETE_WAIT_SECONDS = 30.0


def choose() -> str:
    """A new namespace for this run, set in the environment (any inherited one replaced:
    two runs must never share one)."""
    namespace = f"t{uuid.uuid4().hex[:8]}"
    os.environ[TOPIC_NAMESPACE_ENV] = namespace
    return namespace


@contextlib.contextmanager
def provisioned(profile: str, endpoints: Endpoints) -> Iterator[str]:
    """This run's namespace on `profile`'s broker while the block runs; yields its name."""
    namespace = topic_namespace()
    if not namespace:
        yield namespace
        return
    settings = get_profile(profile)
    # devstack's broker: its own plan, topics and grants. Servers devstack did not start
    # (KAFKA_BOOTSTRAP_SERVERS) keep their security to themselves: only the topics are
    # made, with the environment's Kafka settings, as the services would make them.
    secured = bool(endpoints.kafka_credentials)
    if secured:
        kafka.provision_namespace(settings, namespace)
    else:
        asyncio.run(ensure_topics(endpoints.kafka_bootstrap_servers, topics_to_create(), 1))
    try:
        yield namespace
    finally:
        if not os.environ.get(KEEP_TOPICS_ENV):
            try:
                if secured:
                    kafka.remove_namespace(settings, namespace)
                else:
                    asyncio.run(_delete_namespace(endpoints.kafka_bootstrap_servers, namespace))
            except (DevstackError, KafkaError) as error:
                # Cleanup only (say, a fault test left the broker down): the run's
                # results stand; the topics stay until removed by hand.
                warnings.warn(f"topic namespace {namespace} not removed: {error}", stacklevel=1)


async def _delete_namespace(bootstrap: str, namespace: str) -> None:
    prefix = namespace_prefix(namespace)
    admin = new_admin(bootstrap)
    await admin.start()
    try:
        names = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
        # Deleting is asynchronous on the broker: done when the listing says so.
        deadline = time.monotonic() + DELETE_WAIT_SECONDS
        while any(name.startswith(prefix) for name in await admin.list_topics()):
            if time.monotonic() > deadline:
                raise KafkaError(
                    f"topics under {prefix} still listed after {DELETE_WAIT_SECONDS} s"
                )
            await asyncio.sleep(0.2)
    finally:
        await admin.close()

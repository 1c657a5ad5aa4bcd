"""Kafka and the database for a profile: reuse external ones, or provision and start ours."""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from devstack import kafka, kafka_access, mongo, processes
from devstack.console import say
from devstack.errors import DevstackError
from devstack.profiles import get_profile


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap_servers: str
    mongodb_uri: str  # e.g. "mongodb://127.0.0.1:27018/"
    started: bool  # whether this call started anything (so the caller may stop it)
    # SCRAM user -> password of our broker's principals; empty for external servers,
    # whose clients take their KAFKA_SECURITY_* / KAFKA_SASL_* settings from the environment.
    kafka_credentials: Mapping[str, str] = field(default_factory=dict, repr=False)

    def kafka_env(self, principal: str) -> dict[str, str]:
        """The Kafka client settings (lingban_kit.kafka_security variables) of `principal`."""
        if not self.kafka_credentials:
            return {}
        return kafka_access.client_env(principal, self.kafka_credentials[principal])


def external_endpoints() -> Endpoints | None:
    """The servers named by the environment, when both are (CI services, a shared cluster)."""
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    uri = os.environ.get("MONGODB_URI", "").strip()
    if bootstrap and uri:
        return Endpoints(kafka_bootstrap_servers=bootstrap, mongodb_uri=uri, started=False)
    return None


def _result(
    future: Future[tuple[processes.ProcessRecord, bool]],
) -> tuple[processes.ProcessRecord | None, bool, str | None]:
    try:
        record, started = future.result()
    except DevstackError as error:
        return None, False, str(error)
    return record, started, None


def ensure_infra(profile: str) -> Endpoints:
    """Kafka and the database of `profile`, running and answering; started only if needed.

    Raises DevstackError (with the failing server's log tail) if either does not
    come up within about two minutes of being launched.
    """
    external = external_endpoints()
    if external is not None:
        return external
    settings = get_profile(profile)
    # In parallel: on a cold machine the FerretDB build and the Kafka download
    # and start overlap instead of adding up.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="devstack") as pool:
        kafka_future = pool.submit(kafka.ensure_running, settings)
        mongo_future = pool.submit(mongo.ensure_running, settings)
        kafka_record, kafka_started, kafka_error = _result(kafka_future)
        mongo_record, mongo_started, mongo_error = _result(mongo_future)
    errors = [error for error in (kafka_error, mongo_error) if error]
    if errors or kafka_record is None or mongo_record is None:
        # Leave nothing behind that this call started: the caller gets no
        # Endpoints, so it could never stop them.
        if kafka_started:
            kafka.stop(profile)
        if mongo_started:
            mongo.stop(profile)
        raise DevstackError("\n\n".join(errors))
    credentials: Mapping[str, str] = {}
    if kafka.runs_secured(settings):
        credentials = kafka_access.load_or_create(profile).passwords
    else:
        say(
            f"the running Kafka of profile {profile!r} was started without SASL and ACLs; "
            f"stop it (python -m devstack infra-down --profile {profile}) to restart it secured"
        )
    return Endpoints(
        kafka_bootstrap_servers=f"{kafka.HOST}:{kafka_record.port}",
        mongodb_uri=f"mongodb://{mongo.HOST}:{mongo_record.port}/",
        started=kafka_started or mongo_started,
        kafka_credentials=credentials,
    )


def stop_infra(profile: str) -> None:
    """Stop the Kafka and database processes devstack started for `profile`, if any."""
    get_profile(profile)  # reject unknown profile names early
    kafka.stop(profile)
    mongo.stop(profile)

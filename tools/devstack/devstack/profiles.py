"""The port sets: `dev` for `make up`, `test` for the test suite, so both can run at once,
and `faults` for the fault suite, whose servers are killed and frozen on purpose."""

from __future__ import annotations

import os
from dataclasses import dataclass

from devstack.errors import DevstackError


# Every default port lies below Linux's ephemeral range (32768–60999): a server
# (re)started on a port in it may find an outgoing connection holding it ("Address
# already in use"), which the fault suite, restarting PostgreSQL, would hit at random.
@dataclass(frozen=True)
class Profile:
    name: str
    kafka_port: int
    kafka_controller_port: int
    mongo_port: int
    postgres_port: int  # behind FerretDB; never used by the services directly
    gateway_port: int  # nginx in front of the workbench and the services
    durable: bool  # False for throw-away test data: PostgreSQL skips fsync


_DEFAULTS = {
    "dev": Profile(
        "dev",
        kafka_port=9092,
        kafka_controller_port=9093,
        mongo_port=27017,
        postgres_port=15432,
        gateway_port=8000,
        durable=True,
    ),
    "test": Profile(
        "test",
        kafka_port=19092,
        kafka_controller_port=19093,
        mongo_port=27018,
        postgres_port=15433,
        gateway_port=18000,
        durable=False,
    ),
}
# The fault suite's own Kafka and database (tests/faults kills and freezes them, so
# they cannot be the ones every other test shares): the test ports moved up by 10,
# after the test ports' own overrides, so parallel runs stay apart.
FAULTS = "faults"
FAULTS_PORT_SHIFT = 10
PROFILE_NAMES = (*_DEFAULTS, FAULTS)


def _port_from_env(variable: str, default: int) -> int:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise DevstackError(f"{variable}={raw!r} is not a TCP port number")
    return int(raw)


def get_profile(name: str) -> Profile:
    """The profile's ports, with DEVSTACK_{KAFKA,MONGO,POSTGRES,GATEWAY}_PORT overrides applied."""
    if name == FAULTS:
        test = get_profile("test")
        shift = FAULTS_PORT_SHIFT
        return Profile(
            name=FAULTS,
            kafka_port=test.kafka_port + shift,
            kafka_controller_port=test.kafka_controller_port + shift,
            mongo_port=test.mongo_port + shift,
            postgres_port=test.postgres_port + shift,
            gateway_port=test.gateway_port + shift,
            durable=False,
        )
    try:
        base = _DEFAULTS[name]
    except KeyError:
        raise DevstackError(
            f"unknown profile {name!r}; choose one of {', '.join(PROFILE_NAMES)}"
        ) from None
    kafka_port = _port_from_env("DEVSTACK_KAFKA_PORT", base.kafka_port)
    # A moved broker port drags the controller port along, so that a single
    # override is enough to run next to another Kafka.
    controller_default = (
        base.kafka_controller_port if kafka_port == base.kafka_port else kafka_port + 1
    )
    return Profile(
        name=name,
        kafka_port=kafka_port,
        kafka_controller_port=_port_from_env("DEVSTACK_KAFKA_CONTROLLER_PORT", controller_default),
        mongo_port=_port_from_env("DEVSTACK_MONGO_PORT", base.mongo_port),
        postgres_port=_port_from_env("DEVSTACK_POSTGRES_PORT", base.postgres_port),
        gateway_port=_port_from_env("DEVSTACK_GATEWAY_PORT", base.gateway_port),
        durable=base.durable,
    )

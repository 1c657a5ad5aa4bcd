"""The servers' default ports: apart per profile, and outside the ephemeral range."""

from __future__ import annotations

import dataclasses

import pytest

from devstack.profiles import PROFILE_NAMES, get_profile

# Linux's default net.ipv4.ip_local_port_range: outgoing connections take their local
# port from here, so a server started on one of these may find it taken.
EPHEMERAL = range(32768, 61000)
PORT_VARIABLES = (
    "DEVSTACK_KAFKA_PORT",
    "DEVSTACK_KAFKA_CONTROLLER_PORT",
    "DEVSTACK_MONGO_PORT",
    "DEVSTACK_POSTGRES_PORT",
    "DEVSTACK_GATEWAY_PORT",
)


def default_ports(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    for variable in PORT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    return {
        name: [
            value
            for field, value in dataclasses.asdict(get_profile(name)).items()
            if field.endswith("_port")
        ]
        for name in PROFILE_NAMES
    }


def test_no_default_port_is_in_the_ephemeral_range(monkeypatch: pytest.MonkeyPatch) -> None:
    ports = default_ports(monkeypatch)
    assert {name: [p for p in found if p in EPHEMERAL] for name, found in ports.items()} == {
        name: [] for name in PROFILE_NAMES
    }


def test_the_profiles_share_no_port(monkeypatch: pytest.MonkeyPatch) -> None:
    every = [p for found in default_ports(monkeypatch).values() for p in found]
    assert len(every) == len(set(every))

"""Every event a service says it consumes is one some service produces, and vice versa.

The services' contracts (`lingban_<service>.contract.CONTRACT`) are what their
AsyncAPI documents publish; the registry is the catalogue of what is produced.
A consumer that expects a type nobody emits (a renamed event, a typo) or a
producer that emits a type nobody inside the platform reads and that is not
declared as published for outside systems only, fails here, not in production.
"""

from __future__ import annotations

import importlib

import pytest

from lingban_contracts import REGISTRY
from lingban_contracts.asyncapi import ServiceContract
from lingban_contracts.events import supervision as sv
from lingban_contracts.registry import event_type

SERVICES = ("projects", "supervision", "notifications", "reporting")
# Produced for other government systems and the audit trail only: no service of
# ours folds them (supervision groups and draws are read through the supervision API).
PUBLISHED_FOR_OUTSIDE_ONLY = {
    event_type(sv.SampleDrawn),
    event_type(sv.SampleDisclosed),
}


def contract(service: str) -> ServiceContract:
    found = importlib.import_module(f"lingban_{service}.contract").CONTRACT
    assert isinstance(found, ServiceContract)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_consumes_only_types_that_are_produced(service: str) -> None:
    produced = {spec.type for spec in REGISTRY}
    unknown = set(contract(service).receives) - produced
    assert not unknown, f"{service} expects events nobody emits: {sorted(unknown)}"


def test_every_produced_type_is_consumed_or_declared_for_outside_systems() -> None:
    consumed = {t for s in SERVICES for t in contract(s).receives}
    produced = {spec.type for spec in REGISTRY}
    unread = produced - consumed - PUBLISHED_FOR_OUTSIDE_ONLY
    assert not unread, f"events no service reads: {sorted(unread)}"
    stale = PUBLISHED_FOR_OUTSIDE_ONLY & consumed
    assert not stale, f"declared outside-only but consumed: {sorted(stale)}"

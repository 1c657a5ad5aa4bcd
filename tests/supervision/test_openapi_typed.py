"""Every /v1 route of supervision documents its success answer as a model, and no model
leaks what the service stores only for itself (the outbox, query-only fields).

A web front end generates its client from the OpenAPI document: an answer typed
`dict[str, Any]` gives it nothing to generate from.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pydantic import BaseModel

from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG
from lingban_kit.regions import REGION_PATH
from lingban_supervision.aggregate import Aggregate
from lingban_supervision.app import create_app
from lingban_supervision.groups.domain import Group
from lingban_supervision.groups.schemas import GroupOut
from lingban_supervision.inspections.domain import RECTIFICATION_OPEN, Inspection
from lingban_supervision.inspections.schemas import InspectionOut
from lingban_supervision.problems.domain import Problem
from lingban_supervision.problems.schemas import ProblemOut
from lingban_supervision.sampling.domain import Sample
from lingban_supervision.sampling.schemas import SampleOut
from lingban_supervision.visits.domain import Visit
from lingban_supervision.visits.schemas import VisitOut

METHODS = {"get", "post", "put", "patch", "delete"}
REF_PREFIX = "#/components/schemas/"
# Stored beside an aggregate's state for the outbox relay and for indexed queries only.
INTERNAL = {
    OUTBOX_FIELD,
    PENDING_FLAG,
    REGION_PATH,
    RECTIFICATION_OPEN,
    "_id",
    "pending_events",
    "correlation_id",
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app().openapi()


def v1_successes(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`METHOD path status` → the answer, for every 2xx answer of a /v1 route."""
    found: dict[str, dict[str, Any]] = {}
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            successes = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
            assert successes, f"{method.upper()} {path}: no 2xx answer documented"
            for status, answer in successes.items():
                if "application/json" not in answer.get("content", {"application/json": {}}):
                    continue  # a file's bytes (GET /v1/files/…), not a model
                found[f"{method.upper()} {path} {status}"] = answer
    return found


def model_ref(answer: dict[str, Any]) -> str | None:
    """The component a JSON answer is, or is an array of; None when it is neither."""
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    if schema.get("type") == "array":
        schema = schema.get("items", {})
    ref = schema.get("$ref")
    return ref.removeprefix(REF_PREFIX) if isinstance(ref, str) else None


def reachable(spec: dict[str, Any], names: set[str]) -> set[str]:
    """The components `names` are made of, transitively."""
    components = spec["components"]["schemas"]
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        stack: list[Any] = [components[name]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    todo.append(ref.removeprefix(REF_PREFIX))
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return seen


def test_every_v1_route_answers_a_named_model(spec: dict[str, Any]) -> None:
    successes = v1_successes(spec)
    assert len(successes) >= 26
    components = spec["components"]["schemas"]
    untyped = [where for where, answer in successes.items() if model_ref(answer) is None]
    assert untyped == []
    empty = [
        where
        for where, answer in successes.items()
        if not components[str(model_ref(answer))].get("properties")
    ]
    assert empty == []


def test_no_answer_documents_a_stored_only_field(spec: dict[str, Any]) -> None:
    roots = {str(model_ref(a)) for a in v1_successes(spec).values()}
    components = spec["components"]["schemas"]
    leaked = {
        f"{name}.{field}"
        for name in reachable(spec, roots)
        for field in components[name].get("properties", {})
        if field in INTERNAL
    }
    assert leaked == set()


@pytest.mark.parametrize(
    ("aggregate", "out", "derived"),
    [
        # `withheld`: set by the public view of leaders and subscribers (LB-14).
        (Group, GroupOut, {"departments", "member_count", "withheld"}),
        (Sample, SampleOut, {"drawn_project_ids"}),
        (Inspection, InspectionOut, {"announced", "on_site", "rectification_overdue"}),
        (Problem, ProblemOut, {"verified_above", "withheld"}),
        (Visit, VisitOut, {"four_must_visits", "problem_ids", "withheld"}),
    ],
)
def test_an_aggregate_answers_its_whole_state_and_nothing_stored_only(
    aggregate: type[Aggregate], out: type[BaseModel], derived: set[str]
) -> None:
    """A field added to an aggregate must be added to its answer (or left out here on purpose)."""
    state = {f.name for f in dataclasses.fields(aggregate)} - {"pending_events", "correlation_id"}
    assert set(out.model_fields) == state | derived

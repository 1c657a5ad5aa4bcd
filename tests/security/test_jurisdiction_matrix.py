"""The jurisdiction matrix: every route of every service's committed OpenAPI document ×
every role × a caller in the records' own region and one in the sibling township.

Per route (the expectations per route: tests/security/expectations.py):
1. no answer is a 5xx;
2. without a token every /v1 route answers 401;
3. leader and subscriber never write (401/403/404/405);
4. a region-B caller naming a region-A record (path id, `?region=`, body unit) gets
   the table's refusal (404 for a record, 403 for a region), never 2xx;
5. no 2xx answer to a region-B caller holds the id of a region-A record.

A route missing from the table fails here, so a new route cannot escape the matrix.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from devstack.infra import Endpoints
from lingban_kit.auth import Role
from tests.auth import auth
from tests.security.expectations import TABLE, Rule, path_value, png, query_values
from tests.security.openapi_routes import Route, all_routes, load_document, routes_of, uncovered
from tests.security.regions import OTHER, OWN, ROLES, TOWNSHIP_A, VILLAGE_A
from tests.security.world import World, world

pytestmark = pytest.mark.integration

ROUTES = all_routes()
READ_ONLY_ROLES = (Role.LEADER, Role.SUBSCRIBER)
REFUSED_WRITE = {401, 403, 404, 405}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
async def matrix(infra: Endpoints) -> AsyncIterator[World]:
    async with world(infra) as started:
        yield started


def rule_of(route: Route) -> Rule:
    rule = TABLE.get(route.service, {}).get(route.key)
    if rule is None:
        pytest.fail(
            f"{route} is not in the jurisdiction matrix: add it to "
            f"tests/security/expectations.py ({route.service.upper()}) with what a caller "
            "of another region gets"
        )
    return rule


def request_of(route: Route, rule: Rule, w: World) -> dict[str, Any]:
    """URL, query and body of the route, naming region A's records."""
    url = re.sub(r"\{(\w+)\}", lambda m: path_value(route.service, m[1], w.records), route.path)
    values = query_values(w.records)
    names = [
        p["name"] for p in route.parameters("query") if p["name"] == "region" or p.get("required")
    ]
    if unknown := [n for n in names if n not in values]:
        pytest.fail(f"{route}: add a value for the query {unknown} to expectations.query_values")
    params = {name: values[name] for name in names}
    request: dict[str, Any] = {"method": route.method, "url": url, "params": params}
    if rule.body is not None:
        request["json"] = rule.body(w.records)
    if rule.upload:
        if route.path == "/v1/contacts/import":
            request["files"] = {"file": ("联系人.xlsx", w.import_sheet, XLSX)}
        else:
            request["files"] = {"file": ("现场.png", png(), "image/png")}
    return request


def leaked(answer: httpx.Response, w: World) -> list[str]:
    text = answer.text
    return [ident for ident in w.records.ids() if ident in text]


# ---- the table covers every route --------------------------------------------------------
def test_every_route_of_the_openapi_documents_is_in_the_table() -> None:
    missing = uncovered(ROUTES, TABLE)
    assert not missing, (
        "routes without a jurisdiction expectation; add them to "
        f"tests/security/expectations.py: {missing}"
    )
    stale = [
        f"{service} {method} {path}"
        for service, rules in TABLE.items()
        for method, path in rules
        if (method, path) not in {r.key for r in ROUTES if r.service == service}
    ]
    assert not stale, f"table entries for routes no document has any more: {stale}"


def test_a_route_added_to_a_document_is_reported_as_uncovered() -> None:
    document = copy.deepcopy(load_document("supervision"))
    document["paths"]["/v1/made-up/{thing_id}"] = {"delete": {"responses": {}}}
    document["paths"]["/v1/problems"]["patch"] = {"responses": {}}
    routes = routes_of("supervision", document)
    assert uncovered(routes, TABLE) == [
        "supervision PATCH /v1/problems",
        "supervision DELETE /v1/made-up/{thing_id}",
    ]
    # The matrix itself fails such a route, telling where to add it.
    [made_up] = [r for r in routes if r.path == "/v1/made-up/{thing_id}"]
    with pytest.raises(
        pytest.fail.Exception, match=re.escape("add it to tests/security/expectations.py")
    ):
        rule_of(made_up)


# ---- region A's records are there (else a 404 elsewhere would prove nothing) ------------
def _names_a_record(route: Route) -> bool:
    rule = TABLE.get(route.service, {}).get(route.key)
    return rule is not None and rule.other is not None


READ_BY_ID = [
    r for r in ROUTES if r.method == "GET" and r.parameters("path") and _names_a_record(r)
]


@pytest.mark.parametrize("route", READ_BY_ID, ids=str)
async def test_region_a_reads_its_own_record(matrix: World, route: Route) -> None:
    rule = rule_of(route)
    request = request_of(route, rule, matrix)
    # The unit's own township sees everything of its village.
    answer = await matrix.clients[route.service].request(
        **request, headers=auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP_A)
    )
    assert answer.status_code == 200, f"{route}: {answer.status_code} {answer.text[:300]}"


# ---- the matrix -------------------------------------------------------------------------
async def answers(
    http: httpx.AsyncClient,
    request: dict[str, Any],
    callers: list[tuple[Role, str]],
    *,
    together: bool,
) -> list[httpx.Response]:
    """Each caller's answer; at once where the calls cannot change what the others see."""
    calls = [http.request(**request, headers=auth(role, region)) for role, region in callers]
    if together:
        return list(await asyncio.gather(*calls))
    return [await call for call in calls]


@pytest.mark.parametrize("route", ROUTES, ids=str)
async def test_route_by_every_role_in_own_and_other_region(matrix: World, route: Route) -> None:
    rule = rule_of(route)
    http = matrix.clients[route.service]
    request = request_of(route, rule, matrix)
    failures: list[str] = []

    anonymous = await http.request(**request)
    if anonymous.status_code >= 500:
        failures.append(f"no token: {anonymous.status_code} {anonymous.text[:200]}")
    elif not rule.public and anonymous.status_code != 401:
        failures.append(f"no token: {anonymous.status_code}, expected 401")

    # The other region first, while region A's records are as made (its calls are all
    # refused, so they go at once); then the own region, whose writes may move the
    # records on (one after the other, as people would).
    other = [(role, OTHER[role]) for role in ROLES]
    own = [(role, OWN[role]) for role in ROLES]
    other_answers = await answers(http, request, other, together=True)
    own_answers = await answers(http, request, own, together=not route.writes)
    answered = [("other", c, a) for c, a in zip(other, other_answers, strict=True)]
    answered += [("own", c, a) for c, a in zip(own, own_answers, strict=True)]
    for side, (role, region), answer in answered:
        status = answer.status_code
        who = f"{role.value}@{region} ({side} region): {status}"
        if status >= 500:
            failures.append(f"{who} {answer.text[:200]}")
            continue
        if rule.public:
            continue
        if route.writes and role in READ_ONLY_ROLES and status not in REFUSED_WRITE:
            failures.append(f"{who}, a read-only role wrote ({answer.text[:200]})")
        if side != "other":
            continue
        if rule.other is not None and status not in rule.other:
            failures.append(f"{who}, expected {sorted(rule.other)} ({answer.text[:200]})")
        if answer.is_success and (ids := leaked(answer, matrix)):
            failures.append(f"{who}, the answer holds region A's {ids}")
    assert not failures, f"{route} (records in {VILLAGE_A}/{TOWNSHIP_A}):\n" + "\n".join(failures)

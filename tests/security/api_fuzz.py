"""Schemathesis against one service's FastAPI app, in process, on the real database and broker.

Every operation of the app's own OpenAPI document gets generated requests, valid
ones and ones that break the schema, sent with the tokens of a few roles. Three
checks hold for every answer: no 5xx, the status code is one the operation
documents, and the body matches the schema documented for that status. The run
is derandomized (a fixed seed, no example database) so CI sees the same requests
every time, and bounded per operation so all four services take a few minutes.

The app's lifespan (Mongo client, Kafka producer and consumers) runs in
Schemathesis' own event-loop thread, where its requests run too: the async
clients are bound to the loop they were created on.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Err
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from lingban_kit.auth import Role
from tests.auth import auth

CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_MODE = 12
# Schemathesis' default is 10 s, which a first request can take on a loaded CI
# machine (the app's consumers and relays start at the same time); a hang still fails.
REQUEST_TIMEOUT_SECONDS = 60

CITY = "340881000000"
TOWNSHIP = "340881100000"  # 新渡镇
VILLAGE = "340881100201"  # 北塘村, in 新渡镇


@dataclass(frozen=True)
class Caller:
    role: Role
    region: str

    def headers(self) -> dict[str, str]:
        return auth(self.role, self.region)


@contextmanager
def started(app: FastAPI) -> Iterator[OpenApiSchema]:
    """The app's schema; its lifespan starts with the first request and ends on exit."""
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        # What Schemathesis' pytest plugin does after each test: stop the lifespans it started.
        asgi.shutdown_lifespans()


def _describe(failure: BaseException) -> str:
    if isinstance(failure, (Failure, FailureGroup)):
        return str(failure)  # the check, the answer and a curl command to reproduce it
    # Anything else came from the app (the ASGI transport re-raises its exceptions).
    return "".join(traceback.format_exception(failure))[-4000:]


def fuzz(
    schema: OpenApiSchema,
    callers: Sequence[Caller],
) -> list[str]:
    """`METHOD path [mode]: failure` for each operation that broke a check (empty: none did)."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # a document Schemathesis cannot read is a failure too
            failures.append(f"invalid schema: {result.err()}")
            continue
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES_PER_MODE,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
                # No shrinking: a failure is reported as found, with a curl command to
                # reproduce it, instead of hundreds more requests to minimise it.
                phases=(Phase.explicit, Phase.generate),
            )
            @given(
                case=operation.as_strategy(generation_mode=mode), caller=st.sampled_from(callers)
            )
            def attack(case: schemathesis.Case[Any], caller: Caller) -> None:
                case.call_and_validate(
                    headers=caller.headers(), checks=CHECKS, timeout=REQUEST_TIMEOUT_SECONDS
                )

            try:
                attack()
            except Unsatisfiable:
                pass  # no invalid request exists for an operation without parameters
            # A check failure is a FailureGroup (a BaseExceptionGroup); an app crash an Exception.
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{operation.label} [{mode.value}]: {_describe(failure)}")
    return failures


async def attack_app(app: FastAPI, callers: Sequence[Caller]) -> list[str]:
    """Start `app`, fuzz every operation, stop it; off the test's event loop, which
    Schemathesis' blocking calls would otherwise stall."""

    def run() -> list[str]:
        with started(app) as schema:
            return fuzz(schema, callers)

    return await asyncio.to_thread(run)


def report(failures: list[str]) -> str:
    return f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)

"""The fuzzing harness (api_fuzz.py) reports what it exists to find: a 500, an
undocumented status, a body that breaks its schema; and stays quiet otherwise."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lingban_kit.auth import Role
from tests.security.api_fuzz import Caller, attack_app

CALLERS = [Caller(Role.LEADER, "340881000000")]
# Schemathesis' own strategies draw from `random`, which Hypothesis frowns on.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")


class Number(BaseModel):
    n: int


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/crash")
    async def crash(n: int) -> Number:
        return Number(n=1 // (n - n))  # ZeroDivisionError: a 500 for every input

    @app.get("/teapot")
    async def teapot() -> Number:
        raise HTTPException(418)  # a status the document does not list

    @app.get("/liar", response_model=Number)
    async def liar() -> JSONResponse:
        return JSONResponse({"n": "not a number"})  # past the response model

    @app.get("/fine")
    async def fine(n: int) -> Number:
        return Number(n=n)

    return app


async def test_the_harness_reports_each_kind_of_failure_and_nothing_else() -> None:
    failures = await attack_app(_app(), CALLERS)
    failed = {f.split(" [")[0] for f in failures}
    assert failed == {"GET /crash", "GET /teapot", "GET /liar"}, failures
    assert any("ZeroDivisionError" in f for f in failures)
    assert any("Undocumented status code" in f and "418" in f for f in failures)
    assert any("Response violates schema" in f for f in failures)

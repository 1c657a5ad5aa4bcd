"""The error answers of every route, as the OpenAPI document describes them.

FastAPI documents only what a route declares, plus a 422 in its own
`{"detail": [...]}` shape. The kit answers every failure with one body,
`{"error": {"code", "message", "details"?}}` (lingban_kit.errors), from handlers
and dependencies the route does not mention: the bearer check (401), the
policies (403), the lookups (404), the state machines (409), the body limit
(413), the body parser (400), a document whose unpublished events reached
their bound (503 with `Retry-After`, lingban_kit.outbox). `describe_errors` adds
those answers to each operation they can come from, with that body, so a client
(and Schemathesis, tests/security) can rely on the document for every status the
service sends.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ERROR_SCHEMA = "ErrorResponse"
_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
_WRITES = {"post", "put", "patch", "delete"}
_METHODS = _WRITES | {"get", "head", "options"}


class ErrorDetail(BaseModel):
    field: str = Field(description="The field to fix, as a dotted path (`body` for the whole body)")
    message: str


class ErrorBody(BaseModel):
    # Some errors add keys (e.g. the current version on a 409): lingban_kit.errors `extra`.
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Stable machine-readable code, e.g. `validation_failed`")
    message: str = Field(description="Chinese by default, English with `Accept-Language: en`")
    details: list[ErrorDetail] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


_DESCRIPTIONS = {
    "400": "The body is not JSON in UTF-8 (or a multipart form that cannot be read)",
    "401": "The bearer token is missing, invalid or expired",
    "403": "The caller's role or unit may not do this",
    "404": "Nothing with this id exists in the caller's reach",
    "409": "The record changed or is in a state that does not allow this",
    "413": "The request body is larger than the service accepts",
    "422": "The request is invalid; `details` lists the fields to fix",
    "503": (
        "The record has too many changes waiting to be published (the message broker has "
        "been away); retry after `Retry-After` seconds"
    ),
}


def _answers(method: str, operation: dict[str, Any]) -> list[str]:
    secured = bool(operation.get("security"))
    with_path = any(p.get("in") == "path" for p in operation.get("parameters", []))
    codes: list[str] = []
    if secured:
        codes += ["401", "403"]
    if with_path:
        codes.append("404")
    if secured and method in _WRITES:
        codes += ["409", "503"]
    if "requestBody" in operation:
        codes += ["400", "413"]
    if operation.get("parameters") or "requestBody" in operation:
        codes.append("422")
    return codes


def describe_errors(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (FastAPI's), with the kit's error answers on every operation; in place."""
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for code in _answers(method, operation):
                responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
            for code, answer in responses.items():
                if code.startswith("4") or (code == "503" and method in _WRITES):
                    # FastAPI's own 422 schema (HTTPValidationError) is not what is sent.
                    answer["content"] = {"application/json": {"schema": dict(_REF)}}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    generated = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(generated.pop("$defs", {}))
    schemas[ERROR_SCHEMA] = generated
    return document

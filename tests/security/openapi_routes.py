"""Every route of the committed OpenAPI documents (web/workbench/openapi, written by
scripts/export_openapi.py), and which of them the jurisdiction table leaves out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "web" / "workbench" / "openapi"
SERVICES = ("projects", "supervision", "notifications", "reporting")
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    service: str
    method: str  # upper case
    path: str
    operation: Mapping[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    def parameters(self, where: str) -> list[Mapping[str, Any]]:
        return [p for p in self.operation.get("parameters", []) if p["in"] == where]

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"


def load_document(service: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((OPENAPI_DIR / f"{service}.json").read_text("utf-8"))
    return document


def routes_of(service: str, document: Mapping[str, Any]) -> list[Route]:
    return [
        Route(service, method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in HTTP_METHODS
    ]


def all_routes() -> list[Route]:
    return [route for s in SERVICES for route in routes_of(s, load_document(s))]


def uncovered(
    routes: Iterable[Route], table: Mapping[str, Mapping[tuple[str, str], Any]]
) -> list[str]:
    """The routes the expectation table says nothing about, as `service METHOD path`."""
    return [str(r) for r in routes if r.key not in table.get(r.service, {})]

"""`GET /v1/bulletins/{year}-Q{quarter}`: JSON, CSV or XLSX."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from lingban_kit.deps import PrincipalDep
from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_reporting.bulletins.domain import Quarter, bulletin
from lingban_reporting.bulletins.export import filename, to_csv, to_xlsx
from lingban_reporting.bulletins.schemas import BulletinOut
from lingban_reporting.deps import ModelsDep, TreeDep
from lingban_reporting.figures.layout import Layout
from lingban_reporting.figures.reads import FigureReads, counts_of, freshness
from lingban_reporting.overview.service import resolve_region

router = APIRouter(prefix="/v1/bulletins", tags=["bulletins"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_quarter(period: str) -> Quarter:
    match = re.fullmatch(r"(\d{4})-Q([1-4])", period)
    if not match:
        raise ValidationFailed(
            message="季度须写作 YYYY-Qn，例如 2026-Q1",
            message_en="The quarter must look like YYYY-Qn, e.g. 2026-Q1",
            details=[FieldProblem("period", "格式为 YYYY-Qn", "format YYYY-Qn")],
        )
    return Quarter(int(match.group(1)), int(match.group(2)))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


# JSON (the model) by default; `format=csv|xlsx` downloads a file instead.
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


@router.get(
    "/{period}",
    summary="The quarterly bulletin (季度通报) as JSON, CSV or XLSX",
    response_model=BulletinOut,
    responses=FILE_RESPONSES,
)
async def read_bulletin(
    period: str,
    principal: PrincipalDep,
    models: ModelsDep,
    tree: TreeDep,
    region: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Response:
    q = parse_quarter(period)
    root = resolve_region(tree, principal, region)
    reads = FigureReads(models, Layout(tree))
    totals, children, fresh = await asyncio.gather(
        reads.subtree(q.year, root), reads.children(q.year, root), freshness(models)
    )
    body: dict[str, Any] = bulletin(
        tree, root, q, counts_of(totals), {code: counts_of(d) for code, d in children.items()}
    )
    body["as_of"] = fresh["as_of"]
    if format == "csv":
        return Response(
            to_csv(body),
            media_type="text/csv; charset=utf-8",
            headers=_attachment(filename(body, "csv")),
        )
    if format == "xlsx":
        return Response(to_xlsx(body), media_type=XLSX, headers=_attachment(filename(body, "xlsx")))
    return JSONResponse(BulletinOut.model_validate(body).model_dump(mode="json"))

"""Serves the dashboard page, the printable bulletin page and their static assets.

The pages themselves need no token (they hold no data); every figure comes from the
query API, which checks the bearer token the page sends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse

from lingban_kit.errors import NotFound

STATIC = Path(__file__).parent / "static"
# Pages change with each release; assets are small, so revalidate rather than cache long.
NO_STORE = {"Cache-Control": "no-cache"}

router = APIRouter(tags=["dashboard"], include_in_schema=False)


def _asset_missing(name: str) -> NotFound:
    return NotFound(message=f"未找到文件 {name}", message_en=f"File {name} not found")


@router.get("/", summary="The dashboard is the service's home page")
async def home() -> RedirectResponse:
    # Relative, so that behind the gateway (/api/reporting/) it stays under its prefix.
    return RedirectResponse("dashboard")


@router.get("/dashboard", summary="The leaders' dashboard (领导驾驶舱)")
async def dashboard() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers=NO_STORE)


@router.get("/bulletins/{period}/print", summary="The quarterly bulletin as a printable page")
async def bulletin_print(
    period: Annotated[str, PathParam(pattern=r"^\d{4}-Q[1-4]$")],
) -> FileResponse:
    return FileResponse(STATIC / "bulletin.html", headers=NO_STORE)


@router.get("/dashboard/assets/{name:path}", summary="Scripts, styles and the ECharts bundle")
async def asset(name: str) -> FileResponse:
    if "\x00" in name:  # the file system refuses NUL; a 404, not a 500 (LB-22)
        raise _asset_missing(name)
    path = (STATIC / name).resolve()
    # Only files inside the static folder, whatever `..` the name holds.
    if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
        raise _asset_missing(name)
    return FileResponse(path, headers=NO_STORE)

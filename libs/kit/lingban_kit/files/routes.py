"""The file routes every owning service mounts: upload, download, thumbnail.

Who may read a file is decided by default by its `region_code` (see
`store`): the uploader's unit until it is attached, then the record's unit,
so a download follows the record's jurisdiction where that is the unit's
subtree (projects). A service whose records have other rules (supervision's
unannounced inspections) passes `can_read`. Outside, a file does not exist (404).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import StreamingResponse

from lingban_contracts.attachments import Attachment
from lingban_kit.auth import WORKING_ROLES, Principal
from lingban_kit.deps import DatabaseDep, PrincipalDep, RuntimeDep
from lingban_kit.errors import NotFound
from lingban_kit.files.download import file_response, safe_headers
from lingban_kit.files.store import FileStore, StoredFile
from lingban_kit.files.thumbnails import DECODABLE, make_thumbnail, no_thumbnail
from lingban_kit.files.upload import receive_upload
from lingban_kit.settings import ServiceSettings

UPLOAD_PATH = "/v1/files"
# The multipart framing around the file (boundaries, part headers, a few small fields).
MULTIPART_OVERHEAD = 64 * 1024

# Whoever may attach a file to a record: every role but the read-only ones (leader,
# subscriber), who otherwise could fill the store with files nothing will reference.
UPLOADING_ROLES = WORKING_ROLES

# May this principal read this stored file? (the request gives the service's runtime)
ReadCheck = Callable[[Request, Principal, StoredFile], Awaitable[bool]]


def upload_body_limits(settings: ServiceSettings) -> dict[str, int]:
    """The request-body limit of the upload route (every other route keeps the default)."""
    return {UPLOAD_PATH: settings.file_max_bytes + MULTIPART_OVERHEAD}


def get_store(db: DatabaseDep) -> FileStore:
    return FileStore(db)


FileStoreDep = Annotated[FileStore, Depends(get_store)]


async def in_region(request: Request, principal: Principal, stored: StoredFile) -> bool:
    return principal.can_see(stored.region_code)


_MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def files_router(can_read: ReadCheck = in_region) -> APIRouter:
    """The routes, with the service's rule for who may read a stored file."""
    router = APIRouter(prefix=UPLOAD_PATH, tags=["files"])

    async def readable(
        request: Request, store: FileStore, principal: Principal, file_id: str
    ) -> StoredFile:
        stored = await store.get(file_id)
        if stored is None or not await can_read(request, principal, stored):
            raise NotFound(message=f"未找到文件 {file_id}", message_en=f"File {file_id} not found")
        return stored

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        summary="Upload a file (multipart field `file`); attach its reference to a record within a day",
        openapi_extra=_MULTIPART_BODY,
        responses={
            413: {"description": "Larger than the per-file cap (`error.message` says the limit)"},
            415: {"description": "The content is not an allowed type (`error.message` lists them)"},
        },
    )
    async def upload(
        request: Request, principal: PrincipalDep, store: FileStoreDep, runtime: RuntimeDep
    ) -> Attachment:
        principal.require_any(*UPLOADING_ROLES)
        stored = await receive_upload(request, store, principal, runtime.settings.file_max_bytes)
        return stored.reference()

    @router.get(
        "/{file_id}",
        summary="Download a file (inside the record's jurisdiction)",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/octet-stream": _BINARY}}},
    )
    async def download(
        request: Request, file_id: str, principal: PrincipalDep, store: FileStoreDep
    ) -> Response:
        return file_response(store, await readable(request, store, principal, file_id))

    @router.get(
        "/{file_id}/thumbnail",
        summary="A small JPEG preview of a JPEG or PNG photo",
        response_class=Response,
        responses={
            200: {"content": {"image/jpeg": _BINARY}},
            415: {"description": "Not a JPEG or PNG photo"},
        },
    )
    async def thumbnail(
        request: Request, file_id: str, principal: PrincipalDep, store: FileStoreDep
    ) -> Response:
        stored = await readable(request, store, principal, file_id)
        if stored.media_type not in DECODABLE:
            raise no_thumbnail(stored.media_type)
        # Decoding is CPU work: off the event loop.
        data = await asyncio.to_thread(make_thumbnail, await store.read_all(stored.id))
        headers = safe_headers(stored, inline=True)
        headers["Content-Disposition"] = "inline"
        return Response(data, media_type="image/jpeg", headers=headers)

    return router


router = files_router()  # the default rule: the file's region

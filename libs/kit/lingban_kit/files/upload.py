"""One upload: streamed from the request into GridFS, typed, capped, hashed.

The first 64 KB are held to tell the media type (415 before anything is
stored); after that each piece is hashed, counted and written straight to
GridFS a chunk at a time (at most one 255 KB chunk in memory). Past the cap the
upload is aborted (its chunks deleted) and answered 413.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request

from lingban_kit.auth import Principal
from lingban_kit.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from lingban_kit.files.file_names import safe_file_name
from lingban_kit.files.media_types import ALLOWED_EN, ALLOWED_ZH, SNIFF_BYTES, extension, sniff
from lingban_kit.files.multipart_stream import FilePartStart, file_part
from lingban_kit.files.store import FileStore, StoredFile

MIB = 1024 * 1024


def file_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        message=f"文件过大：单个文件不能超过 {limit / MIB:g} MB，请压缩或拆分后重新上传",
        message_en=f"File too large: a file may be at most {limit / MIB:g} MB; "
        "compress or split it and upload again",
        extra={"limit_bytes": limit},
    )


def record_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        message=f"附件总量过大：一条记录的附件合计不能超过 {limit / MIB:g} MB",
        message_en=f"Attachments too large: one record may carry at most {limit / MIB:g} MB",
        extra={"limit_bytes": limit},
    )


def not_allowed(name: str | None) -> UnsupportedMediaType:
    shown = safe_file_name(name)
    return UnsupportedMediaType(
        message=f"不支持的文件类型：“{shown}”的内容不是允许的格式（按文件内容识别，与扩展名无关）。"
        f"可上传：{ALLOWED_ZH}",
        message_en=f"Unsupported file type: the content of {shown!r} is not an allowed kind "
        f"(told from the content, not the name). Allowed: {ALLOWED_EN}",
    )


async def receive_upload(
    request: Request, store: FileStore, principal: Principal, max_bytes: int
) -> StoredFile:
    """Store the request's file for `principal` (readable in their jurisdiction until attached)."""
    pieces = file_part(request)
    start = await anext(pieces)
    assert isinstance(start, FilePartStart)
    head = bytearray()
    async for piece in pieces:
        assert isinstance(piece, bytes)
        head += piece
        if len(head) > max_bytes:
            raise file_too_large(max_bytes)
        if len(head) >= SNIFF_BYTES:
            break
    if not head:
        raise ValidationFailed(message="文件为空", message_en="The file is empty")
    media_type = sniff(bytes(head[:SNIFF_BYTES]))
    if media_type is None:
        raise not_allowed(start.filename)

    upload = store.open_upload(safe_file_name(start.filename, extension(media_type)))
    digest = hashlib.sha256()
    size = 0
    try:
        digest.update(head)
        size = len(head)
        await upload.write(bytes(head))
        head.clear()
        async for piece in pieces:
            assert isinstance(piece, bytes)
            size += len(piece)
            if size > max_bytes:
                raise file_too_large(max_bytes)
            digest.update(piece)
            await upload.write(piece)
        return await store.finish_upload(
            upload,
            media_type=media_type.value,
            sha256=digest.hexdigest(),
            region_code=principal.region_code,
            uploaded_by=principal.actor.id,
        )
    except BaseException:
        await upload.abort()  # deletes the chunks written so far
        raise

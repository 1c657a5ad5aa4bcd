"""The file part of a `multipart/form-data` request, read as it arrives.

Starlette's form parser spools a whole upload (to memory, then a temporary
file) before the route runs, so a size cap could only be checked after the
fact. Here python-multipart's push parser is fed the request stream a piece
at a time; the route gets the file's bytes as they come and can stop (413,
415) without ever holding more than one piece.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from lingban_kit.errors import ValidationFailed

FILE_FIELD = "file"
_FILENAME_STAR = re.compile(rb"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;\s]+)")


@dataclass(frozen=True)
class FilePartStart:
    """The file part begins; its data follows as `bytes` items."""

    filename: str | None


@dataclass
class _Parts:
    """What the parser's callbacks saw since the last feed."""

    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[bytes, bytes] = field(default_factory=dict)
    events: list[FilePartStart | bytes | None] = field(default_factory=list)
    in_file: bool = False
    file_done: bool = False

    def on_part_begin(self) -> None:
        self.headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_field).lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        disposition = self.headers.get(b"content-disposition", b"")
        _, params = parse_options_header(disposition)
        if self.file_done or params.get(b"name") != FILE_FIELD.encode():
            return  # another form field: ignored (the body limit bounds it)
        self.in_file = True
        self.events.append(FilePartStart(_filename(disposition, params)))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.events.append(bytes(data[start:end]))

    def on_part_end(self) -> None:
        if self.in_file:
            self.in_file = False
            self.file_done = True
            self.events.append(None)


def _filename(disposition: bytes, params: dict[bytes, bytes]) -> str | None:
    star = _FILENAME_STAR.search(disposition)
    if star:  # RFC 5987 form, preferred when a client sends both
        return unquote(star.group(1).decode("ascii", "replace"))
    raw = params.get(b"filename")
    return raw.decode("utf-8", "replace") if raw is not None else None


def _boundary(request: Request) -> bytes:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ValidationFailed(
            message="请以 multipart/form-data 上传文件（字段名 file）",
            message_en="Upload the file as multipart/form-data (field name `file`)",
        )
    return boundary


async def file_part(request: Request) -> AsyncIterator[FilePartStart | bytes]:
    """`FilePartStart`, then the bytes of the form field `file` piece by piece.

    Raises 422 when the body is not multipart or has no `file` field.
    """
    parts = _Parts()
    parser = MultipartParser(
        _boundary(request),
        {
            "on_part_begin": parts.on_part_begin,
            "on_header_field": parts.on_header_field,
            "on_header_value": parts.on_header_value,
            "on_header_end": parts.on_header_end,
            "on_headers_finished": parts.on_headers_finished,
            "on_part_data": parts.on_part_data,
            "on_part_end": parts.on_part_end,
        },
    )
    async for piece in request.stream():
        try:
            parser.write(piece)
        except MultipartParseError:
            raise ValidationFailed(
                message="上传内容格式有误（multipart 报文不完整或损坏），请重新上传",
                message_en="The multipart body is malformed; upload the file again",
            ) from None
        events, parts.events = parts.events, []
        for event in events:
            if event is None:
                return  # the file is complete; the rest of the form is not needed
            yield event
    raise ValidationFailed(
        message="请求中没有文件（表单字段 file），或上传未完成",
        message_en="The request has no complete file (form field `file`)",
    )

"""A stored file sent back: streamed by chunks, with headers that keep it inert.

`X-Content-Type-Options: nosniff` and the media type detected at upload stop
a browser from running a file as something else; `Content-Disposition`
carries the name in RFC 6266/5987 form (an ASCII fallback plus `filename*`
in UTF-8), so a name cannot break out of the header.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import StreamingResponse

from lingban_kit.files.media_types import MediaType
from lingban_kit.files.store import FileStore, StoredFile

# Shown in the browser (photos, PDFs on a phone); everything else is saved.
INLINE = frozenset({MediaType.JPEG, MediaType.PNG, MediaType.PDF})


def content_disposition(name: str, *, inline: bool) -> str:
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name
    )
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def safe_headers(stored: StoredFile, *, inline: bool) -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(stored.name, inline=inline),
        "X-Content-Type-Options": "nosniff",
        # Private: a file is readable only inside a jurisdiction; never in a shared cache.
        "Cache-Control": "private, max-age=3600",
        "ETag": f'"{stored.sha256}"',
    }


def file_response(store: FileStore, stored: StoredFile) -> StreamingResponse:
    headers = safe_headers(stored, inline=stored.media_type in INLINE)
    headers["Content-Length"] = str(stored.size_bytes)
    return StreamingResponse(store.chunks(stored.id), media_type=stored.media_type, headers=headers)

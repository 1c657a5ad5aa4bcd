"""Small JPEG previews of photos for lists and phones (Pillow), made on demand.

A thumbnail is cheap to make from an image under the size cap and is cached
by the browser (its ETag is the original's SHA-256), so none is stored.
HEIC photos get none: Pillow cannot decode HEIC without a separate plugin
(pillow-heif, which bundles libheif); the client shows a file icon instead.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from lingban_kit.errors import UnsupportedMediaType
from lingban_kit.files.media_types import MediaType

THUMBNAIL_PX = 320
# A photo of more pixels than this is refused a thumbnail (a decompression bomb
# would otherwise take the service's memory); phone cameras stay far below.
MAX_PIXELS = 60_000_000
DECODABLE = frozenset({MediaType.JPEG, MediaType.PNG})


def no_thumbnail(media_type: str) -> UnsupportedMediaType:
    if media_type == MediaType.HEIC:
        return UnsupportedMediaType(
            message="HEIC 照片暂不生成缩略图，请下载原图查看",
            message_en="No thumbnail for HEIC photos; download the original to view it",
        )
    return UnsupportedMediaType(
        message="只有 JPEG、PNG 图片有缩略图",
        message_en="Only JPEG and PNG images have thumbnails",
    )


def make_thumbnail(data: bytes) -> bytes:
    """A JPEG at most 320×320 px, upright (EXIF orientation applied)."""
    try:
        return _thumbnail(data)
    except (OSError, Image.DecompressionBombError, SyntaxError):
        # A file that starts like a photo but does not decode (truncated, corrupt).
        raise UnsupportedMediaType(
            message="图片无法解码，不能生成缩略图，请下载原图查看",
            message_en="The image cannot be decoded for a thumbnail; download the original",
        ) from None


def _thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > MAX_PIXELS:
            raise UnsupportedMediaType(
                message="图片像素过多，无法生成缩略图，请下载原图查看",
                message_en="The image has too many pixels for a thumbnail; download the original",
            )
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        out = io.BytesIO()
        upright.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue()

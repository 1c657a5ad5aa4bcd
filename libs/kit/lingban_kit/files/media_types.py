"""Which media type a file is, told from its first bytes, never from its name.

Only the kinds of evidence the practices keep are allowed: photos (JPEG, PNG,
HEIC), documents (PDF, DOCX, XLSX) and short videos (MP4). Anything else, an
executable renamed `.pdf` included, is refused.

A small sniffer of our own rather than a library: the maintained ones tell
DOCX from XLSX by one fixed entry order, which openpyxl and LibreOffice do not
follow. DOCX and XLSX are ZIP containers; they are told apart by the names of
the entries whose local headers fall inside the sniffed head (`word/…`,
`xl/…`), which every writer we know puts within the first few kilobytes.
"""

from __future__ import annotations

import enum
import struct

# How much of the start of a file the sniffer looks at.
SNIFF_BYTES = 64 * 1024


class MediaType(enum.StrEnum):
    JPEG = "image/jpeg"
    PNG = "image/png"
    HEIC = "image/heic"
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    MP4 = "video/mp4"


# What a person sees in the 415 message: the kinds they may upload.
ALLOWED_ZH = "JPEG、PNG、HEIC 图片，PDF、Word（.docx）、Excel（.xlsx）文档，MP4 视频"
ALLOWED_EN = "JPEG, PNG or HEIC images, PDF, Word (.docx) or Excel (.xlsx) documents, MP4 videos"
IMAGES = frozenset({MediaType.JPEG, MediaType.PNG, MediaType.HEIC})

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
# ISO base media brands of MP4 video (not QuickTime `qt  `, not HEIF/AVIF images).
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V "}
    | {b"dash", b"mmp4", b"MSNV", b"f4v "}
)
_ZIP_LOCAL_HEADER = b"PK\x03\x04"


def sniff(head: bytes) -> MediaType | None:
    """The allowed media type of a file starting with `head`, or None when not allowed."""
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    # PDF readers accept the marker within the first KB (some scanners prepend bytes).
    if b"%PDF-" in head[:1024]:
        return MediaType.PDF
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head.startswith(_ZIP_LOCAL_HEADER):
        return _office_document(head)
    return None


def _iso_media(head: bytes) -> MediaType | None:
    """HEIC or MP4 from the `ftyp` box: its major brand and compatible brands."""
    box_size = struct.unpack(">I", head[:4])[0]
    if box_size < 16 or box_size > len(head):
        return None
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, box_size - 3, 4)}
    if brands & _HEIC_BRANDS or (head[8:12] == b"mif1" and b"heic" in brands):
        return MediaType.HEIC
    if head[8:12] in _MP4_BRANDS:
        return MediaType.MP4
    return None


def zip_entry_names(head: bytes) -> list[str]:
    """Names of the ZIP entries whose local file headers lie inside `head`."""
    names: list[str] = []
    at = head.find(_ZIP_LOCAL_HEADER)
    while at != -1 and at + 30 <= len(head):
        name_length = struct.unpack("<H", head[at + 26 : at + 28])[0]
        raw = head[at + 30 : at + 30 + name_length]
        if len(raw) == name_length:
            names.append(raw.decode("utf-8", "replace"))
        at = head.find(_ZIP_LOCAL_HEADER, at + 30 + name_length)
    return names


def _office_document(head: bytes) -> MediaType | None:
    names = zip_entry_names(head)
    if any(n.startswith("word/") for n in names):
        return MediaType.DOCX
    if any(n.startswith("xl/") for n in names):
        return MediaType.XLSX
    return None  # another ZIP archive: not an allowed kind


def extension(media_type: str) -> str:
    """The usual file extension of an allowed media type (for names without one)."""
    return {
        MediaType.JPEG: ".jpg",
        MediaType.PNG: ".png",
        MediaType.HEIC: ".heic",
        MediaType.PDF: ".pdf",
        MediaType.DOCX: ".docx",
        MediaType.XLSX: ".xlsx",
        MediaType.MP4: ".mp4",
    }.get(MediaType(media_type), "")

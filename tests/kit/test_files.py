"""The kit's file pieces: content sniffing, names, headers, thumbnails, GridFS store and sweep."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from lingban_kit.errors import UnsupportedMediaType
from lingban_kit.files.download import content_disposition
from lingban_kit.files.file_names import MAX_NAME_LENGTH, safe_file_name
from lingban_kit.files.media_types import MediaType, sniff, zip_entry_names
from lingban_kit.files.store import FileStore
from lingban_kit.files.thumbnails import THUMBNAIL_PX, make_thumbnail, no_thumbnail
from lingban_kit.mongo import Database


def zipped(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, "<xml/>" * 50)
    return out.getvalue()


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    payload = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(payload)).to_bytes(4, "big") + b"ftyp" + payload + b"\x00" * 64


def image(kind: str, size: tuple[int, int] = (1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (image("JPEG"), MediaType.JPEG),
        (image("PNG"), MediaType.PNG),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", MediaType.PDF),
        (ftyp(b"heic", b"mif1", b"heic"), MediaType.HEIC),
        (ftyp(b"mif1", b"mif1", b"heic"), MediaType.HEIC),
        (ftyp(b"isom", b"isom", b"avc1", b"mp41"), MediaType.MP4),
        (ftyp(b"mp42", b"mp42", b"isom"), MediaType.MP4),
        # Word's order, and openpyxl's (which writes [Content_Types].xml last).
        (zipped("[Content_Types].xml", "_rels/.rels", "word/document.xml"), MediaType.DOCX),
        (zipped("docProps/app.xml", "xl/workbook.xml", "[Content_Types].xml"), MediaType.XLSX),
    ],
)
def test_allowed_kinds_are_told_from_the_content(head: bytes, expected: MediaType) -> None:
    assert sniff(head) is expected


@pytest.mark.parametrize(
    "head",
    [
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100,  # a Linux executable
        b"MZ\x90\x00\x03\x00" + b"\x00" * 100,  # a Windows one
        b"#!/bin/sh\nrm -rf /\n",
        b"<html><script>alert(1)</script>",
        zipped("evil.exe", "readme.txt"),  # a ZIP that is no Office document
        ftyp(b"qt  ", b"qt  "),  # QuickTime, not MP4
        ftyp(b"avif", b"avif", b"mif1"),  # AVIF, not HEIC
        b"GIF89a" + b"\x00" * 20,
        b"",
    ],
)
def test_other_content_is_refused(head: bytes) -> None:
    assert sniff(head) is None


def test_zip_entry_names_are_read_from_local_headers() -> None:
    assert zip_entry_names(zipped("a.txt", "word/document.xml")) == ["a.txt", "word/document.xml"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\责任书.pdf", "责任书.pdf"),
        ("纪要\r\nX-Evil: 1\x00.pdf", "纪要X-Evil: 1.pdf"),
        ("photo\u202egpj.exe", "photogpj.exe"),  # no right-to-left override
        ("...", "附件"),
        (None, "附件"),
    ],
)
def test_file_names_are_made_safe(raw: str | None, expected: str) -> None:
    assert safe_file_name(raw) == expected


def test_long_names_keep_their_extension_and_a_missing_one_is_added() -> None:
    long = safe_file_name("很长" * 300 + ".xlsx")
    assert len(long) == MAX_NAME_LENGTH
    assert long.endswith(".xlsx")
    assert safe_file_name("现场照片", ".jpg") == "现场照片.jpg"


def test_content_disposition_cannot_be_broken_out_of() -> None:
    header = content_disposition('a"; filename="evil.html', inline=False)
    assert header.startswith('attachment; filename="a__ filename=_evil.html"; ')
    assert header.endswith("filename*=UTF-8''a%22%3B%20filename%3D%22evil.html")
    assert "filename*=UTF-8''%E7%85%A7%E7%89%87.jpg" in content_disposition("照片.jpg", inline=True)


def test_thumbnails_are_small_upright_jpegs() -> None:
    thumb = make_thumbnail(image("PNG", (1600, 400)))
    with Image.open(io.BytesIO(thumb)) as made:
        assert made.format == "JPEG"
        assert made.size == (THUMBNAIL_PX, THUMBNAIL_PX // 4)
    assert "HEIC" in no_thumbnail(MediaType.HEIC).message
    with pytest.raises(UnsupportedMediaType):
        raise no_thumbnail(MediaType.PDF)


@pytest.mark.integration
async def test_gridfs_store_round_trip_and_sweep(database: Database) -> None:
    store = FileStore(database)

    async def put(data: bytes, name: str) -> str:
        upload = store.open_upload(name)
        for at in range(0, len(data), 100_000):
            await upload.write(data[at : at + 100_000])
        stored = await store.finish_upload(
            upload,
            media_type=MediaType.PDF.value,
            sha256=hashlib.sha256(data).hexdigest(),
            region_code="340881100201",
            uploaded_by="tester",
        )
        return stored.id

    data = b"%PDF-1.7\n" + bytes(range(256)) * 3000
    attached = await put(data, "a.pdf")
    orphan = await put(b"%PDF-1.7\n", "b.pdf")
    assert b"".join([c async for c in store.chunks(attached)]) == data
    await store.attach([attached], "project-1", "340881100000")
    found = await store.get(attached)
    assert found is not None
    assert (found.record_id, found.region_code) == ("project-1", "340881100000")
    assert found.reference().sha256 == hashlib.sha256(data).hexdigest()

    assert await store.sweep_orphans(datetime.now(UTC) - timedelta(days=1)) == []
    assert await store.sweep_orphans(datetime.now(UTC) + timedelta(seconds=1)) == [orphan]
    assert await store.get(orphan) is None
    assert await store.read_all(attached) == data  # the attached file is untouched
    # Released by its record, a file waits for the next sweep like any orphan.
    await store.release([attached], "project-1")
    assert await store.sweep_orphans(datetime.now(UTC) + timedelta(seconds=1)) == [attached]
    assert await database["fs.chunks"].count_documents({}) == 0
    assert await store.get("not-an-id") is None


def test_a_photo_that_does_not_decode_gets_no_thumbnail_but_a_reason() -> None:
    with pytest.raises(UnsupportedMediaType, match="cannot be decoded"):
        make_thumbnail(image("PNG")[:200])  # truncated

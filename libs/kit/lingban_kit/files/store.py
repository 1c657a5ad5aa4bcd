"""File bytes in the owning service's database, with GridFS (PyMongo's async API).

GridFS keeps each file as a `fs.files` document (name, length, our metadata)
and its bytes as 255 KB `fs.chunks` documents, so a file of any size is
written and read a chunk at a time; it runs on MongoDB and on FerretDB alike.
Reads and deletes go through `AsyncGridFSBucket`; writes through
`ChunkedUpload` (same layout), because PyMongo's writer holds up to 48 MB.

Our metadata on each file (`metadata.*`):
- `media_type`, `sha256`: detected from the content and hashed while streaming;
- `region_code`: who may read it: the uploader's unit until it is attached,
  then the unit of the record it belongs to (downloads follow the record);
- `uploaded_by`: the uploader's id;
- `record_id`: the record it is attached to, or null while it waits; the
  sweep removes files still waiting after a day (`sweep_orphans`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile

from lingban_contracts.attachments import Attachment
from lingban_kit.files.chunked_upload import ChunkedUpload, ensure_gridfs_indexes
from lingban_kit.mongo import Collection, Database
from lingban_kit.runtime import ServiceRuntime

BUCKET = "fs"  # the GridFS default: collections `fs.files` and `fs.chunks`


@dataclass(frozen=True)
class StoredFile:
    id: str
    name: str
    media_type: str
    size_bytes: int
    sha256: str
    region_code: str
    uploaded_by: str
    uploaded_at: datetime
    record_id: str | None

    def reference(self) -> Attachment:
        """What a record and its events carry about this file."""
        return Attachment(
            name=self.name,
            content_type=self.media_type,
            size_bytes=self.size_bytes,
            file_id=self.id,
            sha256=self.sha256,
        )


def object_id(file_id: str) -> ObjectId | None:
    try:
        return ObjectId(file_id)
    except (InvalidId, TypeError):
        return None


def _stored(doc: dict[str, Any]) -> StoredFile:
    meta = doc.get("metadata") or {}
    return StoredFile(
        id=str(doc["_id"]),
        name=doc["filename"],
        media_type=meta["media_type"],
        size_bytes=doc["length"],
        sha256=meta["sha256"],
        region_code=meta["region_code"],
        uploaded_by=meta["uploaded_by"],
        uploaded_at=doc["uploadDate"],
        record_id=meta.get("record_id"),
    )


class FileStore:
    def __init__(self, db: Database) -> None:
        self.bucket = AsyncGridFSBucket(db, bucket_name=BUCKET)
        self.files: Collection = db[f"{BUCKET}.files"]
        self.chunks_collection: Collection = db[f"{BUCKET}.chunks"]

    def open_upload(self, name: str) -> ChunkedUpload:
        """A new file being written; `finish_upload` (or its `abort`) ends it."""
        return ChunkedUpload(self.files, self.chunks_collection, name)

    async def finish_upload(
        self,
        upload: ChunkedUpload,
        *,
        media_type: str,
        sha256: str,
        region_code: str,
        uploaded_by: str,
    ) -> StoredFile:
        await upload.close(
            {
                "media_type": media_type,
                "sha256": sha256,
                "region_code": region_code,
                "uploaded_by": uploaded_by,
                "record_id": None,
            }
        )
        found = await self.get(str(upload.id))
        assert found is not None
        return found

    async def get(self, file_id: str) -> StoredFile | None:
        oid = object_id(file_id)
        if oid is None:
            return None
        doc = await self.files.find_one({"_id": oid})
        # A file whose upload never finished has no metadata: it does not exist yet.
        return _stored(doc) if doc and doc.get("metadata", {}).get("sha256") else None

    async def chunks(self, file_id: str) -> AsyncIterator[bytes]:
        """The file's bytes, one GridFS chunk (255 KB) at a time."""
        oid = object_id(file_id)
        if oid is None:
            return
        try:
            stream = await self.bucket.open_download_stream(oid)
        except NoFile:
            return
        try:
            while chunk := await stream.readchunk():
                yield chunk
        finally:
            await stream.close()

    async def read_all(self, file_id: str) -> bytes:
        """The whole file (for thumbnails of images, which are capped in size)."""
        return b"".join([chunk async for chunk in self.chunks(file_id)])

    async def attach(self, file_ids: Iterable[str], record_id: str, region_code: str) -> None:
        """Mark files as attached to a record (the sweep leaves them) readable as the record."""
        for file_id in dict.fromkeys(file_ids):
            await self.files.update_one(
                {"_id": object_id(file_id)},
                {"$set": {"metadata.record_id": record_id, "metadata.region_code": region_code}},
            )

    async def release(self, file_ids: Iterable[str], record_id: str) -> None:
        """Files a record no longer carries wait again; the sweep removes them after a day."""
        for file_id in dict.fromkeys(file_ids):
            await self.files.update_one(
                {"_id": object_id(file_id), "metadata.record_id": record_id},
                {"$set": {"metadata.record_id": None}},
            )

    async def delete(self, file_id: str) -> None:
        oid = object_id(file_id)
        if oid is not None:
            # NoFile: removed already (another replica's sweep).
            with contextlib.suppress(NoFile):
                await self.bucket.delete(oid)

    async def sweep_orphans(self, uploaded_before: datetime) -> list[str]:
        """Remove files uploaded before the cutoff and attached to nothing; their ids.

        An upload cut off by an error is aborted (its chunks deleted) at once;
        one cut off by a crash of the process leaves chunks without a files
        document, which nothing reads (see docs/files.md).
        """
        # One equality (FerretDB pushes it down); the date range is checked per row.
        waiting = self.files.find(
            {"metadata.record_id": None, "uploadDate": {"$lt": uploaded_before}}, {"_id": 1}
        )
        ids = [str(doc["_id"]) async for doc in waiting]
        for file_id in ids:
            await self.delete(file_id)
        return ids


async def ensure_indexes(runtime: ServiceRuntime) -> None:
    """Start hook of a service that stores files: the GridFS indexes of its bucket."""
    store = FileStore(runtime.db)
    await ensure_gridfs_indexes(store.files, store.chunks_collection)

"""Writing a GridFS file one chunk at a time, in GridFS's own layout.

PyMongo's GridFS writer (`AsyncGridIn`, behind `AsyncGridFSBucket.open_upload_stream`)
buffers chunks until about 48 MB (the largest wire message) before one
`insert_many`: a 20 MB upload would sit in the service's memory whole. This
writer stores each 255 KB chunk as soon as it is full, in exactly the layout
the GridFS specification gives (`fs.chunks`: `files_id`, `n`, `data`; then
the `fs.files` document last, so an unfinished file is never visible), and
everything else — reading, deleting, `mongodump` — goes through GridFS as usual.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import Binary, Int64, ObjectId
from pymongo import ASCENDING

from lingban_kit.mongo import Collection

CHUNK_SIZE = 255 * 1024  # GridFS's default chunk size


async def ensure_gridfs_indexes(files: Collection, chunks: Collection) -> None:
    """The indexes the GridFS specification requires (what PyMongo's writer would create)."""
    await chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
    await files.create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])


class ChunkedUpload:
    def __init__(self, files: Collection, chunks: Collection, name: str) -> None:
        self.id = ObjectId()
        self.name = name
        self._files = files
        self._chunks = chunks
        self._buffer = bytearray()
        self._next_chunk = 0
        self.length = 0

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self.length += len(data)
        while len(self._buffer) >= CHUNK_SIZE:
            await self._store_chunk(bytes(self._buffer[:CHUNK_SIZE]))
            del self._buffer[:CHUNK_SIZE]

    async def _store_chunk(self, data: bytes) -> None:
        await self._chunks.insert_one(
            {"files_id": self.id, "n": self._next_chunk, "data": Binary(data)}
        )
        self._next_chunk += 1

    async def close(self, metadata: dict[str, Any]) -> None:
        """Store the last chunk, then the files document that makes the file exist."""
        if self._buffer:
            await self._store_chunk(bytes(self._buffer))
            self._buffer.clear()
        await self._files.insert_one(
            {
                "_id": self.id,
                "filename": self.name,
                "length": Int64(self.length),
                "chunkSize": CHUNK_SIZE,
                "uploadDate": datetime.now(UTC),
                "metadata": metadata,
            }
        )

    async def abort(self) -> None:
        """Delete the chunks written so far."""
        self._buffer.clear()
        await self._chunks.delete_many({"files_id": self.id})

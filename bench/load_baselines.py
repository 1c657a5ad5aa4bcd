"""Baselines measured in the same run as bench/load.py's load, on the same database server.

(a) Raw operations through PyMongo's async API, one at a time: insert, find
    by `_id`, and a version-conditional `$set` by `_id` of a document shaped
    like a stored project (a copy of a real one when there is one): the
    database work a project command cannot do without (read it, write it back).
(b) A bare FastAPI app, started in this process on a free loopback port, whose
    one endpoint validates a small JSON body and inserts one document, driven
    by the same open-loop generator at the same rate as the load: what the
    smallest possible service on this machine and database answers in.
Both use a scratch collection that is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import copy
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, status
from pydantic import BaseModel, Field

from bench.load_stats import Summary, summarize
from lingban_kit import mongo
from lingban_kit.mongo import Database, Document
from lingban_kit.outbox import OUTBOX_FIELD, PENDING_FLAG

SCRATCH_PREFIX = "bench_load_scratch_"


def synthetic_project() -> Document:
    """Stands in for a stored project when the year has none in execution yet."""
    return {
        "unit_code": "340881100201",
        "year": 2019,
        "status": "in_execution",
        "version": 12,
        "title": "老旧小区加装电梯",
        "revisions": [{"title": "老旧小区加装电梯", "problem": "难点" * 50}],
        "stages": [
            {"month": f"2019-{m:02d}", "tasks": [{"task": "阶段任务" * 5}], "reports": []}
            for m in range(7, 13)
        ],
        "history": [{"version": v, "event_type": "x" * 30} for v in range(1, 13)],
    }


async def project_template(db: Database, year: int) -> Document:
    doc = await db["projects"].find_one(
        {"year": year, "status": "in_execution"}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0}
    )
    return dict(doc) if doc else synthetic_project()


async def raw_operations(db: Database, template: Document, count: int) -> dict[str, Any]:
    """`count` each of insert, find by _id and conditional update by _id, one at a time."""
    collection = db[f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:8]}"]
    state = {k: v for k, v in template.items() if k != "_id"}
    ids = [f"raw-{i}" for i in range(count)]
    inserts: list[float] = []
    finds: list[float] = []
    updates: list[float] = []
    try:
        for doc_id in ids:
            doc = copy.deepcopy(state)
            doc["_id"] = doc_id
            began = time.perf_counter()
            await collection.insert_one(doc)
            inserts.append(time.perf_counter() - began)
        for doc_id in ids:
            began = time.perf_counter()
            await collection.find_one({"_id": doc_id})
            finds.append(time.perf_counter() - began)
        version = int(state.get("version", 0))
        for doc_id in ids:
            change = {**state, "version": version + 1}
            began = time.perf_counter()
            await collection.update_one({"_id": doc_id, "version": version}, {"$set": change})
            updates.append(time.perf_counter() - began)
    finally:
        await collection.drop()
    size = len(str(state).encode())
    return {
        "document_bytes_approx": size,
        "insert": summarize(inserts),
        "find_by_id": summarize(finds),
        "update_by_id": summarize(updates),
    }


class ThingIn(BaseModel):
    week: str = Field(pattern=r"^\d{4}-W\d{2}$")
    key_tasks: list[str] = Field(min_length=1, max_length=20)
    narrative: str = Field(min_length=1, max_length=4000)


def bare_app(mongodb_uri: str, database: str, collection: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = mongo.connect(mongodb_uri)
        app.state.collection = client[database][collection]
        try:
            yield
        finally:
            await app.state.collection.drop()
            await client.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/things", status_code=status.HTTP_201_CREATED)
    async def insert(body: ThingIn, request: Request) -> dict[str, str]:
        doc = {"_id": uuid.uuid4().hex, **body.model_dump()}
        await request.app.state.collection.insert_one(doc)
        return {"id": doc["_id"]}

    return app


class BareServer:
    """uvicorn serving the bare app from its own thread and event loop, so that the
    load generator's loop does not stand in the way of the server's."""

    def __init__(self, mongodb_uri: str, database: str) -> None:
        self.collection = f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:8]}"
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port: int = self.socket.getsockname()[1]
        config = uvicorn.Config(
            bare_app(mongodb_uri, database, self.collection),
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/things"

    async def start(self, within: float = 20.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + within
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the bare FastAPI server did not start")
            await asyncio.sleep(0.05)

    async def stop(self, within: float = 20.0) -> None:
        self.server.should_exit = True
        await asyncio.to_thread(self.thread.join, within)
        self.socket.close()


def summary_dict(found: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.as_dict() if isinstance(v, Summary) else v) for k, v in found.items()}

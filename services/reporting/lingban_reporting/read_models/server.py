"""What the database behind the read models can do, asked once per client.

- MongoDB: a `{_id, rev}` compare-and-set is an `_id` lookup; bulk commands of
  1,000 writes are fine.
- FerretDB 1.24 on PostgreSQL (with our pushdown patch): `{_id, rev}` is pushed
  down and served by the `_id` index, so compare-and-set is as cheap as an
  `_id`-only write. FerretDB 1.24 stops an unordered `update` at its first
  failed write and reports it at index 0, so a failed command leaves every
  write of it uncertain (see `entities._run`): commands of 16 bound what a
  conflict folds again. (Unpatched, FerretDB 1.24 also held every statement's
  PostgreSQL connection until the whole command returned, so a large command
  wedged the server; infra/ferretdb/patches/0002 closes each one at once.)
- FerretDB on SQLite: only `{_id}` filters are pushed down, so a filter with
  `rev` in it scans the collection; there the revision is checked by a read
  right before an `_id`-only write (see `entities.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lingban_kit.mongo import Collection

MONGODB_WRITES_PER_COMMAND = 1000
FERRETDB_WRITES_PER_COMMAND = 16


@dataclass(frozen=True)
class ServerTraits:
    compare_and_set: bool  # `{_id, rev}` write filters are index lookups
    writes_per_command: int  # updates per bulk `update` command
    ferretdb: bool


_known: dict[int, ServerTraits] = {}


async def server_traits(collection: Collection) -> ServerTraits:
    client = collection.database.client
    key = id(client)
    if key not in _known:
        _known[key] = await _ask(collection)
    return _known[key]


async def _ask(collection: Collection) -> ServerTraits:
    info = await collection.database.client.admin.command("buildInfo")
    if "ferretdbVersion" not in info:
        return ServerTraits(True, MONGODB_WRITES_PER_COMMAND, ferretdb=False)
    # FerretDB names its storage in its startup line once it has connected to it.
    await collection.database.list_collection_names()
    log = await collection.database.client.admin.command("getLog", "startupWarnings")
    sqlite = any("SQLite" in str(line) for line in log.get("log", []))
    return ServerTraits(not sqlite, FERRETDB_WRITES_PER_COMMAND, ferretdb=True)

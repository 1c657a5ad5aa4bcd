"""Notifications demo data for `make up`, loaded through the service's public HTTP API.

Two parts:
- contacts: the directory derived from the demo division tree (every unit's
  secretary and task force, every township's staff, five member departments
  of the city; inbox only, so nothing leaves the machine). The ids stored are
  compared with the ids the demo should have; exactly the missing ones are
  stored, in small batches (a replace by id, so a repeated batch is harmless).
- notifications: one scheduler tick now, when the run added data, so the
  inboxes hold today's cards, reminders and warnings for the demo projects
  and rectifications when `make up` returns (the service's own scheduler
  ticks every `TICK_SECONDS`, first at start, which on a fresh machine is
  before the directory exists).
  The rules are the bundled `default_rules.yaml`; each notice is created once
  (dedupe key), so a second tick adds only what became due since.
"""

from __future__ import annotations

import threading
from typing import Any

from devstack.demo import PartResult, workers
from devstack.demo_api import LONG_CALL_TIMEOUT_SECONDS, Api, run_all
from devstack.progress import Progress
from lingban_contracts.divisions import DivisionTree, Level
from lingban_kit.auth import Role
from lingban_notifications.directory.demo import demo_directory

BATCH = 50  # contacts per PUT: small enough to answer in a few seconds on a busy machine
PAGE = 500  # the listing's maximum page


def stored_ids(api: Api, token: str) -> set[str]:
    ids: set[str] = set()
    offset = 0
    while True:
        page = api.call("GET", f"/v1/contacts?limit={PAGE}&offset={offset}", token)
        ids.update(c["id"] for c in page)
        offset += len(page)
        if len(page) < PAGE:
            return ids


def missing_contacts(wanted: list[dict[str, Any]], stored: set[str]) -> list[dict[str, Any]]:
    return [c for c in wanted if c["id"] not in stored]


def load_contacts(api: Api, tree: DivisionTree) -> PartResult:
    city = next(u for u in tree if u.level is Level.CITY)
    org = api.token(Role.CITY_ORG, city.code)
    wanted = [r.model_dump(mode="json") for r in demo_directory(tree)]
    stored = stored_ids(api, org)
    missing = missing_contacts(wanted, stored)
    found = len(wanted) - len(missing)
    progress = Progress("demo contacts", len(missing))
    progress.start(
        f"{len(missing)} of {len(wanted)} contacts to store, {found} found"
        if missing
        else f"all {len(wanted)} contacts found"
    )
    batches = [missing[i : i + BATCH] for i in range(0, len(missing), BATCH)]

    def put(batch: list[dict[str, Any]], stop: threading.Event) -> int:
        if stop.is_set():
            return 0
        stored: int = api.call("PUT", "/v1/contacts", org, batch)["stored"]
        return stored

    added = sum(run_all(batches, put, workers(), progress, size=len))
    seconds = progress.finish(f"{added} added, {found} found")
    return PartResult("contacts", added, found, seconds, f"{added} added")


def tick(api: Api, tree: DivisionTree, *, due: bool = True) -> PartResult:
    """One scheduler tick, when the other parts added something (`due`).

    Otherwise the service's own scheduler, ticking every minute since it
    started, has already created whatever the unchanged data calls for.
    """
    progress = Progress("demo notifications", None)
    if not due:
        progress.start("nothing new to remind about; the service's scheduler keeps the inboxes")
        seconds = progress.finish("0 added")
        return PartResult("notifications", 0, 0, seconds, "0 added")
    city = next(u for u in tree if u.level is Level.CITY)
    progress.start("filling the inboxes: one scheduler tick over every project and rectification")
    try:
        result = api.call(
            "POST",
            "/v1/operations/scheduler/tick",
            api.token(Role.CITY_ORG, city.code),
            timeout=LONG_CALL_TIMEOUT_SECONDS,
        )
    finally:
        progress.close()
    made = f"{result['created']} notices created, {result['dispatched']} deliveries dispatched"
    if not result["created"]:
        # The usual case: the loop ticks every minute while the other parts load.
        made += " (the service's own scheduler, ticking every minute, had made them already)"
    seconds = progress.finish(made)
    return PartResult("notifications", result["created"], 0, seconds, f"{result['created']} added")

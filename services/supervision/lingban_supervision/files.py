"""Stored files of inspections, problems and visits, read under their records' rules.

Site photos of a result, before/after photos of a rectification, the photos
and papers of a problem (registration, resolution) and of a visit log are
uploaded to this service (`POST /v1/files`) and attached by the command that
records them. An inspection is not simply readable by its unit's subtree: an
unannounced one stays hidden from the unit until it is disclosed. So a
download asks the record itself (`visible` / `load`'s rule), not the file's
region; a file not attached yet is readable where it was uploaded.
"""

from __future__ import annotations

from fastapi import Request

from lingban_contracts.divisions import default_tree
from lingban_kit.auth import Principal
from lingban_kit.files.routes import files_router
from lingban_kit.files.store import StoredFile
from lingban_kit.runtime import ServiceRuntime
from lingban_supervision.deps import Commands
from lingban_supervision.dispatch.access import can_read_task
from lingban_supervision.dispatch.service import dispatch_commands
from lingban_supervision.settings import SupervisionSettings


async def can_read(request: Request, principal: Principal, stored: StoredFile) -> bool:
    if stored.record_id is None:
        return principal.can_see(stored.region_code)
    runtime: ServiceRuntime = request.app.state.runtime
    settings = runtime.settings
    assert isinstance(settings, SupervisionSettings)
    commands = Commands(runtime.db, settings, request.app.state.clock, default_tree())
    inspection = await commands.inspections.store.get(stored.record_id)
    if inspection is not None:
        return commands.inspections.visible(principal, inspection)
    problem = await commands.problems.store.get(stored.record_id)
    if problem is not None:
        return principal.can_see(problem.unit_code)
    visit = await commands.visits.store.get(stored.record_id)
    if visit is not None:
        return principal.can_see(visit.unit_code)
    # A task's report papers (交办反馈): readable where the task is (its unit, its assigner).
    task = await dispatch_commands(
        runtime.db, settings, request.app.state.clock, default_tree()
    ).tasks.get(stored.record_id)
    return task is not None and can_read_task(principal, task)


router = files_router(can_read)

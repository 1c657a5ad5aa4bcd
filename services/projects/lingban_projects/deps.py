"""`Annotated[..., Depends()]` aliases of the projects service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lingban_contracts.divisions import DivisionTree, default_tree
from lingban_kit.clock import Clock
from lingban_kit.deps import DatabaseDep, RuntimeDep
from lingban_kit.files.store import FileStore
from lingban_projects.projects.repository import MongoProjectRepository
from lingban_projects.projects.service import ProjectCommands
from lingban_projects.settings import ProjectsSettings


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_tree() -> DivisionTree:
    return default_tree()


def get_commands(
    db: DatabaseDep,
    runtime: RuntimeDep,
    clock: Annotated[Clock, Depends(get_clock)],
    tree: Annotated[DivisionTree, Depends(get_tree)],
) -> ProjectCommands:
    settings = runtime.settings
    categories = settings.categories if isinstance(settings, ProjectsSettings) else ()
    return ProjectCommands(
        MongoProjectRepository(db),
        tree,
        clock,
        categories,
        wake_relay=runtime.wake_relay,
        files=FileStore(db),
        max_record_bytes=settings.file_max_record_bytes,
    )


CommandsDep = Annotated[ProjectCommands, Depends(get_commands)]
TreeDep = Annotated[DivisionTree, Depends(get_tree)]
ClockDep = Annotated[Clock, Depends(get_clock)]

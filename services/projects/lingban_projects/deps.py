"""`Annotated[..., Depends()]` aliases of the projects service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from lingban_contracts.divisions import DivisionTree, default_tree
from lingban_kit.clock import Clock
from lingban_kit.deps import DatabaseDep, RuntimeDep
from lingban_kit.errors import ValidationFailed
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
    return ProjectCommands(MongoProjectRepository(db), tree, clock, categories)


def expected_version(
    if_match: Annotated[
        str | None, Header(description="The version you read (ETag); 409 if it changed")
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().strip('"').removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationFailed(
            message="If-Match 须为项目版本号",
            message_en="If-Match must be the project version number",
        )
    return int(value)


CommandsDep = Annotated[ProjectCommands, Depends(get_commands)]
TreeDep = Annotated[DivisionTree, Depends(get_tree)]
ClockDep = Annotated[Clock, Depends(get_clock)]
ExpectedVersionDep = Annotated[int | None, Depends(expected_version)]

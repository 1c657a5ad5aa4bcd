"""`Annotated[..., Depends()]` aliases of the notifications service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lingban_kit.clock import Clock
from lingban_kit.deps import DatabaseDep
from lingban_notifications.directory.repository import Directory, MongoDirectory
from lingban_notifications.notifications.repository import (
    MongoNotificationRepository,
    NotificationRepository,
)
from lingban_notifications.rules.source import RuleSource
from lingban_notifications.wiring import Wiring


def get_wiring(request: Request) -> Wiring:
    wiring: Wiring = request.app.state.wiring
    return wiring


def get_clock(wiring: Annotated[Wiring, Depends(get_wiring)]) -> Clock:
    return wiring.clock


def get_directory(db: DatabaseDep, wiring: Annotated[Wiring, Depends(get_wiring)]) -> Directory:
    # The replica's copy: a write through the API drops it at once.
    return MongoDirectory(db, wiring.contacts)


def get_repo(db: DatabaseDep) -> NotificationRepository:
    return MongoNotificationRepository(db)


def get_rules(wiring: Annotated[Wiring, Depends(get_wiring)]) -> RuleSource:
    return wiring.rules


WiringDep = Annotated[Wiring, Depends(get_wiring)]
ClockDep = Annotated[Clock, Depends(get_clock)]
DirectoryDep = Annotated[Directory, Depends(get_directory)]
RepoDep = Annotated[NotificationRepository, Depends(get_repo)]
RulesDep = Annotated[RuleSource, Depends(get_rules)]

"""Demo contact directory derived from the division tree (for `make up` and tests).

Every unit gets its secretary and task force, every township its staff, and
the city a few member departments. Addresses are made-up examples; only the
inbox is enabled, so a fresh `make up` sends nothing outside the machine.
"""

from __future__ import annotations

from lingban_contracts.divisions import DivisionTree, Level
from lingban_kit.auth import Role
from lingban_kit.devtokens import DEMO_DEPARTMENT
from lingban_notifications.directory.domain import (
    QuietHours,
    Recipient,
    RecipientKind,
    secretary_id,
    task_force_id,
    township_staff_id,
)

MEMBER_DEPARTMENTS = (
    ("organisation", "组织部"),
    ("civil-affairs", "民政局"),
    ("housing", "住建局"),
    ("agriculture", "农业农村局"),
    ("finance", "财政局"),
)
SECRETARY_ROLES = {
    Level.CITY: [Role.CITY_ORG],
    Level.TOWNSHIP: [Role.TOWNSHIP_SECRETARY],
    Level.VILLAGE: [Role.VILLAGE_SECRETARY],
}
QUIET = QuietHours.model_validate({"start": "22:00", "end": "07:30"})


def demo_directory(tree: DivisionTree) -> list[Recipient]:
    entries: list[Recipient] = []
    city = next(u for u in tree if u.level is Level.CITY)
    for unit in tree:
        entries.append(
            Recipient(
                id=secretary_id(unit.code),
                name=f"{unit.name}书记{unit.secretary}",
                kind=RecipientKind.SECRETARY,
                unit_code=unit.code,
                email=f"secretary.{unit.code}@demo.lingban.invalid",
                phone=f"1380{unit.code[-7:]}",
                quiet_hours=QUIET,
                roles=SECRETARY_ROLES[unit.level],
            )
        )
        entries.append(
            Recipient(
                id=task_force_id(unit.code),
                name=f"{unit.name}工作专班",
                kind=RecipientKind.TASK_FORCE,
                unit_code=unit.code,
                user_ids=[f"task-force@{unit.code}"],
            )
        )
        if unit.level is Level.TOWNSHIP:
            entries.append(
                Recipient(
                    id=township_staff_id(unit.code),
                    name=f"{unit.name}党建办",
                    kind=RecipientKind.TOWNSHIP_STAFF,
                    unit_code=unit.code,
                    email=f"staff.{unit.code}@demo.lingban.invalid",
                    roles=[Role.TOWNSHIP_STAFF],
                )
            )
    for slug, name in MEMBER_DEPARTMENTS:
        entries.append(
            Recipient(
                id=f"member-department:{slug}",
                name=f"{city.name}{name}",
                kind=RecipientKind.MEMBER_DEPARTMENT,
                unit_code=city.code,
                user_ids=[f"member-department@{slug}"]
                # The dev sign-in's member-department user (农业农村局) reads its inbox too.
                + ([f"member_department@{city.code}"] if slug == DEMO_DEPARTMENT else []),
            )
        )
    return entries

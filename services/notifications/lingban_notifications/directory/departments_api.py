"""The member departments (成员单位) of my region by name, for everyone signed in.

A dispatch task names its member department by the slug of the department's
directory entry `member-department:<slug>` (docs/dispatch.md). The contacts
themselves are for editors only (they hold addresses), but the people who read
those tasks — the department's own staff, leaders — need the department's name,
not its slug. So the name, the slug and the city are listed here, read-only,
to any signed-in user, for the departments in their region's subtree (a task to
a department is its city's, so whoever may read it sees the city's subtree).
The directory stays the one place a department is named: a rename shows at once.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lingban_contracts.regions import RegionCode
from lingban_kit.deps import PrincipalDep
from lingban_notifications.deps import DirectoryDep
from lingban_notifications.directory.domain import RecipientKind
from lingban_notifications.subjects.tasks import department_id

router = APIRouter(prefix="/v1/member-departments", tags=["contacts"])
# A department's entry id is this prefix and its slug.
ENTRY_PREFIX = department_id("")
# More than any city has (the reports name a few dozen member departments).
MAX_DEPARTMENTS = 500


class MemberDepartmentOut(BaseModel):
    """A member department as a task names it: no channel, address or inbox."""

    slug: str = Field(
        description="The id a dispatch task's `department` names", examples=["agriculture"]
    )
    name: str = Field(examples=["农业农村局"])
    unit_code: RegionCode = Field(description="The city (or county) it belongs to")


@router.get("", summary="Member departments of your region by name (everyone signed in)")
async def list_member_departments(
    principal: PrincipalDep, directory: DirectoryDep
) -> list[MemberDepartmentOut]:
    found = await directory.search(
        region_code=principal.region_code,
        kind=RecipientKind.MEMBER_DEPARTMENT.value,
        limit=MAX_DEPARTMENTS,
        offset=0,
    )
    return [
        MemberDepartmentOut(
            slug=r.id.removeprefix(ENTRY_PREFIX), name=r.name, unit_code=r.unit_code
        )
        for r in found
        if r.id.startswith(ENTRY_PREFIX)
    ]

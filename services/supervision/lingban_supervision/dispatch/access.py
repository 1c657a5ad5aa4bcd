"""Who may do what with dispatch meetings and assigned tasks.

- Holding a meeting and assigning tasks: the city organisation department for
  the city (and anything below it in its jurisdiction); a township's secretary
  and staff for their township's own meetings. Direct assignments (without a
  meeting) follow the same rule on the assigner's unit.
- Reporting back (反馈): the assigned unit's secretary or staff (for a village,
  its secretary or the township's secretary and staff).
- Closing (办结销号) or sending back: the assigner side again, never the
  assigned unit itself, and never whoever reported (see `Task.close`).
- Reading: whoever sees the assigned unit or the assigner (a task); whoever sees
  the meeting's region or one of the units that attended (a meeting). Leaders and
  subscribers read the public view. Outside that, 404.
"""

from __future__ import annotations

from lingban_contracts.divisions import Level, Unit
from lingban_kit.auth import Principal, Role
from lingban_kit.errors import Forbidden
from lingban_supervision.dispatch.domain import Meeting, Task

HOLDING_ROLES = (Role.CITY_ORG, Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF)
REPORTING_ROLES = (Role.VILLAGE_SECRETARY, Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF)


def require_holder(principal: Principal, region: Unit) -> None:
    """May hold `region`'s meetings and assign its tasks (check 403s: the region was named)."""
    principal.require_any(*HOLDING_ROLES)
    principal.require_jurisdiction(region.code)
    if region.level is not Level.TOWNSHIP and not principal.has_any(Role.CITY_ORG):
        raise Forbidden(
            message="市（县）级调度与交办由组织部门负责",
            message_en="City dispatch and its tasks are the organisation department's",
        )


def require_reporter(principal: Principal, task: Task) -> None:
    principal.require_any(*REPORTING_ROLES)
    principal.require_jurisdiction(task.unit_code)


def require_assigner_side(principal: Principal, assigner: Unit) -> None:
    """Closing and sending back are the assigner's: its holders, who sit above the
    assigned unit (a task always goes below its assigner), so never the unit itself."""
    require_holder(principal, assigner)


def can_read_task(principal: Principal, task: Task) -> bool:
    return principal.can_see(task.unit_code) or principal.can_see(task.assigner_code)


def can_read_meeting(principal: Principal, meeting: Meeting) -> bool:
    return principal.can_see(meeting.region_code) or any(
        principal.can_see(u) for u in meeting.attending_units
    )

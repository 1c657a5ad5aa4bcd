"""Who may do what with dispatch meetings and assigned tasks.

- Holding a meeting and assigning tasks: the city organisation department for
  the city (and anything below it in its jurisdiction); a township's secretary
  and staff for their township's own meetings. Direct assignments (without a
  meeting) follow the same rule on the assigner's unit.
- Reporting back (反馈): the assigned unit's secretary or staff (for a village,
  its secretary or the township's secretary and staff); a member department's task
  (成员单位): that department's staff only (`member_department` with its
  `department` claim, inside the city's jurisdiction).
- A member department's staff read their department's tasks only, in full; they
  write nothing else here.
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
    if task.department is None:
        principal.require_any(*REPORTING_ROLES)
    else:
        principal.require_any(Role.MEMBER_DEPARTMENT)
        if principal.department != task.department:
            raise Forbidden(
                message="该交办事项不是交给您所在成员单位的",
                message_en="This task is assigned to another member department",
            )
    principal.require_jurisdiction(task.unit_code)


def department_only(principal: Principal) -> str | None:
    """The department of a member department's staff (who read only its tasks); None for
    everyone else, however they read."""
    if principal.has_any(Role.MEMBER_DEPARTMENT) and not principal.has_any(
        *HOLDING_ROLES, *REPORTING_ROLES, Role.LEADER, Role.SUPERVISOR, Role.SUBSCRIBER
    ):
        return principal.department or ""
    return None


def reads_public_task(principal: Principal, task: Task) -> bool:
    """The public view, except for the department reading its own task in full."""
    own = task.department is not None and department_only(principal) == task.department
    return principal.reads_public_view() and not own


def require_assigner_side(principal: Principal, assigner: Unit) -> None:
    """Closing and sending back are the assigner's: its holders, who sit above the
    assigned unit (a task always goes below its assigner), so never the unit itself."""
    require_holder(principal, assigner)


def can_read_task(principal: Principal, task: Task) -> bool:
    department = department_only(principal)
    if department is not None and task.department != department:
        return False
    return principal.can_see(task.unit_code) or principal.can_see(task.assigner_code)


def can_read_meeting(principal: Principal, meeting: Meeting) -> bool:
    return principal.can_see(meeting.region_code) or any(
        principal.can_see(u) for u in meeting.attending_units
    )

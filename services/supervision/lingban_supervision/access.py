"""Who may do what in supervision (roles from `lingban_kit.auth.Role`, jurisdiction by region).

- The *group side*: supervisors, the city organisation department, and for a
  township group the township's secretary and staff, whose jurisdiction holds
  the group's region. They form groups (city org; township secretary for a
  township group), plan, draw, record, verify and reopen.
- The *inspected unit*: its secretary (or, for a village, the township's
  secretary and staff) submits the rectification. Nobody verifies their own
  unit, nor a unit whose rectification they could submit, nor a rectification
  they submitted.
- Problems raised by a superior (上级点) or found by supervision are struck off
  (办结销号) by the level above the unit; the unit reports its rectification by
  moving the problem on (整改中, with measures and a note).
- Leaders and subscribers read aggregates: the routes render public views
  without household labels, individual-level details, comments or names.
- Everyone reads only inside their region subtree; outside it, 404. A planned
  unannounced inspection is visible only to the group side.
"""

from __future__ import annotations

from lingban_contracts.divisions import DivisionTree, Unit
from lingban_kit.auth import Principal, Role
from lingban_kit.errors import FieldProblem, Forbidden, NotFound, ValidationFailed

GROUP_SIDE_ROLES = (Role.SUPERVISOR, Role.CITY_ORG, Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF)
GROUP_FORMING_ROLES = (Role.CITY_ORG, Role.TOWNSHIP_SECRETARY)
RECTIFYING_ROLES = (Role.VILLAGE_SECRETARY, Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF)
UNIT_SIDE_ROLES = (
    Role.VILLAGE_SECRETARY,
    Role.TOWNSHIP_SECRETARY,
    Role.TOWNSHIP_STAFF,
    Role.CITY_ORG,
    Role.SUPERVISOR,
)
# The township's stationed leaders and teams (and the city organisation department)
# log visits anywhere in their jurisdiction; village and community staff, who sign in
# with the village's working role, log the visits in their own village (LB issue 16).
STATIONED_SIDE_ROLES = (Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF, Role.CITY_ORG)
VISITING_ROLES = (*STATIONED_SIDE_ROLES, Role.VILLAGE_SECRETARY)


def unit_or_invalid(tree: DivisionTree, code: str, field: str = "unit_code") -> Unit:
    unit = tree.get(code)
    if unit is None:
        raise ValidationFailed(
            message=f"区划代码 {code} 不是已登记的单位",
            message_en=f"{code} is not a registered unit",
            details=[FieldProblem(field, "未登记的单位", "unknown unit")],
        )
    return unit


def is_group_side(principal: Principal, group_region: str) -> bool:
    return principal.has_any(*GROUP_SIDE_ROLES) and principal.can_see(group_region)


def require_group_side(principal: Principal, group_region: str) -> None:
    principal.require_any(*GROUP_SIDE_ROLES)
    principal.require_jurisdiction(group_region)


def not_found(kind: str, kind_en: str, ident: str) -> NotFound:
    return NotFound(message=f"未找到{kind} {ident}", message_en=f"{kind_en} {ident} not found")


def has_rectifying_jurisdiction(principal: Principal, unit_code: str) -> bool:
    """Whether the principal may submit the unit's rectification (the side being checked)."""
    return principal.has_any(*RECTIFYING_ROLES) and principal.can_see(unit_code)


def require_level_above(principal: Principal, unit_code: str) -> None:
    """A problem pointed out by a superior (上级点) or found by supervision is struck
    off (销号) by the level above the unit, who checks the rectification, not by the
    unit itself (LB-15). The caller already sees the unit, so "above" means "not at it"."""
    if principal.region_code == unit_code or not principal.can_see(unit_code):
        raise Forbidden(
            message="上级点出或督导检查发现的问题，须由上级（上一级组织或督导组）核验后办结销号",
            message_en="A problem raised by a superior or by supervision is resolved by "
            "the level above the unit, after checking the rectification",
        )


def require_independent_of_unit(principal: Principal, unit_code: str) -> None:
    """Verifying (销号) or reopening is for someone who cannot rectify the unit themselves.

    Comparing only region codes let a township's secretary or staff, who
    submit for its villages, also close those villages' rectifications (LB-11).
    """
    if principal.region_code == unit_code or has_rectifying_jurisdiction(principal, unit_code):
        raise Forbidden(
            message="您负责该单位的整改，不能核验本单位的整改；请由督导人员或上级组织部门核验",
            message_en="You can rectify this unit yourself, so you cannot verify its "
            "rectification; a supervisor or the organisation department must",
        )

"""Who may change what applies everywhere: the city organisation department at the root.

Reminder rules and the scheduler tick act on every region at once, so a
`city_org` of one region (the role exists at every level the division file
allows) must not be enough; the caller's unit must also be the top of the tree.
"""

from __future__ import annotations

from lingban_contracts.divisions import DivisionTree
from lingban_kit.auth import Principal, Role
from lingban_kit.errors import Forbidden


def require_root_city_org(principal: Principal, tree: DivisionTree) -> None:
    principal.require_any(Role.CITY_ORG)
    unit = tree.get(principal.region_code)
    if unit is None or unit.parent is not None:
        raise Forbidden(
            message="此操作影响全部地区，仅限市级组织部（区划树顶层）",
            message_en=(
                "This action affects every region; only the city organisation department "
                "at the top of the division tree may do it"
            ),
        )

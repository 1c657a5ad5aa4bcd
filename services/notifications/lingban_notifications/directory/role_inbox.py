"""The inbox a notice falls back to when its unit has no directory entry.

A notice for a unit's secretary, township staff or task force used to vanish
when the office had not entered that contact yet. Instead it goes to the
unit's role inbox: inbox only, read by whoever holds the unit's working role
there (village secretary; township secretary or staff; the organisation
department of a city or district). The planner counts these notices
(`lingban_notifications_unlisted_recipients_total`) and logs the unit, so the
office knows whose contact is missing.
"""

from __future__ import annotations

from lingban_contracts.divisions import DivisionTree, Level
from lingban_contracts.events.notifications import Channel
from lingban_kit.auth import Role
from lingban_notifications.directory.domain import Recipient, RecipientKind

_KINDS = {
    "secretary": (RecipientKind.SECRETARY, "书记"),
    "township-staff": (RecipientKind.TOWNSHIP_STAFF, "党建办"),
    "task-force": (RecipientKind.TASK_FORCE, "工作专班"),
}
_ROLES = {
    Level.VILLAGE: [Role.VILLAGE_SECRETARY],
    Level.TOWNSHIP: [Role.TOWNSHIP_SECRETARY, Role.TOWNSHIP_STAFF],
    Level.DISTRICT: [Role.CITY_ORG],
    Level.CITY: [Role.CITY_ORG],
}


def role_inbox_ids(unit_code: str) -> list[str]:
    """The ids a unit's role inboxes have (the same as its directory entries would)."""
    return [f"{prefix}:{unit_code}" for prefix in _KINDS]


class RoleInbox(Recipient):
    """A recipient made up for a unit without a directory entry (inbox only)."""


def role_inbox(recipient_id: str, tree: DivisionTree) -> RoleInbox | None:
    """The fallback for a unit-bound recipient id, or None for any other id."""
    prefix, _, code = recipient_id.partition(":")
    kind = _KINDS.get(prefix)
    unit = tree.get(code)
    if kind is None or unit is None or not unit.active:
        return None
    return RoleInbox(
        id=recipient_id,
        name=f"{unit.name}{kind[1]}（通讯录未登记）",
        kind=kind[0],
        unit_code=unit.code,
        channels=[Channel.INBOX],
        roles=_ROLES[unit.level],
    )

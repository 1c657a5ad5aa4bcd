"""The two sibling regions of the matrix (default division tree) and the records of
region A that region B's callers must not reach."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lingban_kit.auth import Role

CITY = "340881000000"  # 桐城市
TOWNSHIP_A = "340881100000"  # 新渡镇
VILLAGE_A = "340881100201"  # 北塘村, in 新渡镇
TOWNSHIP_B = "340881101000"  # 双港镇
VILLAGE_B = "340881101201"  # 丰圩村, in 双港镇

ROLES = tuple(Role)
# A village secretary sits at a village; every other role at a township, so "own"
# is the subtree holding region A's records and "other" the sibling township's.
# (The default tree has one city, so no role has a sibling at city level.)
OWN = {role: VILLAGE_A if role is Role.VILLAGE_SECRETARY else TOWNSHIP_A for role in ROLES}
OTHER = {role: VILLAGE_B if role is Role.VILLAGE_SECRETARY else TOWNSHIP_B for role in ROLES}


@dataclass
class Records:
    """Ids of records that exist in region A (village A or township A), made through the
    services' own APIs (the notification, which only rules create, through its repository)."""

    project: str = ""
    project_file: str = ""
    project_attachment: dict[str, Any] = field(default_factory=dict)  # its upload reference
    group: str = ""
    sample: str = ""  # "" when no draw was possible (then an unknown id is used)
    inspection: str = ""
    problem: str = ""
    visit: str = ""
    roster: str = ""  # township A's stationed-contact roster of 2026 (驻点名册)
    dispatch_meeting: str = ""  # township A's dispatch meeting (调度会)
    dispatch_task: str = ""  # the task it assigned to village A (交办事项)
    model_case: str = ""  # village A nominated as a 示范村 (not published)
    supervision_file: str = ""
    supervision_attachment: dict[str, Any] = field(default_factory=dict)
    contact: str = f"secretary:{VILLAGE_A}"
    notification: str = ""
    rules: dict[str, Any] = field(default_factory=dict)  # the current reminder rules

    def ids(self) -> list[str]:
        """What must never appear in an answer to a region-B caller."""
        return [
            ident
            for ident in (
                self.project,
                self.project_file,
                self.group,
                self.sample,
                self.inspection,
                self.problem,
                self.visit,
                self.roster,
                self.dispatch_meeting,
                self.dispatch_task,
                self.model_case,
                self.supervision_file,
                self.contact,
                self.notification,
            )
            if ident
        ]

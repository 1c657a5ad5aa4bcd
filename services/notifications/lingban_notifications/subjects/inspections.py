"""Supervision groups and planned inspections -> reminders to the group's members.

Supervision-group members are real users (issue 16): a member with a sign-in
account (`GroupMember.user_id`) gets the `inspection-upcoming` reminder before
each inspection their group planned, in a personal inbox only that account
reads (`member_inbox`; no directory entry needed). An unannounced
inspection's target stays hidden here too: the reminder names the date and the
method, never the unit, until the inspection is recorded.

`reminder_groups` and `reminder_inspections` are version-guarded copies
(`apply_if_newer`), so duplicates and stale events change nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from lingban_contracts import Envelope
from lingban_contracts.events import supervision as sev
from lingban_contracts.events.notifications import Channel
from lingban_contracts.registry import event_type
from lingban_kit.auth import Principal
from lingban_kit.mongo import Database, apply_if_newer
from lingban_notifications.directory.domain import Recipient, RecipientKind
from lingban_notifications.subjects.tracking import Projection

if TYPE_CHECKING:
    from lingban_notifications.rules.model import Rule
    from lingban_notifications.scheduling.evaluate import Evaluator, Intent

GROUPS = "reminder_groups"
INSPECTIONS = "reminder_inspections"
GROUP_EVENTS = (event_type(sev.SupervisionGroupCreated), event_type(sev.SupervisionGroupChanged))
PLANNED, DONE = "planned", "done"
INSPECTION_STATUS = {
    event_type(sev.InspectionPlanned): PLANNED,
    event_type(sev.InspectionRecorded): DONE,
}
INSPECTION_EVENTS = (*GROUP_EVENTS, *INSPECTION_STATUS)
METHOD_ZH = {
    sev.InspectionMethod.ROUTINE_CHECK: "日常检查",
    sev.InspectionMethod.SPECIAL_RESEARCH: "专项调研",
    sev.InspectionMethod.REPORT_HEARING: "听取汇报",
    sev.InspectionMethod.ON_SITE: "现场督导",
    sev.InspectionMethod.HOUSEHOLD_VISIT: "入户走访",
    sev.InspectionMethod.UNANNOUNCED: "暗访",
}


class MemberInbox(Recipient):
    """A group member's own inbox: inbox only, read by the member's account alone."""


def member_inbox_id(user_id: str) -> str:
    # Account ids may hold characters a recipient id may not (`@`): a stable digest.
    return "member:" + hashlib.sha256(user_id.encode()).hexdigest()[:24]


def member_inbox(user_id: str, name: str, unit_code: str) -> MemberInbox:
    return MemberInbox(
        id=member_inbox_id(user_id),
        name=name,
        kind=RecipientKind.SUPERVISION_GROUP,
        unit_code=unit_code,
        channels=[Channel.INBOX],
        user_ids=[user_id],
    )


def is_member_inbox(recipient_id: str) -> bool:
    return recipient_id.startswith("member:")


def delivered_as(recipient_id: str, name: str, unit_code: str) -> MemberInbox:
    """The stand-in the dispatcher delivers a member's notice to (the inbox needs no
    address; who may read it is decided by the id when the member opens the inbox)."""
    return MemberInbox(
        id=recipient_id,
        name=name,
        kind=RecipientKind.SUPERVISION_GROUP,
        unit_code=unit_code,
        channels=[Channel.INBOX],
    )


def member_inbox_of(principal: Principal) -> str:
    """The id of the signed-in user's own member inbox (empty if they are in no group)."""
    return member_inbox_id(principal.id)


def _update(event: Envelope) -> tuple[str, str, dict[str, Any]] | None:
    d = event.data
    if event.type in GROUP_EVENTS:
        members = [
            {"name": m["name"], "user_id": m["user_id"]} for m in d["members"] if m.get("user_id")
        ]
        return (
            GROUPS,
            d["group_id"],
            {"$set": {"region_code": d["region_code"], "members": members}},
        )
    if event.type in INSPECTION_STATUS:
        sets: dict[str, Any] = {
            "group_id": d["group_id"],
            "region_code": d["region_code"],
            "status": INSPECTION_STATUS[event.type],
        }
        if event.type == event_type(sev.InspectionPlanned):
            sets |= {"planned_on": str(d["planned_on"]), "method": d["method"]}
        return INSPECTIONS, d["inspection_id"], {"$set": sets}
    return None


async def ensure_inspection_indexes(db: Database) -> None:
    """The scheduler reads the planned ones by `status` equality."""
    await db[INSPECTIONS].create_index("status")


def inspection_projection(db: Database) -> Projection:
    async def apply(event: Envelope) -> None:
        found = _update(event)
        if found is not None:
            collection, doc_id, update = found
            await apply_if_newer(db[collection], doc_id, event.aggregate_version, update)

    return apply


@dataclass(frozen=True)
class Member:
    name: str
    user_id: str


@dataclass(frozen=True)
class InspectionSubject:
    id: str
    region_code: str
    planned_on: date
    method: sev.InspectionMethod
    members: tuple[Member, ...]


async def planned_inspections(db: Database) -> list[InspectionSubject]:
    """Inspections still planned, with their groups' members who have accounts."""
    docs = await db[INSPECTIONS].find({"status": PLANNED}).to_list(None)
    group_ids = sorted({d["group_id"] for d in docs})
    groups = (
        {g["_id"]: g async for g in db[GROUPS].find({"_id": {"$in": group_ids}})}
        if group_ids
        else {}
    )
    found: list[InspectionSubject] = []
    for d in docs:
        members = groups.get(d["group_id"], {}).get("members", [])
        if "planned_on" not in d or not members:
            continue
        found.append(
            InspectionSubject(
                id=str(d["_id"]),
                region_code=d["region_code"],
                planned_on=date.fromisoformat(d["planned_on"]),
                method=sev.InspectionMethod(d["method"]),
                members=tuple(Member(m["name"], m["user_id"]) for m in members),
            )
        )
    return found


def inspection_intents(
    evaluator: Evaluator, rule: Rule, today: date, inspections: list[InspectionSubject]
) -> list[Intent]:
    """Before each planned inspection: one reminder per member with an account."""
    from lingban_notifications.scheduling.evaluate import Intent

    intents: list[Intent] = []
    for i in inspections:
        period = evaluator.deadline_period(rule, i.planned_on, today, i.planned_on.isoformat())
        if period is None or i.planned_on < today:
            continue
        for member in i.members:
            recipient = member_inbox(member.user_id, member.name, i.region_code)
            intents.append(
                Intent(
                    rule=rule,
                    subject_type="inspection",
                    subject_id=i.id,
                    subject_unit_code=i.region_code,
                    period=period,
                    recipient=recipient,
                    vars={
                        "recipient_name": member.name,
                        "unit_name": evaluator.unit_name(i.region_code),
                        # The names a deadline rule's template knows (rules/model.py).
                        "deadline": i.planned_on.isoformat(),
                        "task": METHOD_ZH[i.method],
                        "month": i.planned_on.strftime("%Y-%m"),
                        "days_left": str((i.planned_on - today).days),
                        "period": period,
                        "rule_id": rule.id,
                    },
                    link_path=f"/inspections/{i.id}",
                )
            )
    return intents

"""Stationed-contact events -> the rosters and stationed months the reminders look at.

- `reminder_rosters`: one document per roster (驻点名册), the full assignment history
  of the year, replaced by the newest roster event (version-guarded);
- `reminder_stationed_months`: one per stationed person and month, the newest summary
  (residence days, the minimum), version-guarded.

Two scheduled reminders come from them (rule kinds `stationed_day` and
`residence_at_risk`):

- the day before a stationed day (驻点日) — on the last working day before it, so a
  Monday's reminder goes out on Friday — the stationed person is reminded. They are
  reached through the notifications directory: the roster names each person's contact
  (`contact_id`, e.g. `stationed:p-wang`, a directory entry of the township with the
  person's token `sub` in `user_ids`); without one, `stationed:<person_id>` is tried;
  a person the directory does not know is reminded through the township staff's inbox
  instead (their role inbox when the township has no entry either), so the reminder is
  never silently lost.
- from `days_before` days before a month ends, the township (its secretary and staff) is
  told which of its stationed leaders are still below the residence minimum (住村);
  and every week (its first working day, at the rule's time) which leaders resided
  fewer working days last week than the weekly minimum asks (每周工作日住村不少于 N 天;
  the week's part in each month it touches, as supervision judges it), one notice per
  township and week.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from lingban_contracts import Envelope
from lingban_contracts.events import stationing as st
from lingban_contracts.events.stationing import (
    DEFAULT_MIN_RESIDENCE_DAYS,
    Assignment,
    StationedPosition,
    month_dates,
)
from lingban_contracts.registry import event_type
from lingban_kit.mongo import Database, apply_if_newer
from lingban_notifications.directory.domain import township_staff_id
from lingban_notifications.directory.role_inbox import role_inbox
from lingban_notifications.subjects.tracking import Projection

if TYPE_CHECKING:
    from lingban_notifications.rules.model import Rule
    from lingban_notifications.scheduling.evaluate import Evaluator, Intent

ROSTERS = "reminder_rosters"
STATIONED_MONTHS = "reminder_stationed_months"
ROSTER_EVENT_TYPES = (event_type(st.RosterCreated), event_type(st.RosterChanged))
MONTH_EVENT_TYPES = (
    event_type(st.VisitPlanSet),
    event_type(st.ResidenceRecorded),
    event_type(st.LeaveRecorded),
)
ROSTER_EVENTS = (*ROSTER_EVENT_TYPES, *MONTH_EVENT_TYPES)
LEADERS = frozenset(
    {StationedPosition.PARTY_SECRETARY, StationedPosition.MAYOR, StationedPosition.OTHER_LEADER}
)
POSITION_ZH = {
    StationedPosition.PARTY_SECRETARY: "党委书记",
    StationedPosition.MAYOR: "镇长",
    StationedPosition.OTHER_LEADER: "班子成员",
    StationedPosition.TEAM_MEMBER: "团队成员",
}
WEEKDAY_ZH = "一二三四五六日"


def stationed_contact_id(person_id: str) -> str:
    """The directory id tried for a person whose roster line names no contact."""
    return f"stationed:{person_id}"


def _update(event: Envelope) -> tuple[str, str, dict[str, Any]] | None:
    d = event.data
    if event.type in ROSTER_EVENT_TYPES:
        sets = {
            "township_code": d["township_code"],
            "year": d["year"],
            "assignments": list(d["assignments"]),
        }
        return ROSTERS, str(d["roster_id"]), {"$set": sets}
    if event.type in MONTH_EVENT_TYPES:
        sets = {
            "township_code": d["township_code"],
            "unit_code": d["unit_code"],
            "person_id": d["person_id"],
            "month": d["month"],
            "residence_days": len(d["residence_days"]),
            "min_residence_days": d["min_residence_days"],
            # The weekly rule per week (events from before it have none).
            "residence_weeks": [
                {
                    "week": str(w["week"]),
                    "last_day": str(w["last_day"]),
                    "required": int(w["required"]),
                    "resided": int(w["resided"]),
                }
                for w in d.get("residence_weeks") or []
            ],
        }
        return STATIONED_MONTHS, str(d["record_id"]), {"$set": sets}
    return None


async def ensure_roster_indexes(db: Database) -> None:
    """The scheduler reads this year's rosters and this month's records by equality."""
    await db[ROSTERS].create_index("year")
    await db[STATIONED_MONTHS].create_index("month")


def roster_projection(db: Database) -> Projection:
    async def apply(event: Envelope) -> None:
        found = _update(event)
        if found is not None:
            collection, doc_id, update = found
            await apply_if_newer(db[collection], doc_id, event.aggregate_version, update)

    return apply


@dataclass(frozen=True)
class StationingSubjects:
    """This year's assignments and this month's residence days, as the scheduler read them."""

    assignments: tuple[tuple[str, Assignment], ...] = ()  # (township, line)
    # (person, month) -> (residence days recorded, the month's minimum)
    residence: Mapping[tuple[str, str], tuple[int, int]] | None = None
    # (person, month) -> the weekly rule's weeks: (ISO week, resided, required)
    weeks: Mapping[tuple[str, str], tuple[tuple[str, int, int], ...]] | None = None

    def residence_of(self, person_id: str, month: str) -> tuple[int, int]:
        return (self.residence or {}).get((person_id, month), (0, DEFAULT_MIN_RESIDENCE_DAYS))

    def week_of(self, person_id: str, week: str, months: Iterable[str]) -> tuple[int, int]:
        """(resided, required) of a week over its parts in the months given; (0, 0) if none."""
        parts = [
            (resided, required)
            for month in months
            for w, resided, required in (self.weeks or {}).get((person_id, month), ())
            if w == week
        ]
        return sum(p[0] for p in parts), sum(p[1] for p in parts)


async def stationing_subjects(db: Database, today: date) -> StationingSubjects:
    """The rosters of this year and the next week's, and the records of this month."""
    years = sorted({today.year, (today + timedelta(days=7)).year})
    lines: list[tuple[str, Assignment]] = []
    for year in years:
        for doc in await db[ROSTERS].find({"year": year}).to_list(None):
            lines += [
                (str(doc["township_code"]), Assignment.model_validate(a))
                for a in doc.get("assignments") or []
            ]
    month = today.strftime("%Y-%m")
    residence: dict[tuple[str, str], tuple[int, int]] = {}
    weeks: dict[tuple[str, str], tuple[tuple[str, int, int], ...]] = {}
    # This month's records, and last week's month when last week began in another one.
    for wanted in sorted({month, *last_week_months(today)}):
        for d in await db[STATIONED_MONTHS].find({"month": wanted}).to_list(None):
            key = (str(d["person_id"]), wanted)
            residence[key] = (int(d["residence_days"]), int(d["min_residence_days"]))
            weeks[key] = tuple(
                (str(w["week"]), int(w["resided"]), int(w["required"]))
                for w in d.get("residence_weeks") or []
            )
    return StationingSubjects(tuple(lines), residence, weeks)


def last_week(today: date) -> tuple[str, date, date]:
    """The ISO week before today's: its label, Monday and Sunday."""
    monday = today - timedelta(days=today.isoweekday() - 1 + 7)
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}", monday, monday + timedelta(days=6)


def last_week_months(today: date) -> list[str]:
    _, monday, sunday = last_week(today)
    return sorted({monday.strftime("%Y-%m"), sunday.strftime("%Y-%m")})


def _recipients(evaluator: Evaluator, rule: Rule, township: str, line: Assignment) -> list[Any]:
    """The person's own contact, else the township staff's inbox; plus the rule's audience."""
    from lingban_notifications.rules.model import Audience

    found = list(evaluator.audience(rule, line.village_code))
    if Audience.STATIONED_PERSON in rule.audience:
        for contact in (line.contact_id, stationed_contact_id(line.person_id)):
            if contact and contact in evaluator.directory:
                found.append(evaluator.directory[contact])
                break
        else:
            # Not in the directory: the township staff's inbox (their role inbox if the
            # township has no entry either), never dropped.
            staff_id = township_staff_id(township)
            staff = evaluator.directory.get(staff_id) or role_inbox(staff_id, evaluator.tree)
            if staff is not None:
                found.append(staff)
    return list({r.id: r for r in found}.values())


def stationed_day_intents(
    evaluator: Evaluator, rule: Rule, today: date, subjects: StationingSubjects
) -> list[Intent]:
    """On the last working day before each stationed day of the coming week."""
    from lingban_notifications.scheduling.evaluate import Intent

    intents: list[Intent] = []
    for township, line in subjects.assignments:
        for ahead in range(1, 8):
            day = today + timedelta(days=ahead)
            if day.isoweekday() != line.weekday or not line.valid_on(day):
                continue
            if evaluator.calendar.previous_working_day(day) != today:
                continue
            values = {
                "unit_name": evaluator.unit_name(line.village_code),
                "unit_code": line.village_code,
                "person_name": line.name,
                "position": POSITION_ZH[line.position],
                "stationed_on": day.isoformat(),
                "weekday": WEEKDAY_ZH[day.isoweekday() - 1],
                "period": day.isoformat(),
                "rule_id": rule.id,
                "subject_id": line.person_id,
            }
            for r in _recipients(evaluator, rule, township, line):
                intents.append(
                    Intent(
                        rule=rule,
                        subject_type="stationed_day",
                        subject_id=f"{township}/{line.person_id}",
                        subject_unit_code=line.village_code,
                        period=day.isoformat(),
                        recipient=r,
                        vars={**values, "recipient_name": r.name},
                        link_path=f"/rosters/{township}-{day.year}",
                    )
                )
    return intents


def residence_risk_intents(
    evaluator: Evaluator, rule: Rule, today: date, subjects: StationingSubjects
) -> list[Intent]:
    """From `days_before` days before the month ends: the leaders still short, per township;
    every week: the leaders below the weekly minimum last week, per township."""
    assert rule.days_before
    intents = _weekly_residence_intents(evaluator, rule, today, subjects)
    month = today.strftime("%Y-%m")
    last = month_dates(month)[-1]
    if (last - today).days > max(rule.days_before):
        return intents
    short: dict[str, list[str]] = {}
    for township, line in subjects.assignments:
        if line.position not in LEADERS or not line.valid_on(today):
            continue
        days, minimum = subjects.residence_of(line.person_id, month)
        if days < minimum:
            short.setdefault(township, []).append(
                f"· {line.name}：已住村 {days} 天，应不少于 {minimum} 天"
            )
    for township, lines in sorted(short.items()):
        intents += evaluator.intents_for(
            rule,
            "residence",
            f"{township}/{month}",
            township,
            month,
            {"month": month, "items": "\n".join(sorted(lines)), "count": str(len(lines))},
            f"/rosters/{township}-{today.year}/months/{month}",
        )
    return intents


def _weekly_residence_intents(
    evaluator: Evaluator, rule: Rule, today: date, subjects: StationingSubjects
) -> list[Intent]:
    """Leaders who resided fewer working days last week than the weekly minimum asks."""
    week, monday, sunday = last_week(today)
    months = last_week_months(today)
    short: dict[str, list[str]] = {}
    for township, line in subjects.assignments:
        if line.position not in LEADERS or not (line.valid_on(monday) or line.valid_on(sunday)):
            continue
        resided, required = subjects.week_of(line.person_id, week, months)
        if resided < required:
            short.setdefault(township, []).append(
                f"· {line.name}：{week} 周住村 {resided} 个工作日，应不少于 {required} 个"
            )
    intents: list[Intent] = []
    for township, lines in sorted(short.items()):
        intents += evaluator.intents_for(
            rule,
            "residence",
            f"{township}/{week}",
            township,
            week,
            {"month": week, "items": "\n".join(sorted(lines)), "count": str(len(lines))},
            f"/rosters/{township}-{monday.year}/months/{sunday.strftime('%Y-%m')}",
        )
    return intents

"""Reminders of stationed contact (pure evaluation on the default rules): the day before
a stationed day to the stationed person, and the residence rule at risk to the township."""

from __future__ import annotations

from datetime import date

from lingban_contracts.events.stationing import Assignment
from lingban_notifications.directory.domain import Recipient, RecipientKind
from lingban_notifications.notifications.templates import render
from lingban_notifications.scheduling.evaluate import Evaluator
from lingban_notifications.subjects.rosters import StationingSubjects
from tests.notifications.builders import TOWNSHIP, VILLAGE, evaluator, local

WANG = Assignment(
    person_id="p-wang",
    name="王书记",
    position="party_secretary",
    village_code=VILLAGE,
    weekday=1,  # Mondays
    valid_from=date(2026, 1, 1),
    contact_id="stationed:p-wang",
)
ZHANG = WANG.model_copy(
    update={"person_id": "p-zhang", "name": "张队员", "position": "team_member", "contact_id": None}
)


def with_contact() -> Evaluator:
    ev = evaluator()
    contact = Recipient(
        id="stationed:p-wang",
        name="王书记",
        kind=RecipientKind.TOWNSHIP_STAFF,
        unit_code=TOWNSHIP,
        user_ids=["wang"],
    )
    ev.directory = {**ev.directory, contact.id: contact}
    return ev


def reminders(
    when: tuple[int, int, int, int], subjects: StationingSubjects
) -> set[tuple[str, str, str]]:
    ev = with_contact()
    return {
        (i.rule.id, i.recipient.id, i.period)
        for i in ev.evaluate(local(*when), [], stationing=subjects)
        if i.rule.id in ("stationed-day-reminder", "residence-at-risk")
    }


def test_the_stationed_person_is_reminded_on_the_last_working_day_before() -> None:
    subjects = StationingSubjects(((TOWNSHIP, WANG), (TOWNSHIP, ZHANG)))
    # Monday 2026-03-09 is stationed: reminded on Friday the 6th after 16:00, not before.
    assert reminders((2026, 3, 6, 15), subjects) == set()
    assert reminders((2026, 3, 6, 17), subjects) == {
        ("stationed-day-reminder", "stationed:p-wang", "2026-03-09"),
        # No contact for the team member: the township staff's inbox, never dropped.
        ("stationed-day-reminder", f"township-staff:{TOWNSHIP}", "2026-03-09"),
    }
    # Not on the Sunday, and nothing on a Thursday.
    assert reminders((2026, 3, 5, 17), subjects) == set()
    [intent, _staff] = with_contact().evaluate(local(2026, 3, 6, 17), [], stationing=subjects)[:2]
    title, body = render(intent.rule.template, {**intent.vars, "link": "https://x/"})
    assert title["zh"] == "驻点日提醒：2026-03-09（周一）驻 南铺社区"
    assert "王书记（党委书记）" in body["zh"]


def test_the_township_hears_of_leaders_short_of_residence_days() -> None:
    lines = ((TOWNSHIP, WANG), (TOWNSHIP, ZHANG))
    short = StationingSubjects(lines, {("p-wang", "2026-03"): (1, 3)})
    assert reminders((2026, 3, 20, 10), short) == set()  # more than 7 days left
    at_risk = {i for i in reminders((2026, 3, 25, 10), short) if i[0] == "residence-at-risk"}
    assert {recipient for _, recipient, _ in at_risk} == {
        f"secretary:{TOWNSHIP}",
        f"township-staff:{TOWNSHIP}",
    }
    met = StationingSubjects(lines, {("p-wang", "2026-03"): (3, 3)})
    # Met by the leader; the team member is not bound by the rule.
    assert {i for i in reminders((2026, 3, 25, 10), met) if i[0] == "residence-at-risk"} == set()


def test_the_township_hears_each_week_of_leaders_below_the_weekly_minimum() -> None:
    lines = ((TOWNSHIP, WANG), (TOWNSHIP, ZHANG))
    # Week 2026-W10 (March 2-6): 王书记 resided 1 working day of the 3 asked; the team
    # member is not bound. Week W14 straddles March and April: 1 + 1 of 1 + 1.
    weeks = {
        ("p-wang", "2026-03"): (("2026-W10", 1, 3), ("2026-W14", 1, 1)),
        ("p-zhang", "2026-03"): (("2026-W10", 0, 3),),
        ("p-wang", "2026-04"): (("2026-W14", 1, 1),),
    }
    short = StationingSubjects(lines, {}, weeks)
    # Told on the next week's first working day (Monday March 9), for W10, once per week.
    monday = {i for i in reminders((2026, 3, 9, 10), short) if i[0] == "residence-at-risk"}
    assert monday == {
        ("residence-at-risk", f"secretary:{TOWNSHIP}", "2026-W10"),
        ("residence-at-risk", f"township-staff:{TOWNSHIP}", "2026-W10"),
    }
    [intent, *_] = [
        i
        for i in with_contact().evaluate(local(2026, 3, 9, 10), [], stationing=short)
        if i.rule.id == "residence-at-risk"
    ]
    assert intent.vars["items"] == "· 王书记：2026-W10 周住村 1 个工作日，应不少于 3 个"
    assert intent.vars["count"] == "1"
    # The week after (W11 unrecorded: no weekly rule known for it) says nothing; nor does
    # the straddling week met in both of its months.
    assert not {i for i in reminders((2026, 3, 16, 10), short) if i[0] == "residence-at-risk"}
    assert not {i for i in reminders((2026, 4, 6, 10), short) if i[0] == "residence-at-risk"}

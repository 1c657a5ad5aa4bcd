"""Done when: over a simulated month for a township, each expected card, reminder,
warning and escalation is delivered once to the right people on the right
channels, failures are retried and surfaced, and acknowledgements are tracked.

文昌街道 with three communities, April 1 to May 8, 2026 (May 1, 4 and 5 are
holidays), on the real broker, database, SMTP server and SMS stand-in:
- P1 (南铺社区) reports weekly and reports its April stage on April 28;
- P2 (畈集社区) stops weekly reports after W15 and never reports April;
- P3 (丰坝社区) is submitted on April 2 and waits for review;
- everyone signs (签收) what needs signing the same morning, except the
  township secretary, who leaves the April card until April 3.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.events import projects as ev
from lingban_kit.auth import Role
from tests.auth import auth
from tests.notifications.builders import CITY, TOWNSHIP, VILLAGE, VILLAGE_2, local
from tests.notifications.conftest import NotificationsApi, Receiver, SmtpServer, subject_of

pytestmark = pytest.mark.integration

VILLAGE_3 = "340881001003"
T, S = f"secretary:{TOWNSHIP}", f"township-staff:{TOWNSHIP}"
V1, V2 = f"secretary:{VILLAGE}", f"secretary:{VILLAGE_2}"
TF1, TF2 = f"task-force:{VILLAGE}", f"task-force:{VILLAGE_2}"
DEPARTMENTS = [
    f"member-department:{d}"
    for d in ("organisation", "civil-affairs", "housing", "agriculture", "finance")
]
TICKS = ((8, 30), (9, 0), (9, 30))  # the rules fire at 08:30, 09:00 and 09:30


class Project:
    def __init__(self, unit: str) -> None:
        self.id = uuid.uuid4().hex
        self.unit = unit
        self.version = 0

    def event(self, data: EventData, at: datetime) -> Envelope:
        self.version += 1
        return new_envelope(
            data=data,
            source_service="projects",
            actor=Actor(id="tester"),
            region_code=self.unit,
            aggregate_id=self.id,
            aggregate_version=self.version,
            time=at,
        )

    def ids(self) -> dict[str, Any]:
        return {"project_id": self.id, "unit_code": self.unit, "year": 2026}

    def declared(self, at: datetime) -> Envelope:
        return self.event(
            ev.ProjectDeclared(
                **self.ids(),
                title=f"{self.unit[-3:]} 号助餐点",
                category="民生服务",
                problem="留守老人吃饭难",
                expected_goals="g",
                evaluation_criteria="c",
                lead_secretary="书记",
                task_force=["王专班"],
                deadline=date(2026, 5, 31),
                stage_tasks=[
                    ev.StageTask(
                        month=m, task=f"{m} 建设助餐点", deliverable="台账", owner="王专班"
                    )
                    for m in ("2026-04", "2026-05")
                ],
            ),
            at,
        )

    def submitted(self, at: datetime) -> Envelope:
        return self.event(ev.ProjectSubmitted(**self.ids(), revision=1, reviewer_unit=TOWNSHIP), at)

    def into_execution(self, at: datetime) -> list[Envelope]:
        scores = ev.ReviewScores(feasibility=80, precision=80, effectiveness=80)
        return [
            self.submitted(at),
            self.event(ev.ProjectApproved(**self.ids(), revision=1, scores=scores), at),
            self.event(
                ev.ProjectExecutionStarted(
                    **self.ids(),
                    stage_months=["2026-04", "2026-05"],
                    lead_secretary="书记",
                    deadline=date(2026, 5, 31),
                ),
                at,
            ),
        ]

    def weekly(self, week: str, at: datetime) -> Envelope:
        return self.event(
            ev.WeeklyReportSubmitted(**self.ids(), week=week, key_tasks=["助餐"], narrative="推进"),
            at,
        )

    def stage_done(self, month: str, at: datetime) -> list[Envelope]:
        return [
            self.event(
                ev.StageReported(
                    **self.ids(),
                    month=month,
                    status=ev.StageStatus.DONE,
                    percent=100,
                    narrative="完成",
                    late=False,
                ),
                at,
            ),
            self.event(ev.StageCompleted(**self.ids(), month=month), at),
        ]

    def overdue(self, month: str, at: datetime) -> Envelope:
        return self.event(
            ev.StageOverdue(
                **self.ids(), month=month, task=f"{month} 建设助餐点", detected_on=at.date()
            ),
            at,
        )


READERS = {
    "township secretary": auth(Role.TOWNSHIP_SECRETARY, TOWNSHIP),
    "township staff": auth(Role.TOWNSHIP_STAFF, TOWNSHIP),
    "village 1": auth(Role.VILLAGE_SECRETARY, VILLAGE),
    "village 2": auth(Role.VILLAGE_SECRETARY, VILLAGE_2),
    "task force 1": auth(Role.VILLAGE_SECRETARY, VILLAGE, sub=f"task-force@{VILLAGE}"),
    "task force 2": auth(Role.VILLAGE_SECRETARY, VILLAGE_2, sub=f"task-force@{VILLAGE_2}"),
    "city": auth(Role.CITY_ORG, CITY),
    **{d: auth(Role.LEADER, CITY, sub=f"member-department@{d.split(':')[1]}") for d in DEPARTMENTS},
}


async def sign_everything(api: NotificationsApi, today: date) -> int:
    signed = 0
    for reader, headers in READERS.items():
        inbox = (await api.http.get("/v1/inbox?limit=200", headers=headers)).json()
        for n in inbox:
            if not n["requires_acknowledgement"] or n["acknowledged_at"]:
                continue
            late_reader = reader == "township secretary" and n["rule_id"] == "monthly-card-township"
            if late_reader and n["period"] == "2026-04" and today < date(2026, 4, 3):
                continue
            r = await api.http.post(f"/v1/inbox/{n['id']}/acknowledgement", headers=headers)
            assert r.status_code == 200, r.text
            signed += 1
    return signed


async def test_a_month_of_reminders_for_a_township(
    notif: NotificationsApi, smtp: SmtpServer, receivers: dict[str, Receiver]
) -> None:
    p1, p2, p3 = Project(VILLAGE), Project(VILLAGE_2), Project(VILLAGE_3)
    start = local(2026, 3, 30, 9)
    setup = [p1.declared(start), *p1.into_execution(start), p2.declared(start)]
    setup += [*p2.into_execution(start), p3.declared(start)]
    weeks = {date(2026, 4, 2) + timedelta(days=7 * i): f"2026-W{14 + i}" for i in range(6)}
    # What happens on which day, made when published so versions stay in order.
    script: dict[date, list[Callable[[datetime], list[Envelope]]]] = {}

    def weekly(project: Project, week: str) -> Callable[[datetime], list[Envelope]]:
        return lambda at: [project.weekly(week, at)]

    for day, week in weeks.items():  # Thursdays
        script.setdefault(day, []).append(weekly(p1, week))
        if week in ("2026-W14", "2026-W15"):
            script[day].append(weekly(p2, week))
    script[date(2026, 4, 2)].append(lambda at: [p3.submitted(at)])
    script[date(2026, 4, 28)] = [lambda at: p1.stage_done("2026-04", at)]
    script[date(2026, 5, 1)] = [lambda at: [p2.overdue("2026-04", at)]]

    await notif.publish(*setup)
    await wait_versions(notif, setup)

    day = date(2026, 4, 1)
    while day <= date(2026, 5, 8):
        if day in script:
            at = local(day.year, day.month, day.day, 7, 55)
            notif.clock.set(at)
            events = [e for make in script[day] for e in make(at)]
            await notif.publish(*events)
            await wait_versions(notif, events)
        if day == date(2026, 4, 23):
            receivers["sms"].fail_next = 2  # the gateway fails twice that morning
        for hh, mm in TICKS:
            notif.clock.set(local(day.year, day.month, day.day, hh, mm))
            await notif.tick()
        await sign_everything(notif, day)
        day += timedelta(days=1)

    found = await notif.notifications()
    keys = Counter((n["rule_id"], n["recipient_id"], n["period"]) for n in found)
    assert max(keys.values()) == 1  # nothing twice

    def generic(n: dict[str, Any]) -> tuple[str, str, str]:
        per_event = n["kind"] in ("event_notice", "acknowledgement_escalation")
        return (n["rule_id"], n["recipient_id"], "*" if per_event else n["period"])

    expected = {
        *{("monthly-card-township", r, m) for r in (T, S) for m in ("2026-04", "2026-05")},
        *{("monthly-card-task-force", r, m) for r in (TF1, TF2) for m in ("2026-04", "2026-05")},
        # No member-department card: no task is assigned to a department this month
        # (the card lists the department's own tasks, tests/dispatch).
        *{("weekly-report-reminder", V2, f"2026-W{w}") for w in (16, 17, 18, 19)},
        *{("weekly-report-missing", r, f"2026-W{w}") for r in (V2, S) for w in (16, 17, 18)},
        ("stage-deadline-warning", V1, "2026-04/D-7"),
        ("stage-deadline-warning", V1, "2026-04/D-3"),
        *{
            ("stage-deadline-warning", V2, p)
            for p in (
                "2026-04/D-7",
                "2026-04/D-3",
                "2026-04/D-1",
                "2026-04/2026-05-06",
                "2026-04/2026-05-07",
                "2026-04/2026-05-08",
            )
        },
        ("stage-overdue-escalation", T, "2026-04"),
        ("review-waiting", T, "revision-1"),
        ("stage-overdue-notice", V2, "*"),
        ("stage-overdue-notice", S, "*"),
        ("acknowledgement-escalation", f"secretary:{CITY}", "*"),
    }
    assert Counter(generic(n) for n in found) == Counter(expected)

    # The right channels, each delivered (none dead, none left pending).
    statuses = Counter(d["status"] for n in found for d in n["deliveries"].values())
    assert set(statuses) == {"sent"}, statuses

    def channels(rule: str, recipient: str) -> set[str]:
        return {
            c
            for n in found
            if (n["rule_id"], n["recipient_id"]) == (rule, recipient)
            for c in n["deliveries"]
        }

    assert channels("monthly-card-township", T) == {"inbox", "email"}
    assert channels("stage-deadline-warning", V1) == {"inbox", "sms"}
    assert channels("stage-deadline-warning", V2) == {"inbox"}  # no phone enabled
    assert channels("stage-overdue-escalation", T) == {"inbox", "email"}
    assert channels("monthly-card-task-force", TF1) == {"inbox", "webhook"}
    township_mail = [
        m for m in smtp.messages if m["To"] == f"secretary.{TOWNSHIP}@demo.lingban.invalid"
    ]
    titles = [subject_of(m) for m in township_mail]
    # April's card, the review reminder, and on May 6 one digest of May's card
    # and the escalation (both due at 09:00) instead of two messages.
    assert len(titles) == 3, titles
    assert "提醒卡" in titles[0]
    assert "待研判" in titles[1]
    assert "共 2 条" in titles[2]
    digest = township_mail[2].get_payload(decode=True)
    assert isinstance(digest, bytes)
    assert "逾期升级" in digest.decode()
    assert "2026-05" in digest.decode()

    # The SMS gateway failed twice on April 23: retried with backoff, then delivered.
    [d7] = [
        n
        for n in found
        if (n["rule_id"], n["recipient_id"], n["period"])
        == ("stage-deadline-warning", V1, "2026-04/D-7")
    ]
    assert (d7["deliveries"]["sms"]["status"], d7["deliveries"]["sms"]["attempts"]) == ("sent", 3)
    assert len([r for r in receivers["sms"].requests]) == 2  # D-7 and D-3, once each

    # Acknowledgements tracked: everything that needed signing is signed; the
    # township secretary's late April card was escalated first.
    need = [n for n in found if n["requires_ack"]]
    assert need
    assert all(n["acknowledged_at"] is not None for n in need)
    [late] = [n for n in need if n["ack_escalated"]]
    assert (late["rule_id"], late["recipient_id"], late["period"]) == (
        "monthly-card-township",
        T,
        "2026-04",
    )
    assert late["acknowledged_at"] > late["first_sent_at"] + timedelta(hours=48)


async def wait_versions(api: NotificationsApi, events: list[Envelope]) -> None:
    """Until the consumer has applied these events (each project's latest version)."""
    import asyncio
    import time

    versions: dict[str, int] = {}
    for e in events:
        versions[e.aggregate_id] = max(versions.get(e.aggregate_id, 0), e.aggregate_version)
    coll = api.app.state.runtime.db["reminder_subjects"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        docs = await coll.find({"_id": {"$in": list(versions)}}).to_list(None)
        if {d["_id"]: d["version"] for d in docs} == versions:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"events not consumed in time: {versions}")

"""Event-triggered notices and acknowledgement escalation (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from lingban_contracts import Envelope
from lingban_kit.clock import LOCAL_ZONE
from lingban_notifications.notifications.domain import Notification
from lingban_notifications.rules.model import Kind, Rule
from lingban_notifications.scheduling.evaluate import Evaluator, Intent, ProjectSubject


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "；".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def event_notice_intents(
    evaluator: Evaluator, rule: Rule, event: Envelope, project: ProjectSubject | None
) -> list[Intent]:
    assert rule.kind is Kind.EVENT_NOTICE
    assert rule.subject is not None
    data = event.data
    subject_id = str(data.get(rule.subject.id_field) or event.aggregate_id)
    unit_code = str(data.get(rule.subject.unit_field) or event.region_code)
    values = {k: _text(v) for k, v in data.items()}
    values["event_type"] = event.type
    values["project_title"] = project.title if project else values.get("title", subject_id)
    link = (
        f"/projects/{subject_id}"
        if rule.subject.type == "project"
        else f"/{rule.subject.type}s/{subject_id}"
    )
    # One notice per occurrence: the aggregate version tells occurrences apart
    # and is the same when the event is redelivered.
    period = f"{event.aggregate_id}@v{event.aggregate_version}"
    # A member department's task (成员单位: its unit is the city) is the department's
    # to act on: its overdue and sent-back notices go to it, not the city's audience.
    department = data.get("department")
    recipients = evaluator.department(str(department), unit_code) if department else None
    return evaluator.intents_for(
        rule, rule.subject.type, subject_id, unit_code, period, values, link, recipients=recipients
    )


def ack_escalation_intents(
    evaluator: Evaluator, rule: Rule, now: datetime, waiting: list[Notification]
) -> list[tuple[Intent, Notification]]:
    assert rule.after_hours is not None
    found: list[tuple[Intent, Notification]] = []
    for n in waiting:
        sent = n.first_sent_at
        if n.kind == Kind.ACKNOWLEDGEMENT_ESCALATION or sent is None:
            continue
        if sent + timedelta(hours=rule.after_hours) > now:
            continue
        values = {
            "original_title": n.title["zh"],
            "original_recipient": n.recipient_name,
            "sent_at": sent.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M"),
            "hours": str(rule.after_hours),
        }
        for intent in evaluator.intents_for(
            rule, "notification", n.id, n.unit_code, "ack", values, f"/inbox/{n.id}"
        ):
            found.append((intent, n))
    return found

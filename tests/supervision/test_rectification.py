"""Inspections and the rectification state machine with its overdue detection."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lingban_contracts.events.supervision import InspectionMethod, RectificationStatus
from lingban_kit.clock import FixedClock
from lingban_kit.errors import InvalidTransition, ValidationFailed
from lingban_supervision.aggregate import SYSTEM_ACTOR
from lingban_supervision.inspections.domain import Inspection, InspectionStatus

from .builders import ACTOR, NOW, TOWNSHIP, VERIFIER, VILLAGE, checklist, failed, planned


def _types(inspection: Inspection) -> list[str]:
    return [e.type.split(".")[2] for e in inspection.pending_events]


def test_an_unannounced_plan_hides_its_target_from_subscribers() -> None:
    inspection = Inspection.plan(
        group_id="g1",
        region_code=TOWNSHIP,
        planned_on=date(2026, 3, 20),
        method=InspectionMethod.UNANNOUNCED,
        unit_code=VILLAGE,
        township_code=TOWNSHIP,
        project_id="p1",
        sample_id=None,
        actor=ACTOR,
        now=NOW,
    )
    [event] = inspection.pending_events
    assert event.data["unit_code"] is None
    assert event.data["project_id"] is None
    assert event.region_code == TOWNSHIP  # the group's, not the unit's
    assert event.data["half_month"] == "2026-03-H2"
    assert inspection.hidden


def test_a_passing_inspection_opens_nothing() -> None:
    inspection = planned()
    inspection.record_result(
        inspected_on=date(2026, 3, 10),
        checklist=checklist(5),
        team_absent=False,
        findings=[],
        photos=[],
        pass_mark=60,
        rectification_days=15,
        actor=ACTOR,
        now=NOW,
    )
    assert inspection.status is InspectionStatus.PASSED
    assert inspection.rectification is None
    assert _types(inspection) == ["inspection-recorded"]


def test_a_failure_publishes_inspection_failed_and_opens_a_rectification() -> None:
    inspection = planned()
    inspection.record_result(
        inspected_on=date(2026, 3, 10),
        checklist=checklist(25, 20),
        team_absent=False,
        findings=["台账缺失"],
        photos=[],
        pass_mark=60,
        rectification_days=15,
        actor=ACTOR,
        now=NOW,
    )
    assert inspection.status is InspectionStatus.FAILED
    assert _types(inspection) == [
        "inspection-recorded",
        "inspection-failed",
        "rectification-opened",
    ]
    rect = inspection.rectification
    assert rect is not None
    assert rect.deadline == date(2026, 3, 25)
    assert rect.items == ["专班在岗履职", "阶段任务推进", "台账缺失"]
    assert inspection.pending_events[1].data["score"] == 55


def test_recording_twice_is_an_invalid_transition() -> None:
    inspection = failed()
    with pytest.raises(InvalidTransition):
        inspection.record_result(
            inspected_on=date(2026, 3, 11),
            checklist=checklist(),
            team_absent=False,
            findings=[],
            photos=[],
            pass_mark=60,
            rectification_days=15,
            actor=ACTOR,
            now=NOW,
        )


def test_submit_then_verify_closes_on_time() -> None:
    inspection = failed()
    inspection.submit_rectification(
        measures=["补齐台账"],
        narrative="已整改",
        photos=[],
        today=date(2026, 3, 20),
        actor=ACTOR,
        now=NOW,
    )
    inspection.verify_rectification(
        comment="同意销号", today=date(2026, 3, 22), actor=VERIFIER, now=NOW
    )
    assert inspection.rectification is not None
    assert inspection.rectification.status is RectificationStatus.CLOSED
    verified = inspection.pending_events[-1]
    assert verified.type == "lingban.supervision.rectification-verified.v1"
    assert verified.data["on_time"] is True
    assert verified.data["was_overdue"] is False


def test_reopen_sets_a_new_deadline_and_needs_a_reason() -> None:
    inspection = failed()
    inspection.submit_rectification(
        measures=["补齐台账"],
        narrative="已整改",
        photos=[],
        today=date(2026, 3, 20),
        actor=ACTOR,
        now=NOW,
    )
    with pytest.raises(ValidationFailed):
        inspection.reopen_rectification(
            reasons=[" "],
            new_deadline=date(2026, 4, 5),
            today=date(2026, 3, 21),
            actor=ACTOR,
            now=NOW,
        )
    inspection.reopen_rectification(
        reasons=["台账仍不完整"],
        new_deadline=date(2026, 4, 5),
        today=date(2026, 3, 21),
        actor=ACTOR,
        now=NOW,
    )
    assert inspection.rectification is not None
    assert inspection.rectification.status is RectificationStatus.OPEN
    assert inspection.open_deadline == date(2026, 4, 5)
    assert inspection.pending_events[-1].data["previous_deadline"] == "2026-03-25"


def test_verifying_an_open_rectification_is_refused() -> None:
    inspection = failed()
    with pytest.raises(InvalidTransition) as error:
        inspection.verify_rectification(comment=None, today=date(2026, 3, 20), actor=ACTOR, now=NOW)
    assert error.value.extra["status"] == RectificationStatus.OPEN.value


def test_submitting_twice_is_refused() -> None:
    inspection = failed()
    inspection.submit_rectification(
        measures=["m"], narrative="n", photos=[], today=date(2026, 3, 20), actor=ACTOR, now=NOW
    )
    with pytest.raises(InvalidTransition) as error:
        inspection.submit_rectification(
            measures=["m"], narrative="n", photos=[], today=date(2026, 3, 21), actor=ACTOR, now=NOW
        )
    assert error.value.extra["status"] == RectificationStatus.SUBMITTED.value


def test_overdue_is_flagged_once_per_deadline_and_not_before() -> None:
    clock = FixedClock(datetime(2026, 3, 25, 2, tzinfo=UTC))
    inspection = failed()
    assert not inspection.detect_overdue(
        clock.today(), SYSTEM_ACTOR, clock.now()
    )  # the deadline day
    clock.set(datetime(2026, 3, 26, 2, tzinfo=UTC))
    assert inspection.detect_overdue(clock.today(), SYSTEM_ACTOR, clock.now())
    assert not inspection.detect_overdue(clock.today(), SYSTEM_ACTOR, clock.now())
    assert _types(inspection) == ["rectification-overdue"]
    assert inspection.rectification is not None
    assert inspection.rectification.overdue
    # Submitted late, reopened with a new deadline, overdue again: flagged again.
    inspection.submit_rectification(
        measures=["m"], narrative="n", photos=[], today=clock.today(), actor=ACTOR, now=clock.now()
    )
    assert inspection.pending_events[-1].data["late"] is True
    inspection.reopen_rectification(
        reasons=["不到位"],
        new_deadline=date(2026, 4, 1),
        today=clock.today(),
        actor=ACTOR,
        now=clock.now(),
    )
    clock.set(datetime(2026, 4, 2, 2, tzinfo=UTC))
    assert inspection.detect_overdue(clock.today(), SYSTEM_ACTOR, clock.now())
    inspection.submit_rectification(
        measures=["m2"],
        narrative="n2",
        photos=[],
        today=clock.today(),
        actor=ACTOR,
        now=clock.now(),
    )
    inspection.verify_rectification(
        comment=None, today=clock.today(), actor=VERIFIER, now=clock.now()
    )
    verified = inspection.pending_events[-1].data
    assert verified["was_overdue"] is True
    assert verified["on_time"] is False


def test_a_submitted_rectification_is_not_overdue_while_it_waits_for_verification() -> None:
    inspection = failed()
    inspection.submit_rectification(
        measures=["m"], narrative="n", photos=[], today=date(2026, 3, 24), actor=ACTOR, now=NOW
    )
    assert not inspection.detect_overdue(date(2026, 4, 30), SYSTEM_ACTOR, NOW)


def test_the_group_may_set_measures_and_its_own_deadline() -> None:
    inspection = planned()
    inspection.record_result(
        inspected_on=date(2026, 3, 10),
        checklist=checklist(25, 25),
        team_absent=False,
        findings=[],
        photos=[],
        pass_mark=60,
        rectification_days=15,
        actor=ACTOR,
        now=NOW,
        measures=["建立专班 AB 岗"],
        deadline=date(2026, 3, 17),
    )
    opened = inspection.pending_events[-1].data
    assert opened["measures"] == ["建立专班 AB 岗"]
    assert opened["deadline"] == "2026-03-17"


def test_a_deadline_before_the_inspection_is_refused() -> None:
    inspection = planned()
    with pytest.raises(ValidationFailed) as error:
        inspection.record_result(
            inspected_on=date(2026, 3, 10),
            checklist=checklist(25, 25),
            team_absent=False,
            findings=[],
            photos=[],
            pass_mark=60,
            rectification_days=15,
            actor=ACTOR,
            now=NOW,
            deadline=date(2026, 3, 10),
        )
    assert error.value.details[0].field == "rectification_deadline"
    assert inspection.status is InspectionStatus.PLANNED

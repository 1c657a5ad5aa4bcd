"""Separation of duties in supervision (LB-11): nobody closes (销号) a rectification
they submitted or could submit, and a group never covers its own region."""

from __future__ import annotations

from datetime import date

import pytest

from lingban_contracts import Actor
from lingban_contracts.events.supervision import InspectionMethod, RectificationStatus
from lingban_kit.auth import Principal, Role
from lingban_kit.errors import Forbidden, ValidationFailed
from lingban_supervision.groups.domain import Composition, Group
from lingban_supervision.inspections.domain import Inspection

from .builders import CITY, NOW, TOWNSHIP, VILLAGE, checklist, failed, principal
from .test_use_cases import COMPOSITION, World

TOWNSHIP_SEC = principal(Role.TOWNSHIP_SECRETARY, TOWNSHIP)
TOWNSHIP_STAFF = principal(Role.TOWNSHIP_STAFF, TOWNSHIP)
# A supervisor posted to the township: on the group side, with no say in the village's work.
TOWNSHIP_SUPERVISOR = principal(Role.SUPERVISOR, TOWNSHIP)


async def township_group_failure(world: World) -> tuple[Group, Inspection]:
    composition = Composition("新渡镇督导组", COMPOSITION.members, (VILLAGE,))
    group = await world.groups.form(TOWNSHIP_SEC, TOWNSHIP, 2026, composition)
    inspection = await world.plan(group, InspectionMethod.ON_SITE, TOWNSHIP_STAFF)
    inspection = await world.inspections.record(
        TOWNSHIP_STAFF,
        inspection.id,
        inspected_on=date(2026, 3, 10),
        checklist=checklist(25, 25),
        team_absent=False,
        findings=[],
        photos=[],
        expected=None,
    )
    return group, inspection


async def submit(world: World, who: Principal, inspection: Inspection) -> Inspection:
    return await world.inspections.submit(
        who, inspection.id, measures=["补齐台账"], narrative="已整改", photos=[], expected=None
    )


async def test_township_staff_who_submitted_for_a_village_cannot_verify_it() -> None:
    world = World()
    _, inspection = await township_group_failure(world)
    await submit(world, TOWNSHIP_STAFF, inspection)
    with pytest.raises(Forbidden) as caught:
        await world.inspections.verify(TOWNSHIP_STAFF, inspection.id, "销号", None)
    assert "不能核验" in caught.value.message
    # Nor their secretary: the township answers for its villages' rectification.
    with pytest.raises(Forbidden):
        await world.inspections.verify(TOWNSHIP_SEC, inspection.id, "销号", None)
    with pytest.raises(Forbidden):
        await world.inspections.reopen(
            TOWNSHIP_SEC, inspection.id, ["不实"], date(2026, 4, 30), None
        )
    still = await world.inspections.load(TOWNSHIP_SUPERVISOR, inspection.id)
    assert still.rectification is not None
    assert still.rectification.status is RectificationStatus.SUBMITTED

    closed = await world.inspections.verify(TOWNSHIP_SUPERVISOR, inspection.id, "销号", None)
    assert closed.rectification is not None
    assert closed.rectification.status is RectificationStatus.CLOSED


async def test_the_township_cannot_verify_a_village_it_did_not_submit_for() -> None:
    world = World()
    _, inspection = await township_group_failure(world)
    await submit(world, principal(Role.VILLAGE_SECRETARY, VILLAGE), inspection)
    with pytest.raises(Forbidden):
        await world.inspections.verify(TOWNSHIP_STAFF, inspection.id, None, None)
    # The city's organisation department sees the township group and is independent.
    closed = await world.inspections.verify(
        principal(Role.CITY_ORG, CITY), inspection.id, None, None
    )
    assert closed.rectification is not None
    assert closed.rectification.status is RectificationStatus.CLOSED


def test_whoever_submitted_a_rectification_cannot_verify_it() -> None:
    inspection = failed()
    submitter = Actor(id="zhang", name="张")
    inspection.submit_rectification(
        measures=["补齐台账"],
        narrative="已整改",
        photos=[],
        today=date(2026, 3, 20),
        actor=submitter,
        now=NOW,
    )
    with pytest.raises(Forbidden, match="submitted this rectification"):
        inspection.verify_rectification(
            comment=None, today=date(2026, 3, 21), actor=submitter, now=NOW
        )
    rectification = inspection.rectification
    assert rectification is not None
    assert rectification.status is RectificationStatus.SUBMITTED
    inspection.verify_rectification(
        comment=None, today=date(2026, 3, 21), actor=Actor(id="li", name="李"), now=NOW
    )
    assert [e.type.split(".")[2] for e in inspection.pending_events][-1] == (
        "rectification-verified"
    )


@pytest.mark.parametrize(
    ("who", "region"), [(TOWNSHIP_SEC, TOWNSHIP), (principal(Role.CITY_ORG, CITY), CITY)]
)
async def test_a_group_cannot_cover_its_own_region(who: Principal, region: str) -> None:
    world = World()
    own = Composition("督导组", COMPOSITION.members, (VILLAGE, region))
    with pytest.raises(ValidationFailed) as caught:
        await world.groups.form(who, region, 2026, own)
    assert [d.field for d in caught.value.details] == ["covered_units.1"]
    assert world.groups_store.published == []

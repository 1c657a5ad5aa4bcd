"""The supervision contracts give subscribers what they need to file any single event."""

from __future__ import annotations

from datetime import date

from lingban_contracts import REGISTRY
from lingban_contracts.events import supervision as ev
from lingban_contracts.topics import SUPERVISION


def test_every_supervision_event_names_year_and_a_unit_or_region() -> None:
    specs = REGISTRY.on_topic(SUPERVISION.name)
    # Several contract modules publish on the supervision topic (dispatch, stationing …).
    assert {model for _, model, _ in ev.EVENTS} <= {spec.model for spec in specs}
    for spec in specs:
        fields = spec.model.model_fields
        assert "year" in fields, spec.type
        assert "unit_code" in fields or "region_code" in fields, spec.type
        assert spec.type.startswith("lingban.supervision.")
        assert spec.type.endswith(".v1")


def test_an_unannounced_plan_can_be_published_without_its_target() -> None:
    planned = ev.InspectionPlanned(
        inspection_id="i1",
        group_id="g1",
        region_code="340881100000",
        year=2026,
        half_month="2026-03-H1",
        planned_on=date(2026, 3, 10),
        method=ev.InspectionMethod.UNANNOUNCED,
        announced=False,
        on_site=True,
        unit_code=None,
        township_code=None,
        project_id=None,
    )
    data = planned.model_dump(mode="json")
    assert data["unit_code"] is None
    assert data["project_id"] is None


def test_a_sealed_draw_commits_to_its_seed_without_revealing_it() -> None:
    fields = ev.SampleDrawn.model_fields
    assert {"seed_sha256", "pool_sha256", "sealed"} <= set(fields)
    assert fields["seed"].annotation == str | None

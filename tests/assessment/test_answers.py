"""A field added to a model case must reach its answer (or be left out here on purpose)."""

from __future__ import annotations

import dataclasses

from lingban_supervision.assessment.cases import ModelCase
from lingban_supervision.assessment.schemas import ModelCaseOut


def test_a_model_case_answers_its_whole_state() -> None:
    state = {f.name for f in dataclasses.fields(ModelCase)} - {"pending_events", "correlation_id"}
    assert set(ModelCaseOut.model_fields) == state
    assert {"kind_zh", "status_zh"} <= set(ModelCaseOut.model_computed_fields)

"""The parts of a read-model document stored packed (versions seen, weeks reported, the
declaration form, the latest report per month) read the same as the embedded form
documents written before held, and a document of that form folds on as one packed
from the start (pure: no database; the projection tests cover the stored round trip)."""

from __future__ import annotations

import random
from typing import Any

from lingban_reporting.projects import state
from lingban_reporting.read_models.packed import unpack
from lingban_reporting.read_models.tracking import pack_versions, seen_versions
from lingban_reporting.synthetic import project_year_events


def test_versions_pack_into_runs_and_read_back() -> None:
    assert pack_versions([5, 1, 2, 3, 3]) == "1-3,5"
    assert pack_versions([]) == ""
    assert seen_versions({"seen": "1-3,5,7-8"}) == {1, 2, 3, 5, 7, 8}
    assert seen_versions({"seen": ""}) == set()
    assert seen_versions({"seen": [2, 1]}) == {1, 2}  # the embedded form
    rng = random.Random(3)
    for _ in range(200):
        versions = {rng.randint(1, 60) for _ in range(rng.randint(0, 40))}
        assert seen_versions({"seen": pack_versions(versions)}) == versions


def embedded(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as the code before packing stored it."""
    return {
        **doc,
        "seen": sorted(seen_versions(doc)),
        "weeks": sorted(state.weeks_reported(doc)),
        "form": state.declared_form(doc) or None,
        "last_reports": unpack(doc["last_reports"]),
    }


def test_a_document_of_the_embedded_form_folds_on_like_a_packed_one() -> None:
    events = project_year_events(6, seed=11)
    by_project: dict[str, list[Any]] = {}
    for event in events:
        by_project.setdefault(event.aggregate_id, []).append(event)
    checked = 0
    for stream in by_project.values():
        half = len(stream) // 2
        packed = state.new_doc(stream[0], None)
        for event in stream[:half]:
            state.fold(packed, event)
        old = embedded(packed)
        for event in stream[half:]:
            state.fold(packed, event)
            state.fold(old, event)
        assert seen_versions(old) == seen_versions(packed)
        assert old["applied_events"] == packed["applied_events"] == len(stream)
        assert state.weeks_reported(old) == state.weeks_reported(packed)
        assert state.declared_form(old) == state.declared_form(packed)
        assert unpack(old["last_reports"]) == unpack(packed["last_reports"])
        # The embedded document is packed once folded on.
        assert isinstance(old["seen"], str)
        rest = {"seen", "weeks", "form", "last_reports"}
        assert {k: v for k, v in old.items() if k not in rest} == {
            k: v for k, v in packed.items() if k not in rest
        }
        checked += any(e.type == state.WEEKLY_REPORT for e in stream[half:])
    assert checked, "no project had weekly reports in its second half"

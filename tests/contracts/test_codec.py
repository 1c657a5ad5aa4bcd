from __future__ import annotations

import json
from datetime import date

import pytest

from lingban_contracts import Actor, DecodeError, decode_record, encode_record, new_envelope
from lingban_contracts.events.projects import ProjectDeclared, StageTask
from lingban_contracts.topics import PROJECTS


def declared() -> ProjectDeclared:
    return ProjectDeclared(
        project_id="p1",
        unit_code="340881100201",
        year=2026,
        title="老旧小区加装电梯",
        category="小区治理",
        problem="老人上下楼难",
        expected_goals="年内加装 3 部",
        evaluation_criteria="电梯投用",
        lead_secretary="张书记",
        task_force=["李四"],
        deadline=date(2026, 3, 31),
        stage_tasks=[StageTask(month="2026-03", task="施工", deliverable="验收")],
    )


def envelope(version: int = 1):  # type: ignore[no-untyped-def]
    return new_envelope(
        data=declared(),
        source_service="projects",
        actor=Actor(id="u1", name="张三"),
        region_code="340881100201",
        aggregate_id="p1",
        aggregate_version=version,
        correlation_id="c-1",
    )


def test_encode_uses_binary_mode_headers_and_aggregate_key() -> None:
    record = encode_record(envelope(3))
    headers = dict(record.headers)
    assert record.topic == PROJECTS.name
    assert record.key == b"p1"
    assert headers["ce_type"] == b"lingban.projects.project-declared.v1"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_aggregateversion"] == b"3"
    assert headers["ce_regioncode"] == b"340881100201"
    assert headers["content-type"] == b"application/json"
    assert json.loads(record.value)["title"] == "老旧小区加装电梯"


def test_round_trip_keeps_every_attribute() -> None:
    original = envelope()
    record = encode_record(original)
    assert decode_record(record.headers, record.value) == original


def test_missing_header_is_poison() -> None:
    record = encode_record(envelope())
    headers = [(k, v) for k, v in record.headers if k != "ce_regioncode"]
    with pytest.raises(DecodeError, match="ce_regioncode"):
        decode_record(headers, record.value)


def test_unknown_type_is_poison() -> None:
    record = encode_record(envelope())
    headers = [(k, b"lingban.x.nope.v1" if k == "ce_type" else v) for k, v in record.headers]
    with pytest.raises(DecodeError, match="unknown event type"):
        decode_record(headers, record.value)


@pytest.mark.parametrize("value", [b"not json", b"[1,2]", b'{"project_id": "p1"}'])
def test_bad_payload_is_poison(value: bytes) -> None:
    record = encode_record(envelope())
    with pytest.raises(DecodeError):
        decode_record(record.headers, value)

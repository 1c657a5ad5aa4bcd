"""Fuzzing the event decoder: whatever a record holds, `decode_record` returns a valid
Envelope or raises DecodeError, promptly. Any other exception would make a consumer
retry the record forever and block its partition (lingban_kit.consumer)."""

from __future__ import annotations

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lingban_contracts import DecodeError, Envelope, decode_record
from lingban_contracts.codec import check_origin, headers_to_dict
from lingban_contracts.registry import REGISTRY
from tests.contracts.hostile_records import (
    Hostile,
    header_values,
    hostile_records,
    json_values,
    values,
)

# Derandomized: CI runs the same records every time; a failure names its example.
FUZZ = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Far above what the slowest input takes (a 1 MiB nesting, ~0.1 s), far below a hang.
PROMPT_SECONDS = 5.0


def decodes_or_refuses(
    headers: list[tuple[str, bytes]] | dict[str, str], value: bytes | None, topic: str | None
) -> Envelope | DecodeError:
    started = time.monotonic()
    try:
        result: Envelope | DecodeError = decode_record(headers, value, topic=topic)
    except DecodeError as refused:
        result = refused
    assert time.monotonic() - started < PROMPT_SECONDS
    return result


def assert_valid(envelope: Envelope, topic: str | None) -> None:
    """What a consumer may rely on when decoding succeeded."""
    assert isinstance(envelope, Envelope)
    spec = REGISTRY.for_type(envelope.type)
    assert spec.model.model_validate(envelope.data).model_dump(mode="json") == envelope.data
    assert envelope.aggregate_version >= 1
    if topic is not None:
        check_origin(topic, envelope)  # does not raise


@FUZZ
@given(hostile_records())
def test_any_broken_record_decodes_or_is_refused(record: Hostile) -> None:
    result = decodes_or_refuses(record.headers, record.value, record.topic)
    if isinstance(result, Envelope):
        assert_valid(result, record.topic)


@FUZZ
@given(
    headers=st.lists(st.tuples(st.text(max_size=20), header_values), max_size=16),
    value=values,
)
def test_arbitrary_headers_and_bytes_are_refused_cleanly(
    headers: list[tuple[str, bytes]], value: bytes | None
) -> None:
    result = decodes_or_refuses(headers, value, None)
    if isinstance(result, Envelope):
        assert_valid(result, None)


@FUZZ
@given(headers=st.dictionaries(st.text(max_size=20), st.text(max_size=20)), value=json_values)
def test_headers_as_a_mapping_are_refused_cleanly(headers: dict[str, str], value: object) -> None:
    result = decodes_or_refuses(headers, json.dumps(value).encode(), None)
    if isinstance(result, Envelope):
        assert_valid(result, None)


def test_the_hostile_records_include_valid_ones() -> None:
    """The strategy is not all noise: the unbroken record is among its examples, and it decodes."""
    found: list[Envelope] = []

    @settings(max_examples=200, derandomize=True, database=None, deadline=None)
    @given(hostile_records())
    def collect(record: Hostile) -> None:
        result = decodes_or_refuses(record.headers, record.value, record.topic)
        if isinstance(result, Envelope):
            found.append(result)

    collect()
    assert found


def test_header_bytes_that_are_not_utf8_are_read_with_replacement() -> None:
    assert headers_to_dict([("ce_id", b"\xff\xfe")]) == {"ce_id": "\ufffd\ufffd"}

from __future__ import annotations

import contextlib
import json

import pytest

from lingban_contracts import DecodeError, Envelope, decode_record, encode_record
from lingban_contracts.codec import MAX_VALUE_BYTES
from lingban_contracts.topics import PROJECTS
from tests.events import project_declared


def envelope(version: int = 1) -> Envelope:
    return project_declared("p1", title="老旧小区加装电梯", version=version, correlation_id="c-1")


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
    decoded = decode_record(record.headers, record.value)
    assert decoded == original
    assert decoded.correlation_id == "c-1"


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


@pytest.mark.parametrize(
    "value",
    [b"[" * 100_000, b'{"a":' * 100_000, b'{"title": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"],
)
def test_deeply_nested_json_is_poison_not_a_recursion_error(value: bytes) -> None:
    record = encode_record(envelope())
    with pytest.raises(DecodeError):
        decode_record(record.headers, value)


def test_an_oversized_value_is_poison_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    record = encode_record(envelope())

    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("parsed an oversized value")

    monkeypatch.setattr(json, "loads", never)
    with pytest.raises(DecodeError, match="exceeds"):
        decode_record(record.headers, b" " * (MAX_VALUE_BYTES + 1))


@pytest.mark.parametrize(
    ("header", "value"),
    [("ce_time", b"not a time"), ("ce_aggregateversion", b"9" * 5000), ("ce_id", b"\xff\xfe")],
)
def test_any_broken_header_is_poison_or_decodes(header: str, value: bytes) -> None:
    record = encode_record(envelope())
    headers = [(k, value if k == header else v) for k, v in record.headers]
    # DecodeError is the only exception a consumer needs to expect.
    with contextlib.suppress(DecodeError):
        decode_record(headers, record.value)

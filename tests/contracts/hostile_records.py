"""Hypothesis strategies for Kafka records a consumer may be handed: a real event's
record, then broken in every way a producer (buggy, forged or from another
version) could break it: its value replaced by arbitrary bytes or JSON (deeply
nested, huge numbers, wrong types in the right fields), its headers dropped,
duplicated, swapped for garbage or for bytes that are not UTF-8.

Shared by the decoder's fuzz test (tests/contracts) and the consumer's (tests/kit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from lingban_contracts import KafkaRecord, encode_record
from lingban_contracts.registry import REGISTRY
from tests.events import project_declared

CE_HEADERS = (
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_specversion",
    "ce_time",
    "ce_subject",
    "ce_actorid",
    "ce_actorname",
    "ce_regioncode",
    "ce_aggregateid",
    "ce_aggregateversion",
    "ce_correlationid",
    "ce_dataschema",
    "content-type",
)

# Values with a meaning somewhere in the decoder: real types, versions, times, codes.
_MEANINGFUL = st.sampled_from(
    [
        *(spec.type for spec in REGISTRY),
        "1.0",
        "0.3",
        "2026-04-01T08:00:00+08:00",
        "2026-13-45T99:99:99",
        "340881100201",
        "lingban://projects",
        "lingban://supervision",
        "0",
        "-1",
        "9" * 5000,
        "1e400",
        "NaN",
        "",
    ]
)
header_values = st.one_of(
    _MEANINGFUL.map(str.encode),
    st.binary(max_size=64),  # often not UTF-8
    st.text(max_size=32).map(str.encode),
)

_huge = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**300]),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    _huge,
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    _MEANINGFUL,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@dataclass(frozen=True)
class Hostile:
    """A record as a consumer would read it (headers possibly repeated, value possibly None)."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _big_number(digits: int) -> bytes:
    return b'{"project_id": "p", "year": ' + b"9" * digits + b"}"


@st.composite
def _payload_with_wrong_fields(draw: st.DrawFn, original: dict[str, Any]) -> bytes:
    """The real payload with some fields replaced by arbitrary JSON, some dropped, some added."""
    data = dict(original)
    for field in draw(st.lists(st.sampled_from(sorted(data)), max_size=3, unique=True)):
        if draw(st.booleans()):
            data[field] = draw(json_values)
        else:
            del data[field]
    data.update(draw(st.dictionaries(st.text(max_size=12), json_values, max_size=2)))
    return json.dumps(data, ensure_ascii=False).encode()


values = st.one_of(
    st.none(),
    st.binary(max_size=256),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.integers(min_value=1, max_value=200_000).map(_nested),
    st.integers(min_value=1, max_value=100_000).map(_big_number),
)


@st.composite
def _headers(draw: st.DrawFn, original: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    headers = list(original)
    ops = draw(st.lists(st.sampled_from(["drop", "garble", "duplicate", "add"]), max_size=5))
    for op in ops:
        if op == "add" or not headers:
            name = draw(st.one_of(st.sampled_from(CE_HEADERS), st.text(max_size=12)))
            headers.insert(draw(st.integers(0, len(headers))), (name, draw(header_values)))
            continue
        at = draw(st.integers(0, len(headers) - 1))
        name, _ = headers[at]
        if op == "drop":
            del headers[at]
        elif op == "garble":
            headers[at] = (name, draw(header_values))
        else:  # the same header twice, the copy with another value
            headers.insert(draw(st.integers(0, len(headers))), (name, draw(header_values)))
    return headers


@st.composite
def hostile_records(draw: st.DrawFn) -> Hostile:
    real: KafkaRecord = encode_record(project_declared(title="示范"))
    original = json.loads(real.value)
    value = draw(
        st.one_of(
            st.just(real.value),
            _payload_with_wrong_fields(original),
            values,
        )
    )
    headers = draw(st.one_of(st.just(list(real.headers)), _headers(list(real.headers))))
    # Read on its own topic, mostly; on another one it is a forgery (check_origin).
    topic = draw(
        st.one_of(st.just(real.topic), st.sampled_from([t.name for t in REGISTRY.topics()]))
    )
    key = draw(st.one_of(st.just(real.key), st.none(), st.binary(max_size=16)))
    return Hostile(topic, key, value, headers)

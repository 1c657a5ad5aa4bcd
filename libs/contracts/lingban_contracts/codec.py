"""CloudEvents 1.0 Kafka protocol binding, binary content mode.

Context attributes travel as `ce_*` headers, the payload as the JSON record
value, and the record key is the aggregate id. Decoding validates the payload
against its registered model, so a poison message is caught at the door, and
hands on the model's own dump of it (never the raw JSON, which the model may
have coerced). Given the topic a record arrived on, decoding also checks that
the event could have come from there (`check_origin`): Kafka's ACLs let only
the owning service write a topic, and this catches what slips past them (a
misrouted or forged record).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from lingban_contracts.envelope import SOURCE_PREFIX, SPEC_VERSION, Actor, Envelope
from lingban_contracts.registry import REGISTRY

CONTENT_TYPE = "application/json"

# Envelope field -> header name (all `ce_` + the CloudEvents attribute name).
_REQUIRED = ("id", "source", "type", "specversion", "time", "subject")
_EXTENSIONS = ("actorid", "regioncode", "aggregateid", "aggregateversion")


@dataclass(frozen=True)
class KafkaRecord:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


class DecodeError(ValueError):
    """The record is not a valid Lingban event: a poison message."""


# The largest record value a consumer accepts: the producer limit (1 MiB). The
# services' own events are kept far below it (the kit's event budget).
MAX_VALUE_BYTES = 1024 * 1024


def dataschema_uri(event_type: str) -> str:
    return f"urn:lingban:schema:{event_type}"


def encode_record(envelope: Envelope) -> KafkaRecord:
    spec = REGISTRY.for_type(envelope.type)
    headers: dict[str, str] = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": envelope.id,
        "ce_source": envelope.source,
        "ce_type": envelope.type,
        "ce_time": envelope.time.isoformat(),
        "ce_subject": envelope.subject,
        "ce_dataschema": dataschema_uri(envelope.type),
        "ce_actorid": envelope.actor.id,
        "ce_regioncode": envelope.region_code,
        "ce_aggregateid": envelope.aggregate_id,
        "ce_aggregateversion": str(envelope.aggregate_version),
        "content-type": CONTENT_TYPE,
    }
    if envelope.actor.name:
        headers["ce_actorname"] = envelope.actor.name
    if envelope.correlation_id:
        headers["ce_correlationid"] = envelope.correlation_id
    value = json.dumps(envelope.data, ensure_ascii=False, separators=(",", ":")).encode()
    return KafkaRecord(
        topic=spec.topic.name,
        key=envelope.aggregate_id.encode(),
        value=value,
        headers=[(k, v.encode()) for k, v in headers.items()],
    )


def headers_to_dict(headers: Iterable[tuple[str, bytes]] | dict[str, str]) -> dict[str, str]:
    if isinstance(headers, dict):
        return {k: str(v) for k, v in headers.items()}
    return {
        k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)) for k, v in headers
    }


def check_origin(topic: str, envelope: Envelope) -> None:
    """Raise DecodeError unless `envelope` is an event `topic` may carry, from its producer.

    - its type must be registered on `topic`;
    - its `ce_source` must be the service that owns `topic`;
    - its `ce_regioncode` must be the payload's unit (`unit_code`), or where the
      payload names none (a hidden inspection target, a group), its `region_code`.
    """
    spec = REGISTRY.find(envelope.type)
    if spec is None:
        raise DecodeError(f"unknown event type {envelope.type!r}")
    if spec.topic.name != topic:
        raise DecodeError(
            f"event type {envelope.type} belongs on topic {spec.topic.name}, not on {topic}"
        )
    producer = f"{SOURCE_PREFIX}{spec.topic.producer}"
    if envelope.source != producer:
        raise DecodeError(
            f"ce_source {envelope.source!r} is not {producer!r}, the producer of topic {topic}"
        )
    data_region = envelope.data.get("unit_code") or envelope.data.get("region_code")
    if data_region is not None and data_region != envelope.region_code:
        raise DecodeError(
            f"ce_regioncode {envelope.region_code} does not match the payload's unit {data_region}"
        )


def decode_record(
    headers: Sequence[tuple[str, bytes]] | dict[str, str],
    value: bytes | None,
    *,
    topic: str | None = None,
) -> Envelope:
    """Decode and validate; raises DecodeError with a reason a person can act on.

    With `topic` (where the record was read), the event's origin is checked too
    (`check_origin`); consumers always pass it.

    Whatever a record holds, the only exception is DecodeError: a consumer
    dead-letters it and moves on. Anything else (a RecursionError from deeply
    nested JSON, a header that breaks a parser) would be retried forever and
    block the partition behind it.
    """
    if value is not None and len(value) > MAX_VALUE_BYTES:
        # Checked before parsing: no event we publish is this large.
        raise DecodeError(f"payload of {len(value)} bytes exceeds {MAX_VALUE_BYTES} bytes")
    try:
        envelope = _decode(headers, value)
        if topic is not None:
            check_origin(topic, envelope)
        return envelope
    except DecodeError:
        raise
    except Exception as exc:  # e.g. RecursionError from deeply nested JSON
        raise DecodeError(f"undecodable record: {type(exc).__name__}: {exc}"[:2000]) from exc


def _decode(headers: Sequence[tuple[str, bytes]] | dict[str, str], value: bytes | None) -> Envelope:
    h = headers_to_dict(headers)
    missing = [f"ce_{a}" for a in (*_REQUIRED, *_EXTENSIONS) if f"ce_{a}" not in h]
    if missing:
        raise DecodeError(f"missing CloudEvents headers: {', '.join(missing)}")
    if h["ce_specversion"] != SPEC_VERSION:
        raise DecodeError(f"unsupported specversion {h['ce_specversion']!r}")
    spec = REGISTRY.find(h["ce_type"])
    if spec is None:
        raise DecodeError(f"unknown event type {h['ce_type']!r}")
    try:
        data = json.loads(value or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DecodeError(f"payload is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DecodeError("payload must be a JSON object")
    try:
        # Consumers act on what the model accepted, in its own form: a value it
        # coerced (a number in a string, say) is not passed on as sent.
        payload = spec.model.model_validate(data).model_dump(mode="json")
        return Envelope(
            id=h["ce_id"],
            source=h["ce_source"],
            type=h["ce_type"],
            time=datetime.fromisoformat(h["ce_time"]),
            subject=h["ce_subject"],
            actor=Actor(id=h["ce_actorid"], name=h.get("ce_actorname")),
            region_code=h["ce_regioncode"],
            aggregate_id=h["ce_aggregateid"],
            aggregate_version=int(h["ce_aggregateversion"]),
            correlation_id=h.get("ce_correlationid"),
            data=payload,
        )
    except (ValidationError, ValueError) as exc:
        raise DecodeError(f"invalid {h['ce_type']} event: {exc}") from exc

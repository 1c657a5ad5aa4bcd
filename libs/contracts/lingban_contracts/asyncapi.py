"""AsyncAPI 3.0 documents and JSON Schemas, generated from the registry.

Each service declares what it sends and receives (`ServiceContract`); the
documents are served at `/asyncapi.json`, committed under `docs/`, and CI
fails when the committed copy is stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lingban_contracts.registry import REGISTRY, EventSpec, Topic

CONTRACTS_VERSION = "1.0.0"

CLOUDEVENT_HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 Kafka binary mode: context attributes as `ce_` headers.",
    "required": [
        "ce_specversion",
        "ce_id",
        "ce_source",
        "ce_type",
        "ce_time",
        "ce_subject",
        "ce_actorid",
        "ce_regioncode",
        "ce_aggregateid",
        "ce_aggregateversion",
        "content-type",
    ],
    "properties": {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {"type": "string", "description": "Event id (UUID); dedupe on it."},
        "ce_source": {"type": "string", "description": "urn:lingban:<service>"},
        "ce_type": {"type": "string", "description": "lingban.<service>.<event>.v<major>"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "The aggregate id."},
        "ce_dataschema": {"type": "string"},
        "ce_actorid": {"type": "string", "description": "User id, or system:<component>."},
        "ce_actorname": {"type": "string"},
        "ce_regioncode": {
            "type": "string",
            "pattern": "^\\d{12}$",
            "description": "12-digit statistical division code of the unit (also the tenant).",
        },
        "ce_aggregateid": {"type": "string"},
        "ce_aggregateversion": {
            "type": "string",
            "pattern": "^[1-9]\\d*$",
            "description": "Aggregate version after this event; drop events at or below what you hold.",
        },
        "ce_correlationid": {"type": "string"},
        "content-type": {"const": "application/json"},
    },
}


@dataclass(frozen=True)
class ServiceContract:
    service: str
    title: str
    description: str
    sends: tuple[Topic, ...] = ()
    receives: tuple[str, ...] = field(default=())  # event types

    def sent_specs(self) -> list[EventSpec]:
        names = {t.base_name for t in self.sends}
        return [s for s in REGISTRY if s.topic.base_name in names]

    def received_specs(self) -> list[EventSpec]:
        return [REGISTRY.for_type(t) for t in self.receives]


def payload_schema(spec: EventSpec, ref_prefix: str = "#/$defs/") -> dict[str, Any]:
    schema = spec.model.model_json_schema(ref_template=ref_prefix + "{model}")
    schema["title"] = spec.type
    schema["description"] = spec.summary
    return schema


def standalone_schema(spec: EventSpec) -> dict[str, Any]:
    """A JSON Schema (2020-12) document for one event type's payload."""
    schema = payload_schema(spec)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": spec.type, **schema}


def asyncapi_document(contract: ServiceContract, kafka_host: str = "kafka:9092") -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventHeaders": CLOUDEVENT_HEADERS_SCHEMA}

    def add(spec: EventSpec) -> None:
        topic = spec.topic
        # The published contract: base names whatever this process's topic namespace.
        channel = channels.setdefault(
            topic.base_name,
            {
                "address": topic.base_name,
                "description": f"{topic.description} Produced by the {topic.producer} service.",
                "messages": {},
                "bindings": {"kafka": {"partitions": topic.partitions, "bindingVersion": "0.5.0"}},
            },
        )
        channel["messages"][spec.type] = {"$ref": f"#/components/messages/{spec.type}"}
        payload = payload_schema(spec, ref_prefix="#/components/schemas/")
        schemas.update(payload.pop("$defs", {}))
        schemas[spec.type] = payload
        messages[spec.type] = {
            "name": spec.name,
            "title": spec.type,
            "summary": spec.summary,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"#/components/schemas/{spec.type}"},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": "Aggregate id (ordering key)."},
                    "bindingVersion": "0.5.0",
                }
            },
        }

    def operation(action: str, spec: EventSpec) -> None:
        verb = "send" if action == "send" else "receive"
        operations[f"{verb}.{spec.type}"] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{spec.topic.base_name}"},
            "summary": spec.summary,
            "messages": [{"$ref": f"#/channels/{spec.topic.base_name}/messages/{spec.type}"}],
        }

    for spec in contract.sent_specs():
        add(spec)
        operation("send", spec)
    for spec in contract.received_specs():
        add(spec)
        operation("receive", spec)

    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": contract.title,
            "version": CONTRACTS_VERSION,
            "description": contract.description,
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": kafka_host,
                "protocol": "kafka",
                "description": "Apache Kafka; CloudEvents 1.0 binary mode, record key = aggregate id.",
            }
        },
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {
            "messages": dict(sorted(messages.items())),
            "schemas": dict(sorted(schemas.items())),
        },
    }

"""Lingban public event contracts.

Everything another system needs to read our events lives here and only here:
the CloudEvents envelope, the Kafka binary-mode codec, the topic registry and
the versioned payload models. Services import these; they never copy them.
"""

from lingban_contracts.codec import DecodeError, KafkaRecord, decode_record, encode_record
from lingban_contracts.envelope import Actor, Envelope, new_envelope
from lingban_contracts.registry import REGISTRY, EventSpec, Topic

__all__ = [
    "REGISTRY",
    "Actor",
    "DecodeError",
    "Envelope",
    "EventSpec",
    "KafkaRecord",
    "Topic",
    "decode_record",
    "encode_record",
    "new_envelope",
]

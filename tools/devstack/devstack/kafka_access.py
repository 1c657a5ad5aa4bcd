"""The Kafka principals of a devstack profile: generated passwords, client settings, the ACL plan.

Each profile gets its own random SCRAM-SHA-512 passwords, kept in
`.devstack/<profile>/kafka-credentials.json` (mode 0600, never in git): one
principal per service, `admin` (a super user: devstack and the tests create
topics and read everything with it) and `subscriber` (an outside reader of the
public topics). What each may do comes from lingban_contracts.access.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devstack import paths
from devstack.locks import file_lock

if TYPE_CHECKING:
    from lingban_contracts.access import Grant

ADMIN = "admin"
MECHANISM = "SCRAM-SHA-512"
PROTOCOL = "SASL_PLAINTEXT"  # loopback only; a deployment uses SASL_SSL
CREDENTIALS_FILE = "kafka-credentials.json"


def principals() -> tuple[str, ...]:
    from lingban_contracts.access import SERVICES, SUBSCRIBER

    return (ADMIN, *SERVICES, SUBSCRIBER)


@dataclass(frozen=True)
class Credentials:
    passwords: Mapping[str, str]  # SCRAM user name -> password

    def password(self, principal: str) -> str:
        return self.passwords[principal]

    def fingerprint(self) -> str:
        """Changes whenever a password or principal does (the broker must then learn them)."""
        canonical = json.dumps(dict(sorted(self.passwords.items())), separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def client_env(self, principal: str) -> dict[str, str]:
        """The variables lingban_kit.kafka_security reads, for `principal`."""
        return client_env(principal, self.password(principal))


def client_env(principal: str, password: str) -> dict[str, str]:
    return {
        "KAFKA_SECURITY_PROTOCOL": PROTOCOL,
        "KAFKA_SASL_MECHANISM": MECHANISM,
        "KAFKA_SASL_USERNAME": principal,
        "KAFKA_SASL_PASSWORD": password,
    }


def credentials_path(profile: str) -> Path:
    return paths.profile_dir(profile) / CREDENTIALS_FILE


def load_or_create(profile: str) -> Credentials:
    """The profile's passwords; any principal without one gets a new random password."""
    path = credentials_path(profile)
    with file_lock(paths.locks_dir(profile) / "kafka-credentials.lock"):
        stored: dict[str, str] = {}
        if path.is_file():
            stored = dict(json.loads(path.read_text(encoding="utf-8")))
        wanted = principals()
        # URL-safe letters only: the password goes into a JAAS line and a
        # `--add-scram name=...,password=...` argument unquoted.
        passwords = {p: stored.get(p) or secrets.token_urlsafe(24) for p in wanted}
        if passwords != stored:
            paths.created(path.parent)
            partial = path.with_suffix(".partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(passwords, out, indent=2)
            partial.replace(path)
        return Credentials(passwords)


def load(profile: str) -> Credentials | None:
    path = credentials_path(profile)
    if not path.is_file():
        return None
    return Credentials(dict(json.loads(path.read_text(encoding="utf-8"))))


def scram_plan(credentials: Credentials) -> str:
    """Plan lines for infra/kafka/KafkaAccess.java: every principal's SCRAM credential."""
    return "".join(
        f"scram\t{p}\t{credentials.password(p)}\n" for p in sorted(credentials.passwords)
    )


def topic_line(
    name: str, partitions: int, replication_factor: int, configs: Mapping[str, str]
) -> str:
    """One `topic` instruction of the plan; its configs as trailing `key=value` fields."""
    fields = [name, str(partitions), str(replication_factor)]
    fields += [f"{key}={value}" for key, value in sorted(configs.items())]
    return "\t".join(("topic", *fields))


def acl_and_topic_plan(replication_factor: int = 1, namespace: str = "") -> str:
    """Plan lines: every topic the services use, then every ACL of lingban_contracts.access.

    In the topic namespace `namespace`: "" (devstack's own start, `make up`) is the base
    names; a test run provisions its own namespace with the same plan (see
    devstack.kafka.provision_namespace).
    """
    from lingban_contracts.access import grants, topic_configs, topics_to_create

    # Each topic's configs follow as `key=value` fields (infinite retention for the
    # event topics); KafkaAccess.java also sets them on a topic that already exists.
    lines = [
        topic_line(name, partitions, replication_factor, topic_configs(name, namespace))
        for name, partitions in topics_to_create(namespace)
    ]
    lines += [_acl_line("acl", g) for g in grants(namespace)]
    return "".join(line + "\n" for line in lines)


def namespace_removal_plan(namespace: str) -> str:
    """Plan lines that take a topic namespace away: its topic grants, then every topic
    under its prefix (also those a test created of its own).

    The consumer-group grants are the same in every namespace (and the base one) and stay.
    """
    from lingban_contracts.access import grants
    from lingban_contracts.registry import namespace_prefix

    if not namespace:
        raise ValueError("the base topic names are never removed")
    lines = [_acl_line("delete-acl", g) for g in grants(namespace) if g.resource_type == "TOPIC"]
    lines.append(f"delete-topics-prefixed\t{namespace_prefix(namespace)}")
    return "".join(line + "\n" for line in lines)


def _acl_line(instruction: str, grant: Grant) -> str:
    g = grant
    return "\t".join(
        (instruction, g.kafka_principal, g.resource_type, g.pattern_type, g.resource, g.operation)
    )

"""devstack's Kafka security: per-profile passwords, the broker's SASL/ACL settings, the plan."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from devstack import kafka, kafka_access
from devstack.profiles import get_profile
from lingban_contracts import access
from lingban_contracts.registry import TOPIC_NAMESPACE_ENV, namespaced


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repo root of its own, so that nothing touches the real `.devstack/`."""
    (tmp_path / "infra" / "kafka").mkdir(parents=True)
    (tmp_path / "infra" / "kafka" / "pom.xml").write_text("<project/>", encoding="utf-8")
    monkeypatch.setenv("DEVSTACK_REPO_ROOT", str(tmp_path))
    return tmp_path


def test_each_profile_gets_random_passwords_kept_private_and_stable(repo: Path) -> None:
    first = kafka_access.load_or_create("test")
    again = kafka_access.load_or_create("test")
    other = kafka_access.load_or_create("dev")

    assert set(first.passwords) == {"admin", *access.SERVICES, access.SUBSCRIBER}
    assert again == first
    assert set(first.passwords.values()).isdisjoint(other.passwords.values())
    assert len(set(first.passwords.values())) == len(first.passwords)
    path = kafka_access.credentials_path("test")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.client_env("projects") == {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "projects",
        "KAFKA_SASL_PASSWORD": first.password("projects"),
    }


def properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_the_broker_authenticates_every_listener_and_denies_by_default(repo: Path) -> None:
    credentials = kafka_access.load_or_create("test")
    settings = properties(kafka.server_properties(get_profile("test"), repo / "data", credentials))

    protocols = dict(p.split(":") for p in settings["listener.security.protocol.map"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}
    assert settings["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert settings["authorizer.class.name"] == (
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    )
    assert settings["allow.everyone.if.no.acl.found"] == "false"
    assert settings["super.users"] == "User:admin"
    assert (
        credentials.password("admin") in settings["listener.name.controller.plain.sasl.jaas.config"]
    )


@pytest.mark.parametrize("namespace", ["", "t0a1b2c3d"])
def test_the_plan_creates_every_topic_and_grants_exactly_the_contracts_table(
    namespace: str,
) -> None:
    plan = kafka_access.acl_and_topic_plan(1, namespace=namespace)
    lines = [line.split("\t") for line in plan.splitlines()]

    topics = {(line[1], int(line[2])) for line in lines if line[0] == "topic"}
    configs = {line[1]: set(line[4:]) for line in lines if line[0] == "topic"}
    grants = {tuple(line[1:]) for line in lines if line[0] == "acl"}

    assert topics == set(access.topics_to_create(namespace))
    # The event topics keep every event (R8); the dead-letter topics the default.
    for name in configs:
        if name in {namespaced(t.base_name, namespace) for t in access.PUBLIC_TOPICS}:
            assert configs[name] == {"retention.ms=-1", "retention.bytes=-1"}, name
        else:
            assert configs[name] == set(), name
    assert grants == {
        (g.kafka_principal, g.resource_type, g.pattern_type, g.resource, g.operation)
        for g in access.grants(namespace)
    }
    assert all(name.startswith(f"lingban.{namespace}.") for name, _ in topics) == bool(namespace)


def test_devstacks_own_start_applies_the_base_names_whatever_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOPIC_NAMESPACE_ENV, "t5")
    plan = kafka_access.acl_and_topic_plan(1)
    assert "\tlingban.projects.project.v1\t" in plan
    assert "lingban.t5." not in plan


def test_removing_a_namespace_takes_its_topic_grants_and_topics_but_no_shared_group_grant() -> None:
    lines = [line.split("\t") for line in kafka_access.namespace_removal_plan("t9").splitlines()]

    revoked = {tuple(line[1:]) for line in lines if line[0] == "delete-acl"}
    assert revoked == {
        (g.kafka_principal, g.resource_type, g.pattern_type, g.resource, g.operation)
        for g in access.grants("t9")
        if g.resource_type == "TOPIC"
    }
    assert all(resource.startswith("lingban.t9.") for _p, _t, _k, resource, _o in revoked)
    assert [line for line in lines if line[0] == "delete-topics-prefixed"] == [
        ["delete-topics-prefixed", "lingban.t9."]
    ]
    with pytest.raises(ValueError, match="never removed"):
        kafka_access.namespace_removal_plan("")


def test_a_broker_started_before_sasl_gets_no_credentials_until_restarted(repo: Path) -> None:
    # Its clients must not try SASL against a PLAINTEXT listener: Endpoints stay empty.
    profile = get_profile("test")
    run_dir = repo / ".devstack" / "test"
    run_dir.mkdir(parents=True)
    old = kafka.server_properties(profile, run_dir / "data", None)
    (run_dir / "server.properties").write_text(old, encoding="utf-8")
    assert not kafka.runs_secured(profile)

    new = kafka.server_properties(profile, run_dir / "data", kafka_access.load_or_create("test"))
    (run_dir / "server.properties").write_text(new, encoding="utf-8")
    assert kafka.runs_secured(profile)

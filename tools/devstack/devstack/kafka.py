"""Apache Kafka, single node in KRaft mode (broker and controller in one JVM).

Maven Central has no Kafka server distribution, but the broker is just the
`kafka_2.13` jar and its runtime dependencies: `infra/kafka/pom.xml` names them
and Maven copies them into `.devstack/cache/kafka-<version>/lib` once.

Security is on as in a deployment (docs/security.md): clients authenticate with
SASL/SCRAM-SHA-512 (the profile's principals, see devstack.kafka_access) and
KRaft's StandardAuthorizer enforces the ACLs of lingban_contracts.access, with
no access for anyone an ACL does not name. The controller listener uses
SASL/PLAIN with the admin user (SCRAM credentials live in the metadata the
controller serves, so it cannot authenticate with them itself). The SCRAM
credentials are written at format time; a data folder formatted before (an
older devstack) is started once without security to add them.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from devstack import commands, kafka_access, paths, probes, processes
from devstack.console import say
from devstack.errors import DevstackError
from devstack.locks import file_lock
from devstack.profiles import Profile

NAME = "kafka"
HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 120.0
STOP_GRACE_SECONDS = 30.0  # a controlled shutdown flushes logs and resigns leadership
STARTED_LOG_LINE = "Kafka Server started"
_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def _pom() -> Path:
    return paths.infra_dir() / "kafka" / "pom.xml"


def _log_config() -> Path:
    return paths.infra_dir() / "kafka" / "log4j2.properties"


def kafka_version() -> str:
    """The version pinned in infra/kafka/pom.xml: the one place to change it."""
    version = ET.parse(_pom()).getroot().findtext("m:properties/m:kafka.version", None, _POM_NS)
    if not version:
        raise DevstackError(f"{_pom()} has no <kafka.version> property")
    return version.strip()


def ensure_jars() -> Path:
    """The broker's classpath folder, fetched by Maven unless a complete copy is cached."""
    version = kafka_version()
    home = paths.cache_dir() / f"kafka-{version}"
    lib, marker = home / "lib", home / "complete"
    # The marker holds the POM's hash, so a changed POM (say, a log4j bump) re-fetches.
    fingerprint = hashlib.sha256(_pom().read_bytes()).hexdigest()
    with file_lock(paths.cache_dir() / "locks" / f"kafka-{version}.lock"):
        if lib.is_dir() and marker.is_file() and marker.read_text().strip() == fingerprint:
            return lib
        mvn = commands.require_tool("mvn", "to fetch the Kafka jars from Maven Central")
        say(f"fetching Kafka {version} jars from Maven Central into {lib} (first run only)")
        partial = paths.created(home) / "lib.partial"
        shutil.rmtree(partial, ignore_errors=True)
        commands.run_build(
            [
                mvn, "-q", "-B", "-f", str(_pom()), "dependency:copy-dependencies",
                f"-DoutputDirectory={partial}", "-DincludeScope=runtime",
            ],
            what="fetching the Kafka jars with Maven",
        )  # fmt: skip
        if not (partial / f"kafka_2.13-{version}.jar").is_file():
            raise DevstackError(f"Maven finished but {partial} has no kafka_2.13-{version}.jar")
        shutil.rmtree(lib, ignore_errors=True)
        partial.rename(lib)
        marker.write_text(fingerprint + "\n")
        return lib


def _access_tool() -> Path:
    return paths.infra_dir() / "kafka" / "KafkaAccess.java"


def _access_command(java: str, lib: Path) -> list[str]:
    """How to run KafkaAccess: compiled once into the cache (per source hash) when the JDK
    has javac, which saves compiling it at every run (each test run applies two plans);
    else as a single-file source program."""
    source = _access_tool()
    javac = shutil.which("javac") or str(Path(os.path.realpath(java)).with_name("javac"))
    if not Path(javac).is_file():
        return ["-cp", f"{lib}/*", str(source)]
    # Compiled against the broker's client jars: a new Kafka version compiles it again.
    digest = hashlib.sha256(source.read_bytes() + str(lib).encode()).hexdigest()[:16]
    classes = paths.cache_dir() / f"kafka-access-{digest}"
    with file_lock(paths.cache_dir() / "locks" / "kafka-access.lock"):
        if not (classes / "KafkaAccess.class").is_file():
            partial = paths.created(classes.with_name(classes.name + ".partial"))
            commands.run_build(
                [javac, "-cp", f"{lib}/*", "-d", str(partial), str(source)],
                what="compiling infra/kafka/KafkaAccess.java",
            )
            shutil.rmtree(classes, ignore_errors=True)
            partial.rename(classes)
    return ["-cp", f"{classes}{os.pathsep}{lib}/*", "KafkaAccess"]


def _listener_settings(
    profile: Profile, credentials: kafka_access.Credentials | None
) -> dict[str, str]:
    port, controller = profile.kafka_port, profile.kafka_controller_port
    if credentials is None:  # only to add SCRAM credentials to an old data folder
        return {
            "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        }
    admin = kafka_access.ADMIN
    password = credentials.password(admin)
    scram_login = "org.apache.kafka.common.security.scram.ScramLoginModule"
    plain_login = "org.apache.kafka.common.security.plain.PlainLoginModule"
    return {
        "listeners": f"SASL_PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller}",
        "advertised.listeners": f"SASL_PLAINTEXT://{HOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": kafka_access.MECHANISM,
        "sasl.mechanism.inter.broker.protocol": kafka_access.MECHANISM,
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": kafka_access.MECHANISM,
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": (
            f'{scram_login} required username="{admin}" password="{password}";'
        ),
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": (
            f'{plain_login} required username="{admin}" password="{password}" '
            f'user_{admin}="{password}";'
        ),
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found": "false",
        "super.users": f"User:{admin}",
    }


def server_properties(
    profile: Profile, data_dir: Path, credentials: kafka_access.Credentials | None
) -> str:
    controller = profile.kafka_controller_port
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        **_listener_settings(profile, credentials),
        # A static voter set: one node that is its own quorum.
        "controller.quorum.voters": f"1@{HOST}:{controller}",
        "log.dirs": str(data_dir),
        # One broker can hold only one replica of the internal topics.
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Consumers in tests join a group and expect partitions at once, not after 3 s.
        "group.initial.rebalance.delay.ms": "0",
        "num.partitions": "3",
        "auto.create.topics.enable": "true",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _random_cluster_id() -> str:
    # Kafka's own format (Uuid.randomUuid): URL-safe base64 of 16 random bytes,
    # never starting with "-" so that it cannot be mistaken for a CLI option.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _format_storage(
    java: str, lib: Path, properties: Path, data_dir: Path, credentials: kafka_access.Credentials
) -> bool:
    """Format a new data folder with every principal's SCRAM credential; False if it existed."""
    if (data_dir / "meta.properties").is_file():
        return False  # formatted by an earlier start: keep its topics and offsets
    say(f"formatting Kafka storage in {data_dir}")
    scram = [
        arg
        for principal in sorted(credentials.passwords)
        for arg in (
            "--add-scram",
            f"{kafka_access.MECHANISM}=[name={principal},password={credentials.password(principal)}]",
        )
    ]
    commands.run_build(
        [
            java, f"-Dlog4j2.configurationFile={_log_config()}", "-cp", f"{lib}/*",
            "kafka.tools.StorageTool", "format", "--ignore-formatted",
            "--cluster-id", _random_cluster_id(), "--config", str(properties), *scram,
        ],
        what="formatting the Kafka storage",
    )  # fmt: skip
    return True


def _credentials_marker(run_dir: Path) -> Path:
    # Which credentials the broker's metadata holds (their fingerprint): a data
    # folder from an older devstack has none, and a deleted credentials file
    # means new passwords; either way the broker must learn them.
    return run_dir / "kafka-credentials.applied"


def _client_properties(
    run_dir: Path, port: int, credentials: kafka_access.Credentials | None
) -> Path:
    """The admin's client settings in a file of this call's own (the caller deletes it):
    two test runs may apply plans to one broker at the same moment."""
    lines = [f"bootstrap.servers={HOST}:{port}"]
    if credentials is not None:
        admin = kafka_access.ADMIN
        lines += [
            f"security.protocol={kafka_access.PROTOCOL}",
            f"sasl.mechanism={kafka_access.MECHANISM}",
            "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{admin}" password="{credentials.password(admin)}";',
        ]
    return _private_file(run_dir, "admin-client", ".properties", "".join(f"{x}\n" for x in lines))


def _private_file(folder: Path, prefix: str, suffix: str, text: str) -> Path:
    # mkstemp: a new name and mode 0600 (it may hold the admin password).
    fd, name = tempfile.mkstemp(prefix=f"{prefix}.", suffix=suffix, dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return Path(name)


def _apply(
    java: str, lib: Path, run_dir: Path, port: int, plan: str,
    credentials: kafka_access.Credentials | None, what: str,
) -> None:  # fmt: skip
    """Run infra/kafka/KafkaAccess.java (the Admin API) with `plan` against our broker."""
    plan_path = _private_file(run_dir, "kafka-access", ".plan", plan)
    client = _client_properties(run_dir, port, credentials)
    try:
        commands.run_build(
            [
                # A short-lived admin tool: the quick JIT and the plain collector halve
                # its start-up CPU (it runs twice per test run).
                java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                f"-Dlog4j2.configurationFile={_log_config()}",
                *_access_command(java, lib), str(client), str(plan_path),
            ],
            what=what,
        )  # fmt: skip
    finally:
        plan_path.unlink(missing_ok=True)
        client.unlink(missing_ok=True)


def _launch(
    profile: Profile, java: str, lib: Path, run_dir: Path, properties: Path
) -> processes.ProcessRecord:
    return processes.launch(
        profile.name,
        NAME,
        [
            java, "-Xms256m", "-Xmx768m", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={_log_config()}",
            "-cp", f"{lib}/*", "kafka.Kafka", str(properties),
        ],
        port=profile.kafka_port,
        cwd=run_dir,
    )  # fmt: skip


def _add_credentials_to_old_storage(
    profile: Profile, java: str, lib: Path, run_dir: Path, data_dir: Path,
    credentials: kafka_access.Credentials,
) -> None:  # fmt: skip
    """Start the broker once as it was (no security) and add the SCRAM credentials."""
    say("adding the Kafka principals to an existing data folder (once)")
    properties = run_dir / "server-unsecured.properties"
    properties.write_text(server_properties(profile, data_dir, None), encoding="utf-8")
    record = _launch(profile, java, lib, run_dir, properties)
    try:
        processes.wait_ready(
            profile.name,
            record,
            lambda: probes.kafka_answers(HOST, record.port),
            what="Kafka",
            timeout=READY_TIMEOUT_SECONDS,
        )
        _apply(
            java, lib, run_dir, profile.kafka_port, kafka_access.scram_plan(credentials), None,
            "adding the Kafka SCRAM credentials",
        )  # fmt: skip
    finally:
        processes.stop(profile.name, NAME, grace=STOP_GRACE_SECONDS)
        properties.unlink(missing_ok=True)


def _check_ports_free(profile: Profile) -> None:
    for port in (profile.kafka_port, profile.kafka_controller_port):
        if probes.port_open(HOST, port):
            raise DevstackError(
                f"port {port} is taken by a process devstack did not start for profile "
                f"{profile.name!r}; stop it, or pick other ports with DEVSTACK_KAFKA_PORT "
                "(and DEVSTACK_KAFKA_CONTROLLER_PORT)"
            )


def ensure_running(profile: Profile) -> tuple[processes.ProcessRecord, bool]:
    """Start the broker unless ours is already running; wait until it serves clients.

    Returns its record and whether it was started by this call.
    """
    with file_lock(paths.locks_dir(profile.name) / f"{NAME}.lock"):
        record = processes.running(profile.name, NAME)
        started = record is None
        run_dir = paths.profile_dir(profile.name)
        if record is None:
            _check_ports_free(profile)
            lib = ensure_jars()
            java = commands.require_tool("java", "to run Kafka (Java 17 or newer)")
            paths.created(run_dir)
            data_dir = run_dir / "kafka-data"
            credentials = kafka_access.load_or_create(profile.name)
            properties = run_dir / "server.properties"
            # It holds the admin password: readable by this user only.
            properties.touch(mode=0o600)
            properties.chmod(0o600)
            properties.write_text(
                server_properties(profile, data_dir, credentials), encoding="utf-8"
            )
            marker = _credentials_marker(run_dir)
            if _format_storage(java, lib, properties, data_dir, credentials):
                marker.write_text(credentials.fingerprint() + "\n", encoding="utf-8")
            elif not marker.is_file() or marker.read_text().strip() != credentials.fingerprint():
                _add_credentials_to_old_storage(profile, java, lib, run_dir, data_dir, credentials)
                marker.write_text(credentials.fingerprint() + "\n", encoding="utf-8")
            say(f"starting Kafka {kafka_version()} on {HOST}:{profile.kafka_port} (SASL/SCRAM)")
            record = _launch(profile, java, lib, run_dir, properties)
        log = processes.log_path(profile.name, NAME)
        current = record

        def ready() -> bool:
            if not probes.kafka_answers(HOST, current.port):
                return False
            # A broker we just started has also logged its own verdict.
            return not started or STARTED_LOG_LINE in log.read_text(errors="replace")

        processes.wait_ready(
            profile.name, record, ready, what="Kafka", timeout=READY_TIMEOUT_SECONDS
        )
        if started:
            lib, java = ensure_jars(), commands.require_tool("java", "to run Kafka")
            # Topics and ACLs, as the admin: idempotent, so every start applies the
            # whole plan and a changed lingban_contracts.access takes effect.
            _apply(
                java, lib, run_dir, profile.kafka_port, kafka_access.acl_and_topic_plan(),
                kafka_access.load_or_create(profile.name), "creating the Kafka topics and ACLs",
            )  # fmt: skip
        return record, started


def runs_secured(profile: Profile) -> bool:
    """Whether our running broker was started with SASL and ACLs.

    A broker started by an older devstack (PLAINTEXT, no authorizer) keeps
    running until it is stopped; its clients must not try to authenticate.
    """
    properties = paths.profile_dir(profile.name) / "server.properties"
    if not properties.is_file():
        return False
    return "sasl.enabled.mechanisms=" in properties.read_text(encoding="utf-8")


def provision_namespace(profile: Profile, namespace: str) -> None:
    """Give a test run a topic namespace of its own on the profile's running broker:
    the start's plan (lingban_contracts.access) under `namespace`, applied the same way.
    Its services then work under LINGBAN_TOPIC_NAMESPACE=`namespace` with exactly the
    rights they have on the base names."""
    _apply_to_running(
        profile,
        kafka_access.acl_and_topic_plan(namespace=namespace),
        f"creating the Kafka topics and ACLs of topic namespace {namespace}",
    )


def remove_namespace(profile: Profile, namespace: str) -> None:
    """Delete a topic namespace's topics and topic grants (at the end of its test run)."""
    _apply_to_running(
        profile,
        kafka_access.namespace_removal_plan(namespace),
        f"deleting the Kafka topics and ACLs of topic namespace {namespace}",
    )


def _apply_to_running(profile: Profile, plan: str, what: str) -> None:
    credentials = kafka_access.load(profile.name)
    if credentials is None or not runs_secured(profile):
        raise DevstackError(
            f"the Kafka of profile {profile.name!r} is not a secured devstack broker; "
            f"start it with `python -m devstack infra-up --profile {profile.name}`"
        )
    lib, java = ensure_jars(), commands.require_tool("java", "to run Kafka")
    run_dir = paths.profile_dir(profile.name)
    _apply(java, lib, run_dir, profile.kafka_port, plan, credentials, what)


def stop(profile_name: str) -> bool:
    return processes.stop(profile_name, NAME, grace=STOP_GRACE_SECONDS)

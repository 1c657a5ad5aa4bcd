"""Apache Kafka, single node in KRaft mode (broker and controller in one JVM).

Maven Central has no Kafka server distribution, but the broker is just the
`kafka_2.13` jar and its runtime dependencies: `infra/kafka/pom.xml` names them
and Maven copies them into `.devstack/cache/kafka-<version>/lib` once.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from devstack import commands, paths, probes, processes
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


def server_properties(profile: Profile, data_dir: Path) -> str:
    port, controller = profile.kafka_port, profile.kafka_controller_port
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
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


def _format_storage(java: str, lib: Path, properties: Path, data_dir: Path) -> None:
    if (data_dir / "meta.properties").is_file():
        return  # formatted by an earlier start: keep its topics and offsets
    say(f"formatting Kafka storage in {data_dir}")
    commands.run_build(
        [
            java, f"-Dlog4j2.configurationFile={_log_config()}", "-cp", f"{lib}/*",
            "kafka.tools.StorageTool", "format", "--ignore-formatted",
            "--cluster-id", _random_cluster_id(), "--config", str(properties),
        ],
        what="formatting the Kafka storage",
    )  # fmt: skip


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
        if record is None:
            _check_ports_free(profile)
            lib = ensure_jars()
            java = commands.require_tool("java", "to run Kafka (Java 17 or newer)")
            run_dir = paths.created(paths.profile_dir(profile.name))
            data_dir = run_dir / "kafka-data"
            properties = run_dir / "server.properties"
            properties.write_text(server_properties(profile, data_dir), encoding="utf-8")
            _format_storage(java, lib, properties, data_dir)
            say(f"starting Kafka {kafka_version()} on {HOST}:{profile.kafka_port}")
            record = processes.launch(
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
        return record, started


def stop(profile_name: str) -> bool:
    return processes.stop(profile_name, NAME, grace=STOP_GRACE_SECONDS)

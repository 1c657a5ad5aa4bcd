"""Static checks of the deployment files: Dockerfiles, docker-compose.yml, Prometheus,
Grafana and the Kubernetes manifests.

Nothing here needs Docker or a cluster: the files are parsed and cross-checked against
each other and against the metrics the services export (lingban_kit/metrics.py).
"""

from __future__ import annotations

import importlib
import ipaddress
import json
import os
import re
import shlex
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from lingban_contracts import access
from lingban_kit.auth_policy import KNOWN_SECRETS
from lingban_kit.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
GRAFANA_DIR = ROOT / "deploy" / "grafana"
K8S_DIR = ROOT / "deploy" / "k8s"
DASHBOARD_FILE = GRAFANA_DIR / "dashboards" / "lingban-overview.json"

APP_SERVICES: dict[str, int] = {
    "projects": 8001,
    "supervision": 8002,
    "notifications": 8003,
    "reporting": 8004,
}
ALL_COMPOSE_SERVICES = {"kafka", "kafka-init", "mongo", *APP_SERVICES, "prometheus", "grafana"}
KAFKA_ACLS_SCRIPT = K8S_DIR / "kafka-acls.sh"

# What lingban_kit/metrics.py exports (the README's metric list).
COUNTERS_AND_GAUGES = {
    "lingban_http_requests_total",
    "lingban_events_consumed_total",
    "lingban_event_handler_failures_total",
    "lingban_events_published_total",
    "lingban_outbox_pending_events",
    "lingban_outbox_relay_errors_total",
    "lingban_outbox_dead_lettered_events_total",
    "lingban_background_task_restarts_total",
    "lingban_consumer_outage_retries_total",
}
HISTOGRAMS = {
    "lingban_http_request_duration_seconds",
    "lingban_event_handler_duration_seconds",
}
# What each service defines on the shared registry (`lingban_<service>/metrics.py`).
SERVICE_METRICS = {
    name
    for path in sorted((ROOT / "services").glob("*/lingban_*/metrics.py"))
    for name in re.findall(r"\"(lingban_[a-z0-9_]+)\"", path.read_text(encoding="utf-8"))
}
LINGBAN_METRICS = (
    COUNTERS_AND_GAUGES
    | HISTOGRAMS
    | {f"{h}{suffix}" for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")}
    | SERVICE_METRICS
)
# FastStream's KafkaPrometheusMiddleware series (allowed on the dashboard).
FASTSTREAM_METRICS = {
    f"faststream_{name}"
    for name in (
        "received_messages_total",
        "received_messages_size_bytes_bucket",
        "received_messages_in_process",
        "received_processed_messages_total",
        "received_processed_messages_duration_seconds_bucket",
        "received_processed_messages_exceptions_total",
        "published_messages_total",
        "published_messages_duration_seconds_bucket",
        "published_messages_exceptions_total",
    )
}
ALERT_METRICS = LINGBAN_METRICS | {"up"}
DASHBOARD_METRICS = LINGBAN_METRICS | FASTSTREAM_METRICS | {"up"}


# --------------------------------------------------------------------------- helpers


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@cache
def compose() -> dict[str, Any]:
    data = load_yaml(COMPOSE_FILE)
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


def compose_service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    service = services[name]
    assert isinstance(service, dict)
    return service


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A compose `environment`, in mapping or list form, as a dict."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(str(item).partition("=")[::2] for item in env)
    assert isinstance(env, dict)
    return {str(k): str(v) for k, v in env.items()}


def published_ports(service: dict[str, Any]) -> set[tuple[int, int]]:
    """(host port, container port) pairs of a compose service's `ports`."""
    pairs: set[tuple[int, int]] = set()
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            pairs.add((int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        assert len(parts) >= 2, f"port {entry!r} is not published on the host"
        pairs.add((int(parts[-2]), int(parts[-1])))
    return pairs


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            instructions.append((keyword.upper(), args.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return instructions


def exec_form(args: str) -> list[str]:
    """A CMD/ENTRYPOINT/HEALTHCHECK CMD argument in exec (JSON) or shell form, as argv."""
    if args.startswith("["):
        argv = json.loads(args)
        assert isinstance(argv, list)
        return [str(a) for a in argv]
    return shlex.split(args)


_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`")
_LABEL_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*")
_PROMQL_WORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
}


def promql_metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (label names, functions, keywords,
    durations and Grafana `$variables` are left out)."""
    text = _STRING.sub('""', expr)
    text = _LABEL_MATCHERS.sub("", text)
    text = _RANGES.sub("", text)
    text = _GROUPING.sub("", text)
    names: set[str] = set()
    for match in _IDENTIFIER.finditer(text):
        word = match.group(0)
        if text[match.end() :].lstrip().startswith("("):
            continue  # a function or aggregation
        if word.lower() in _PROMQL_WORDS:
            continue
        names.add(word)
    return names


def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    docs: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        with path.open(encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc is None:
                    continue
                assert isinstance(doc, dict), f"{path.name}: a document is not a mapping"
                docs.append((path, doc))
    return docs


def k8s_objects(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in k8s_documents() if doc.get("kind") == kind}


def dashboard() -> dict[str, Any]:
    data = json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def dashboard_panels() -> list[dict[str, Any]]:
    """Every non-row panel, including those nested in collapsed rows."""
    panels: list[dict[str, Any]] = []
    for panel in dashboard()["panels"]:
        if panel.get("type") == "row":
            panels.extend(panel.get("panels") or [])
        else:
            panels.append(panel)
    return panels


# ------------------------------------------------------------------- the PromQL helper


def test_promql_metric_names_finds_metrics_and_ignores_the_rest() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (service, le) (rate(lingban_http_request_duration"
        '_seconds_bucket{service=~"$service", route!="/metrics"}[$__rate_interval]))) > 1e3'
        ' and on (service) up{job="x"} == 1 or sum(lingban_typo_total offset 5m) by (job)'
    )
    assert promql_metric_names(expr) == {
        "lingban_http_request_duration_seconds_bucket",
        "up",
        "lingban_typo_total",
    }


def test_known_metrics_are_the_ones_the_kit_defines() -> None:
    source = (ROOT / "libs" / "kit" / "lingban_kit" / "metrics.py").read_text(encoding="utf-8")
    defined = set(re.findall(r"\"(lingban_[a-z0-9_]+)\"", source))
    assert defined == COUNTERS_AND_GAUGES | HISTOGRAMS


# ---------------------------------------------------------------------- Dockerfiles


SERVICE_DOCKERFILE = ROOT / "services" / "Dockerfile"


def built_for(name: str) -> list[tuple[str, str]]:
    """The one service recipe's instructions with the build arguments compose passes
    for `name` substituted, as Docker substitutes them."""
    args = {k: str(v) for k, v in compose_service(name)["build"]["args"].items()}
    instructions = dockerfile_instructions(SERVICE_DOCKERFILE)
    return [
        (keyword, re.sub(r"\$\{(SERVICE|PORT)\}", lambda m: args[m.group(1)], value))
        for keyword, value in instructions
    ]


def test_one_dockerfile_serves_every_service() -> None:
    assert SERVICE_DOCKERFILE.is_file()
    for name in APP_SERVICES:
        assert not (ROOT / "services" / name / "Dockerfile").exists(), name
        assert compose_service(name)["build"]["dockerfile"] == "services/Dockerfile"


@pytest.mark.parametrize(("name", "port"), list(APP_SERVICES.items()))
def test_dockerfile_builds_and_runs_the_service(name: str, port: int) -> None:
    assert compose_service(name)["build"]["args"] == {"SERVICE": name, "PORT": str(port)}
    # The port is the one the service's settings default to (it listens there).
    settings = importlib.import_module(f"lingban_{name}.settings")
    defaults = [
        cls().port
        for cls in vars(settings).values()
        if isinstance(cls, type) and issubclass(cls, ServiceSettings) and cls is not ServiceSettings
    ]
    assert defaults == [port]
    instructions = built_for(name)
    by_kind: dict[str, list[str]] = {}
    for keyword, args in instructions:
        by_kind.setdefault(keyword, []).append(args)

    bases = [args.split()[0] for args in by_kind["FROM"]]
    assert bases[-1] == "python:3.11-slim"
    # Node only in a build stage: the reporting dashboard's npm-locked ECharts bundle.
    assert set(bases) <= {"python:3.11-slim", "node:20-slim"}
    if "node:20-slim" in bases:
        assert "npm ci" in " ".join(by_kind.get("RUN", []))
    runs = " ".join(by_kind.get("RUN", []))
    assert "uv==0.13.8" in runs
    assert re.search(rf"uv sync [^&;]*--frozen[^&;]*--package lingban-{name}\b", runs)
    assert "--no-dev" in runs

    # Everything the build copies from the context exists (the context is the repo root).
    for args in by_kind["COPY"]:
        if args.startswith("--from"):
            continue
        *sources, _dest = args.split()
        for source in sources:
            assert (ROOT / source).exists(), f"{name}: COPY source {source} does not exist"
    copied = " ".join(by_kind["COPY"])
    assert "uv.lock" in copied
    assert f"services/{name}/" in copied
    members = (
        "libs/contracts",
        "libs/kit",
        "tools/devstack",
        *(f"services/{s}" for s in APP_SERVICES),
    )
    for member in members:
        assert member in copied, f"{name} does not copy workspace member {member}"

    user = by_kind["USER"][-1].split(":")[0]
    assert user not in {"root", "0"}
    assert by_kind["EXPOSE"][-1].split() == [str(port)]
    env = " ".join(by_kind["ENV"])
    assert f"LINGBAN_SERVICE={name}" in env
    # Every interface, through the kit's default (lingban_kit.settings), not per service.
    assert "LINGBAN_DEFAULT_HOST=0.0.0.0" in env
    assert "/app/.venv/bin" in env

    # The service module of LINGBAN_SERVICE, run by a shell that expands the variable.
    healthcheck = exec_form(by_kind["HEALTHCHECK"][-1].split("CMD", 1)[1].strip())
    assert healthcheck == ["sh", "-c", "exec python -m lingban_${LINGBAN_SERVICE} --healthcheck"]
    assert exec_form(by_kind["CMD"][-1]) == [
        "sh",
        "-c",
        "exec python -m lingban_${LINGBAN_SERVICE}",
    ]
    assert (ROOT / "services" / name / f"lingban_{name}" / "__main__.py").is_file()


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    entries = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".devstack", "node_modules"} <= entries
    for needed in ("libs", "services", "uv.lock", "pyproject.toml", "tools"):
        assert needed not in entries


# ------------------------------------------------------------------ docker-compose.yml


def test_compose_has_every_service() -> None:
    assert set(compose()["services"]) >= ALL_COMPOSE_SERVICES


def test_compose_kafka_is_single_node_kraft_with_internal_and_external_listeners() -> None:
    kafka = compose_service("kafka")
    assert kafka["image"] == "apache/kafka:4.1.1"
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_NODE_ID"] == "1"
    assert "kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    for key, value in env.items():
        if "REPLICATION_FACTOR" in key:
            assert value == "1", key
    # The external listener is the one published on host port 9092.
    (host, container), *_ = sorted(published_ports(kafka))
    assert host == 9092
    assert f"://0.0.0.0:{container}" in env["KAFKA_LISTENERS"]
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])


def test_compose_mongo_has_a_ping_healthcheck_and_a_volume() -> None:
    mongo = compose_service("mongo")
    assert mongo["image"] == "mongo:8.0"
    test = " ".join(mongo["healthcheck"]["test"])
    assert "mongosh" in test
    assert "ping" in test
    volumes = [str(v) for v in mongo["volumes"]]
    assert any(v.endswith(":/data/db") for v in volumes)
    named = volumes[0].split(":")[0]
    assert named in compose()["volumes"]


@pytest.mark.parametrize(("name", "port"), list(APP_SERVICES.items()))
def test_compose_app_service(name: str, port: int) -> None:
    service = compose_service(name)

    build = service["build"]
    context = ROOT / build["context"]
    dockerfile = context / build["dockerfile"]
    assert context.resolve() == ROOT
    assert dockerfile.is_file()
    cmd = [args for keyword, args in built_for(name) if keyword == "CMD"]
    assert "lingban_${LINGBAN_SERVICE}" in " ".join(exec_form(cmd[-1]))

    healthcheck = service["healthcheck"]
    assert healthcheck["test"] == ["CMD", "python", "-m", f"lingban_{name}", "--healthcheck"]

    depends_on = service["depends_on"]
    for infra in ("kafka", "mongo"):
        assert depends_on[infra]["condition"] == "service_healthy"

    assert published_ports(service) == {(port, port)}

    env = environment(service)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    # The database's root user, its password from the environment (no default).
    credentials, _, host = env["MONGODB_URI"].removeprefix("mongodb://").partition("@")
    user, _, password = credentials.partition(":")
    assert user == environment(compose_service("mongo"))["MONGO_INITDB_ROOT_USERNAME"]
    assert required_variable(password, "MONGO_ROOT_PASSWORD")
    assert host == "mongo:27017/?authSource=admin"
    # No default secret: compose stops with this message when it is not exported.
    assert re.fullmatch(
        r"\$\{LINGBAN_AUTH_JWT_SECRET:\?[^}]*32\+ bytes[^}]*\}", env["LINGBAN_AUTH_JWT_SECRET"]
    )
    assert env["LINGBAN_ENV"] == "${LINGBAN_ENV:-production}"
    assert env[f"LINGBAN_{name.upper()}_HOST"] == "0.0.0.0"
    assert env.get(f"LINGBAN_{name.upper()}_PORT", str(port)) == str(port)


def test_compose_publishes_every_port_on_the_loopback_only() -> None:
    """Compose runs on one machine: nothing it publishes is reachable from the network
    (a TLS proxy in front of the gateway is how others reach it) (LB-19)."""
    published = 0
    for name, service in compose()["services"].items():
        for entry in service.get("ports") or []:
            assert isinstance(entry, str), f"{name}: use the short form host_ip:port:port"
            assert entry.startswith("127.0.0.1:"), f"{name} publishes {entry} on every interface"
            published += 1
    assert published >= len(APP_SERVICES) + 5  # the gateway, Kafka, Mongo, Prometheus, Grafana


def test_compose_mongo_requires_authentication() -> None:
    env = environment(compose_service("mongo"))
    assert env["MONGO_INITDB_ROOT_USERNAME"] == "lingban"
    assert required_variable(env["MONGO_INITDB_ROOT_PASSWORD"], "MONGO_ROOT_PASSWORD")


def test_compose_grafana_has_no_default_password_and_no_anonymous_access() -> None:
    env = environment(compose_service("grafana"))
    assert required_variable(env["GF_SECURITY_ADMIN_PASSWORD"], "GRAFANA_ADMIN_PASSWORD")
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert "GF_AUTH_ANONYMOUS_ORG_ROLE" not in env
    assert env["GF_USERS_ALLOW_SIGN_UP"] == "false"


def test_compose_prometheus_cannot_be_stopped_or_reloaded_over_http() -> None:
    command = [str(arg) for arg in compose_service("prometheus")["command"]]
    assert not any(arg.startswith("--web.enable-lifecycle") for arg in command)
    assert not any(arg.startswith("--web.enable-admin-api") for arg in command)


def test_readme_does_not_call_compose_production_like() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "production-like" not in readme
    assert "not a production one" in readme


def test_compose_published_app_ports_are_8001_to_8004() -> None:
    ports = set()
    for name in APP_SERVICES:
        ports |= {host for host, _ in published_ports(compose_service(name))}
    assert ports == {8001, 8002, 8003, 8004}


def test_compose_bind_mounts_exist() -> None:
    for name, service in compose()["services"].items():
        for volume in service.get("volumes") or []:
            source = str(volume).split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: mounted path {source} does not exist"
    prometheus_mounts = [str(v) for v in compose_service("prometheus")["volumes"]]
    assert any(v.startswith("./deploy/prometheus") for v in prometheus_mounts)
    grafana_mounts = [str(v) for v in compose_service("grafana")["volumes"]]
    assert any(v.startswith("./deploy/grafana") for v in grafana_mounts)
    assert (9090, 9090) in published_ports(compose_service("prometheus"))
    assert (3000, 3000) in published_ports(compose_service("grafana"))


# ------------------------------------------------------------------------ Prometheus


def scrape_targets(config: dict[str, Any]) -> dict[str, list[str]]:
    targets: dict[str, list[str]] = {}
    for job in config["scrape_configs"]:
        assert job.get("metrics_path", "/metrics") == "/metrics"
        interval = job.get("scrape_interval", config["global"]["scrape_interval"])
        assert interval == "15s"
        targets[job["job_name"]] = [
            str(t) for static in job["static_configs"] for t in static["targets"]
        ]
    return targets


def test_prometheus_scrapes_every_service_by_compose_name() -> None:
    config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    services = set(compose()["services"])
    scraped: set[str] = set()
    for job, targets in scrape_targets(config).items():
        assert targets, f"job {job} has no targets"
        for target in targets:
            host, _, port = target.partition(":")
            assert host in services, f"scrape target {target} is not a compose service"
            if host in APP_SERVICES:
                assert int(port) == APP_SERVICES[host]
                scraped.add(host)
    assert scraped == set(APP_SERVICES)
    for rules in config["rule_files"]:
        assert (PROMETHEUS_DIR / rules).is_file()
    assert "alerts.yml" in config["rule_files"]


def test_prometheus_local_config_scrapes_the_same_jobs_on_loopback() -> None:
    compose_jobs = scrape_targets(load_yaml(PROMETHEUS_DIR / "prometheus.yml"))
    local = load_yaml(PROMETHEUS_DIR / "prometheus.local.yml")
    local_jobs = scrape_targets(local)
    assert set(local_jobs) == set(compose_jobs)
    for job, targets in compose_jobs.items():
        expected = [f"127.0.0.1:{t.partition(':')[2]}" for t in targets]
        assert local_jobs[job] == expected
    for rules in local["rule_files"]:
        assert (PROMETHEUS_DIR / rules).is_file()


def alert_rules() -> dict[str, dict[str, Any]]:
    data = load_yaml(PROMETHEUS_DIR / "alerts.yml")
    rules: dict[str, dict[str, Any]] = {}
    for group in data["groups"]:
        for rule in group["rules"]:
            assert rule["alert"] not in rules, f"duplicate alert {rule['alert']}"
            rules[rule["alert"]] = rule
    return rules


def test_alert_expressions_use_only_exported_metrics() -> None:
    rules = alert_rules()
    assert rules
    for name, rule in rules.items():
        names = promql_metric_names(str(rule["expr"]))
        assert names, f"{name}: expression selects no metric"
        unknown = names - ALERT_METRICS
        assert not unknown, f"{name}: unknown metrics {sorted(unknown)}"
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["summary"]


def test_alerts_cover_the_operational_failure_modes() -> None:
    def normalized(expr: str) -> str:
        text = " ".join(expr.split())
        return re.sub(r"\s+\)", ")", re.sub(r"\(\s+", "(", text))

    exprs = {name: normalized(str(rule["expr"])) for name, rule in alert_rules().items()}
    fors = {name: rule.get("for") for name, rule in alert_rules().items()}

    def find(fragment: str) -> str:
        matching = [name for name, expr in exprs.items() if fragment in expr]
        assert matching, f"no alert on {fragment}"
        return matching[0]

    down = find("up{")
    assert "== 0" in exprs[down]
    assert fors[down] == "2m"
    dead = find('lingban_events_consumed_total{outcome="dead_lettered"}[10m]')
    assert "increase(" in exprs[dead]
    assert exprs[dead].endswith("> 0")
    backlog = find("lingban_outbox_pending_events")
    assert exprs[backlog].endswith("> 100")
    assert fors[backlog] == "5m"
    find("lingban_outbox_relay_errors_total")
    find('status=~"5.."')
    latency = find("lingban_http_request_duration_seconds_bucket")
    assert "histogram_quantile(0.95" in exprs[latency]
    assert exprs[latency].endswith("> 1")


# --------------------------------------------------------------------------- Grafana


def test_grafana_provisioning_points_at_prometheus_and_the_dashboards() -> None:
    datasources = load_yaml(GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml")
    (source,) = datasources["datasources"]
    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"
    assert "prometheus" in compose()["services"]

    providers = load_yaml(GRAFANA_DIR / "provisioning" / "dashboards" / "lingban.yml")
    (provider,) = providers["providers"]
    mounts = dict(
        str(v).split(":")[:2] for v in compose_service("grafana")["volumes"] if ":" in str(v)
    )
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"


def test_dashboard_identity_and_service_variable() -> None:
    board = dashboard()
    assert board["uid"] == "lingban-overview"
    assert board["title"] == "领办 Lingban — platform overview"
    variables = {v["name"]: v for v in board["templating"]["list"]}
    service = variables["service"]
    assert "lingban_" in json.dumps(service["query"])
    assert "service" in json.dumps(service["query"])


def test_dashboard_panels_query_known_metrics() -> None:
    panels = dashboard_panels()
    rows = [p for p in dashboard()["panels"] if p.get("type") == "row"]
    ids = [p["id"] for p in rows + panels]
    assert len(ids) == len(set(ids)), "panel ids are not unique"
    used: set[str] = set()
    for panel in panels:
        targets = panel.get("targets") or []
        assert targets, f"panel {panel['title']!r} has no queries"
        assert "gridPos" in panel
        for target in targets:
            expr = str(target["expr"])
            names = promql_metric_names(expr)
            assert names, f"panel {panel['title']!r}: {expr!r} selects no metric"
            unknown = names - DASHBOARD_METRICS
            assert not unknown, f"panel {panel['title']!r}: unknown metrics {sorted(unknown)}"
            assert "$service" in expr, f"panel {panel['title']!r} ignores $service"
            used |= names
    # The panels the overview promises: HTTP rate, 5xx, p95, events, dead letters,
    # handler failures, outbox, publishing.
    assert {
        "lingban_http_requests_total",
        "lingban_http_request_duration_seconds_bucket",
        "lingban_events_consumed_total",
        "lingban_event_handler_failures_total",
        "lingban_outbox_pending_events",
        "lingban_events_published_total",
    } <= used
    exprs = " ".join(str(t["expr"]) for p in panels for t in p["targets"])
    assert "histogram_quantile(0.95" in exprs
    assert 'outcome="dead_lettered"' in exprs
    assert 'status=~"5.."' in exprs


# ------------------------------------------------------------------------ Kubernetes


def test_kustomization_lists_every_manifest_and_they_exist() -> None:
    kustomization = load_yaml(K8S_DIR / "kustomization.yaml")
    resources = kustomization["resources"]
    for resource in resources:
        assert (K8S_DIR / resource).is_file(), f"kustomization lists missing {resource}"
    manifests = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    # secret.yaml is an example of the keys only: applying it would deploy a known secret.
    assert manifests - {"secret.yaml"} == set(resources)


def test_no_published_secret_is_deployed() -> None:
    applied = [COMPOSE_FILE] + [
        K8S_DIR / r for r in load_yaml(K8S_DIR / "kustomization.yaml")["resources"]
    ]
    for path in applied:
        text = path.read_text(encoding="utf-8")
        for secret in KNOWN_SECRETS:
            assert secret not in text, f"{path.name} deploys the published secret {secret!r}"
        assert "REPLACE-ME" not in text, f"{path.name} deploys a placeholder"


def test_k8s_manifests_parse() -> None:
    docs = k8s_documents()
    assert docs
    for path, doc in docs:
        assert doc.get("apiVersion"), path.name
        assert doc.get("kind"), path.name
        assert doc["metadata"]["name"], path.name
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace", "lingban") == "lingban"
    assert "lingban" in k8s_objects("Namespace")


def container_port(container: dict[str, Any], port: int | str) -> int:
    """Resolve a probe's or Service's port (number or name) to the container's port."""
    if isinstance(port, int):
        declared = {int(p["containerPort"]) for p in container["ports"]}
        assert port in declared, f"port {port} is not declared by the container"
        return port
    named = {p.get("name"): int(p["containerPort"]) for p in container["ports"]}
    assert port in named, f"named port {port!r} is not declared by the container"
    return named[port]


@pytest.mark.parametrize(("name", "port"), list(APP_SERVICES.items()))
def test_k8s_deployment_and_service(name: str, port: int) -> None:
    deployment = k8s_objects("Deployment")[name]
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    pod = spec["template"]
    assert spec["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    (container,) = pod["spec"]["containers"]
    assert container["image"] == f"lingban/{name}:0.1.0"

    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe"):
        assert container_port(container, container[probe]["httpGet"]["port"]) == port

    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"])
    assert {"cpu", "memory"} <= set(resources["limits"])

    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port)
    assert annotations.get("prometheus.io/path", "/metrics") == "/metrics"

    config_maps = k8s_objects("ConfigMap")
    secrets = k8s_objects("Secret")
    refs = container["envFrom"]
    assert any(r.get("configMapRef", {}).get("name") in config_maps for r in refs)
    assert any(r.get("secretRef", {}).get("name") in secrets for r in refs)
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    assert env.get(f"LINGBAN_{name.upper()}_HOST", "0.0.0.0") == "0.0.0.0"

    service = k8s_objects("Service")[name]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    (service_port,) = service["spec"]["ports"]
    assert container_port(container, service_port["targetPort"]) == port


def test_k8s_shared_config_and_secret_template() -> None:
    (config,) = k8s_objects("ConfigMap").values()
    assert "KAFKA_BOOTSTRAP_SERVERS" in config["data"]
    secret = k8s_objects("Secret")["lingban-secrets"]
    assert "LINGBAN_AUTH_JWT_SECRET" in secret["stringData"]
    assert "REPLACE" in secret["stringData"]["LINGBAN_AUTH_JWT_SECRET"]
    comment = " ".join((K8S_DIR / "secret.yaml").read_text(encoding="utf-8").split())
    assert "secret manager" in comment
    assert "kubectl -n lingban create secret generic lingban-secrets" in comment


# ------------------------------------------------------------------- Kafka security


def kafka_script_lines(command: str) -> list[list[str]]:
    """The arguments of each top-level `command ...` line of kafka-acls.sh."""
    return [
        line.split()[1:]
        for line in KAFKA_ACLS_SCRIPT.read_text(encoding="utf-8").splitlines()
        if line.startswith(f"{command} ")
    ]


def required_variable(value: str, variable: str) -> bool:
    """`${VARIABLE:?message}`: compose stops when it is not set, there is no default."""
    return re.fullmatch(rf"\$\{{{variable}:\?[^}}]+\}}", value) is not None


def test_kafka_acls_script_grants_exactly_the_contracts_access_table() -> None:
    granted = {tuple(args) for args in kafka_script_lines("grant")}
    expected = {
        (g.principal, g.resource_type, g.pattern_type, g.resource, g.operation)
        for g in access.grants(namespace="")  # a deployment: the base topic names
    }
    assert granted == expected
    assert {(name, int(n)) for name, n, *_configs in kafka_script_lines("topic")} == set(
        access.topics_to_create(namespace="")
    )
    # The event topics keep every event (R8); the dead-letter topics the broker default.
    for name, _n, *configs in kafka_script_lines("topic"):
        assert dict(c.split("=", 1) for c in configs) == access.topic_configs(name, ""), name
    assert [name for (name,) in kafka_script_lines("user")] == [
        *access.SERVICES,
        access.SUBSCRIBER,
    ]


def run_kafka_acls_script(tmp_path: Path, **env: str) -> list[list[str]]:
    """Run kafka-acls.sh with stand-ins for Kafka's tools; the argument lists they got."""
    calls = tmp_path / "calls"
    for tool in ("kafka-topics.sh", "kafka-configs.sh", "kafka-acls.sh"):
        stand_in = tmp_path / tool
        stand_in.write_text(
            f'#!/bin/sh\nprintf "%s\\037" {tool} "$@" >> {calls}\necho >> {calls}\n',
            encoding="utf-8",
        )
        stand_in.chmod(0o755)
    subprocess.run(
        ["sh", str(KAFKA_ACLS_SCRIPT)],
        env={
            "PATH": os.environ["PATH"],
            "KAFKA_BIN": str(tmp_path),
            "KAFKA_ADMIN_BOOTSTRAP": "kafka:9092",
            "KAFKA_ADMIN_USERNAME": "admin",
            "KAFKA_ADMIN_PASSWORD": "x",
            **env,
        },
        check=True,
        capture_output=True,
    )
    return [
        line.rstrip("\x1f").split("\x1f")
        for line in calls.read_text(encoding="utf-8").splitlines()
        if line
    ]


def option_values(args: list[str], option: str) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args) if arg == option]


def test_kafka_acls_script_creates_and_keeps_event_topics_with_infinite_retention(
    tmp_path: Path,
) -> None:
    calls = run_kafka_acls_script(tmp_path, KAFKA_TOPIC_MIN_INSYNC_REPLICAS="2")
    created = {
        option_values(c, "--topic")[0]: set(option_values(c, "--config"))
        for c in calls
        if c[0] == "kafka-topics.sh"
    }
    altered = {
        option_values(c, "--entity-name")[0]: set(option_values(c, "--add-config")[0].split(","))
        for c in calls
        if c[0] == "kafka-configs.sh" and "topics" in c
    }
    assert set(created) == {name for name, _ in access.topics_to_create(namespace="")}
    for name in created:
        expected = {"min.insync.replicas=2"} | {
            f"{key}={value}" for key, value in access.topic_configs(name, "").items()
        }
        # Set when the topic is created, and again on a topic that existed before.
        assert created[name] == expected, name
        assert altered[name] == expected, name
    assert "retention.ms=-1" in created["lingban.projects.project.v1"]


def test_compose_kafka_authenticates_everyone_and_enforces_acls() -> None:
    env = environment(compose_service("kafka"))
    protocols = dict(
        item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    # No listener lets a client in without SASL.
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == (
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    )
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert env["KAFKA_SUPER_USERS"] == "User:admin"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_LISTENER_NAME_EXTERNAL_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert required_variable(env["LINGBAN_KAFKA_ADMIN_PASSWORD"], "LINGBAN_KAFKA_ADMIN_PASSWORD")
    assert (
        "${LINGBAN_KAFKA_ADMIN_PASSWORD:?"
        in env["KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG"]
    )
    # The host port is on loopback only.
    assert compose_service("kafka")["ports"] == ["127.0.0.1:9092:19092"]
    assert "--command-config" in " ".join(compose_service("kafka")["healthcheck"]["test"])


def test_compose_kafka_init_creates_users_topics_and_acls_first() -> None:
    init = compose_service("kafka-init")
    assert init["image"] == compose_service("kafka")["image"]
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"
    mounts = [str(v).split(":") for v in init["volumes"]]
    [(source, target, _mode)] = mounts
    assert (ROOT / source).resolve() == KAFKA_ACLS_SCRIPT
    assert init["command"] == ["sh", target]
    env = environment(init)
    for user in (*access.SERVICES, access.SUBSCRIBER):
        variable = f"LINGBAN_KAFKA_{user.upper()}_PASSWORD"
        assert required_variable(env[f"KAFKA_PASSWORD_{user.upper()}"], variable), user
    assert required_variable(env["KAFKA_ADMIN_PASSWORD"], "LINGBAN_KAFKA_ADMIN_PASSWORD")
    # One broker holds one replica of each partition (stated in docker-compose.yml).
    assert env["KAFKA_TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_TOPIC_MIN_INSYNC_REPLICAS"] == "1"


@pytest.mark.parametrize("name", list(APP_SERVICES))
def test_compose_service_is_its_own_kafka_principal(name: str) -> None:
    service = compose_service(name)
    env = environment(service)
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["KAFKA_SASL_USERNAME"] == name
    assert required_variable(env["KAFKA_SASL_PASSWORD"], f"LINGBAN_KAFKA_{name.upper()}_PASSWORD")
    assert service["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"


def test_k8s_kafka_bootstrap_job_runs_the_acls_script_with_every_password() -> None:
    kustomization = load_yaml(K8S_DIR / "kustomization.yaml")
    [generator] = [
        g for g in kustomization["configMapGenerator"] if g["name"] == "lingban-kafka-acls"
    ]
    assert generator["files"] == [KAFKA_ACLS_SCRIPT.name]
    job = k8s_objects("Job")["kafka-bootstrap"]
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["sh", f"/opt/lingban/{KAFKA_ACLS_SCRIPT.name}"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["script"]["configMap"]["name"] == "lingban-kafka-acls"
    env = {e["name"]: e for e in container["env"]}
    assert env["KAFKA_ADMIN_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
    for user in (*access.SERVICES, access.SUBSCRIBER):
        ref = env[f"KAFKA_PASSWORD_{user.upper()}"]["valueFrom"]["secretKeyRef"]
        assert (ref["name"], ref["key"]) == ("lingban-kafka", user)
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_k8s_topics_are_replicated_and_clients_use_sasl_ssl() -> None:
    config = k8s_objects("ConfigMap")["lingban-config"]["data"]
    assert config["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert int(config["KAFKA_TOPIC_REPLICATION_FACTOR"]) >= 3
    assert int(config["KAFKA_TOPIC_MIN_INSYNC_REPLICAS"]) == 2
    example = k8s_objects("Secret")["lingban-kafka"]["stringData"]
    assert set(example) == {"admin-username", "admin-password", *access.SERVICES, access.SUBSCRIBER}


@pytest.mark.parametrize("name", list(APP_SERVICES))
def test_k8s_service_reads_only_its_own_kafka_password(name: str) -> None:
    (container,) = k8s_objects("Deployment")[name]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["KAFKA_SASL_USERNAME"]["value"] == name
    ref = env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert (ref["name"], ref["key"]) == ("lingban-kafka", name)
    # The whole Kafka Secret is never handed over (it holds the other services' passwords).
    assert all(r.get("secretRef", {}).get("name") != "lingban-kafka" for r in container["envFrom"])


# ------------------------------------------------------------ Kubernetes network policies
#
# A small evaluator of the NetworkPolicy rules the manifests use (podSelector and
# namespaceSelector with matchLabels / matchExpressions In, ipBlock with except, TCP/UDP
# ports): enough to check who may talk to whom, not a full implementation.

NAMESPACE = "lingban"
Labels = dict[str, str]


class Peer:
    """A pod (its namespace's and its own labels) or an address outside the cluster."""

    def __init__(
        self, pod: Labels | None = None, namespace: str = NAMESPACE, ip: str | None = None
    ) -> None:
        self.pod = pod
        self.namespace_labels = {"kubernetes.io/metadata.name": namespace}
        self.ip = ip


def lingban_pod(name: str) -> Peer:
    return Peer({"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "lingban"})


INGRESS_CONTROLLER = Peer({"app.kubernetes.io/name": "ingress-nginx"}, namespace="ingress-nginx")
PROMETHEUS = Peer({"app.kubernetes.io/name": "prometheus"}, namespace="monitoring")
KUBE_DNS = Peer({"k8s-app": "kube-dns"}, namespace="kube-system")
INTERNET = Peer(ip="203.0.113.10")  # a provider's address (TEST-NET-3)
METADATA = Peer(ip="169.254.169.254")
PRIVATE = Peer(ip="10.20.30.40")  # an address inside the cluster's or office's network


def selects(selector: dict[str, Any], labels: Labels) -> bool:
    if not all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        assert expression["operator"] == "In", "the evaluator knows only `In`"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def in_block(block: dict[str, Any], ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if address not in ipaddress.ip_network(block["cidr"]):
        return False
    return not any(address in ipaddress.ip_network(e) for e in block.get("except") or [])


def peer_matches(rule_peer: dict[str, Any], peer: Peer, policy_namespace: str) -> bool:
    if "ipBlock" in rule_peer:
        # Pod addresses are inside the cluster's private ranges, never a provider's.
        return peer.ip is not None and in_block(rule_peer["ipBlock"], peer.ip)
    if peer.pod is None:
        return False
    if "namespaceSelector" in rule_peer:
        if not selects(rule_peer["namespaceSelector"], peer.namespace_labels):
            return False
    elif peer.namespace_labels["kubernetes.io/metadata.name"] != policy_namespace:
        return False
    return selects(rule_peer.get("podSelector") or {}, peer.pod)


def rule_allows(
    rule: dict[str, Any], key: str, peer: Peer, port: int, protocol: str, namespace: str
) -> bool:
    peers = rule.get(key)
    if peers and not any(peer_matches(p, peer, namespace) for p in peers):
        return False
    ports = rule.get("ports")
    return not ports or any(
        int(p["port"]) == port and p.get("protocol", "TCP") == protocol for p in ports
    )


@cache
def network_policies() -> list[dict[str, Any]]:
    return list(k8s_objects("NetworkPolicy").values())


def policy_allows(direction: str, pod: Peer, other: Peer, port: int, protocol: str = "TCP") -> bool:
    """Whether `pod` (in lingban) may receive from / send to `other` on `port`."""
    assert pod.pod is not None
    key = {"Ingress": "from", "Egress": "to"}[direction]
    relevant = [
        p
        for p in network_policies()
        if direction in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], pod.pod)
    ]
    assert relevant, f"no {direction} policy selects {pod.pod}: it would be open"
    return any(
        rule_allows(rule, key, other, port, protocol, NAMESPACE)
        for p in relevant
        for rule in p["spec"].get(direction.lower()) or []
    )


def ours(peer: Peer) -> bool:
    return peer.pod is not None and peer.namespace_labels == Peer({}).namespace_labels


def connects(source: Peer, target: Peer, port: int, protocol: str = "TCP") -> bool:
    """Both ends agree: the source's egress and the target's ingress (where they are
    ours; other namespaces' policies are not ours to check)."""
    egress = not ours(source) or policy_allows("Egress", source, target, port, protocol)
    ingress = not ours(target) or policy_allows("Ingress", target, source, port, protocol)
    return egress and ingress


LINGBAN_PODS = [*APP_SERVICES, "gateway", "kafka-bootstrap"]


def test_network_policies_deny_everything_by_default() -> None:
    [deny] = [p for p in network_policies() if p["metadata"]["name"] == "default-deny"]
    assert deny["spec"]["podSelector"] == {}
    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny["spec"]
    assert "egress" not in deny["spec"]
    # Every pod the manifests run carries the label the policies select on.
    templates = [d["spec"]["template"] for d in k8s_objects("Deployment").values()]
    templates += [j["spec"]["template"] for j in k8s_objects("Job").values()]
    assert {t["metadata"]["labels"]["app.kubernetes.io/name"] for t in templates} == set(
        LINGBAN_PODS
    )


def test_network_policies_allow_the_request_path_and_nothing_around_it() -> None:
    gateway = lingban_pod("gateway")
    assert connects(INGRESS_CONTROLLER, gateway, 8080)
    assert not connects(INTERNET, gateway, 8080)  # only through the ingress controller
    for name, port in APP_SERVICES.items():
        service = lingban_pod(name)
        assert connects(gateway, service, port), name
        assert connects(PROMETHEUS, service, port), name
        assert not connects(INGRESS_CONTROLLER, service, port), name
        assert not connects(gateway, service, port + 1), name
        for other in APP_SERVICES:
            assert not connects(lingban_pod(other), service, port), (other, name)
    assert not connects(PROMETHEUS, gateway, 8080)
    # The gateway forwards to the services only.
    assert not policy_allows("Egress", gateway, INTERNET, 443)
    assert not policy_allows("Egress", gateway, PRIVATE, 27017)


def test_network_policies_let_the_services_reach_kafka_mongodb_and_dns() -> None:
    for name in LINGBAN_PODS:
        pod = lingban_pod(name)
        assert policy_allows("Egress", pod, KUBE_DNS, 53, "UDP"), name
        assert policy_allows("Egress", pod, KUBE_DNS, 53, "TCP"), name
        reaches_kafka = policy_allows("Egress", pod, PRIVATE, 9093)
        reaches_mongo = policy_allows("Egress", pod, PRIVATE, 27017)
        assert reaches_kafka == (name != "gateway"), name
        assert reaches_mongo == (name != "gateway"), name
    # A pod elsewhere in the cluster cannot use the DNS rule to reach anything.
    assert not policy_allows("Egress", lingban_pod("projects"), PRIVATE, 53, "UDP")


def test_only_notifications_reach_the_providers_and_never_private_addresses() -> None:
    notifications = lingban_pod("notifications")
    for port in (443, 25, 587):
        assert policy_allows("Egress", notifications, INTERNET, port), port
        assert not policy_allows("Egress", notifications, METADATA, port), port
        assert not policy_allows("Egress", notifications, PRIVATE, port), port
    assert not policy_allows("Egress", notifications, INTERNET, 80)
    for name in LINGBAN_PODS:
        if name != "notifications":
            assert not policy_allows("Egress", lingban_pod(name), INTERNET, 443), name


# ----------------------------------------------------------------- images by digest

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
OVERLAYS_DIR = K8S_DIR / "overlays"


def image_name(reference: str) -> str:
    """`registry/name:tag@sha256:…` → `registry/name` (a registry port is not a tag)."""
    without_digest = reference.split("@", 1)[0]
    head, _, last = without_digest.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


def base_images() -> set[str]:
    """The image names every container of the base manifests runs."""
    pods = [d["spec"]["template"]["spec"] for d in k8s_objects("Deployment").values()]
    pods += [j["spec"]["template"]["spec"] for j in k8s_objects("Job").values()]
    return {
        image_name(c["image"])
        for pod in pods
        for c in [*pod["containers"], *(pod.get("initContainers") or [])]
    }


def unpinned_images(overlay: dict[str, Any], images: set[str]) -> set[str]:
    """The images an overlay leaves without a digest (by `digest:` or `newName@sha256:`)."""
    pinned = set()
    for entry in overlay.get("images") or []:
        digest = entry.get("digest") or entry.get("newName", "").partition("@")[2]
        if DIGEST.fullmatch(digest or ""):
            pinned.add(entry["name"])
    return images - pinned


def test_the_base_lists_every_image_it_runs_so_a_release_can_pin_it() -> None:
    listed = {entry["name"] for entry in load_yaml(K8S_DIR / "kustomization.yaml")["images"]}
    assert base_images() == listed
    assert "apache/kafka" in listed


def test_the_digest_check_refuses_a_tag_and_accepts_a_digest() -> None:
    images = {"lingban/projects", "apache/kafka"}
    tagged = {"images": [{"name": "lingban/projects", "newTag": "0.1.1"}]}
    assert unpinned_images(tagged, images) == images
    pinned = {
        "images": [
            {"name": "lingban/projects", "newName": "r.example/lp", "digest": "sha256:" + "a" * 64},
            {"name": "apache/kafka", "digest": "sha256:" + "b" * 64},
        ]
    }
    assert unpinned_images(pinned, images) == set()
    assert unpinned_images({"images": [{"name": "apache/kafka", "digest": "latest"}]}, images)


@pytest.mark.parametrize(
    "overlay",
    sorted(OVERLAYS_DIR.glob("*/kustomization.yaml")) or [None],
    ids=lambda p: p.parent.name if p else "no-overlay-yet",
)
def test_release_overlays_pin_every_image_by_digest(overlay: Path | None) -> None:
    if overlay is None:
        assert not OVERLAYS_DIR.exists() or not any(OVERLAYS_DIR.iterdir())
        return
    assert unpinned_images(load_yaml(overlay), base_images()) == set(), overlay

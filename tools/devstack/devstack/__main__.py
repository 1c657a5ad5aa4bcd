"""`python -m devstack up|down|infra-up|infra-down|status` (what `make up` / `make down` run)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time

from devstack import gateway, infra, processes, services
from devstack.errors import DevstackError
from devstack.profiles import PROFILE_NAMES, get_profile

INFRA_NAMES = ("kafka", "postgres", "mongo")
# Development only: the workbench's sign-in page lists the demo users (lingban_kit.dev_sign_in),
# and the services accept the public development secret (lingban_kit.auth_policy).
DEV_SIGN_IN_ENV = {"LINGBAN_DEV_SIGN_IN": "true", "LINGBAN_ENV": "dev"}


def _up(profile: str) -> None:
    began = time.monotonic()
    # Imported here: these need the project's packages, devstack itself does not.
    from devstack import demo
    from lingban_contracts.registry import TOPIC_NAMESPACE_ENV
    from lingban_kit.auth import DEV_JWT_SECRET

    # The services accept tokens signed with this secret, and the demo loader and
    # `make token` sign with it: the same default on both sides.
    secret = os.environ.get("LINGBAN_AUTH_JWT_SECRET") or DEV_JWT_SECRET
    # A test run's topic namespace left exported in this shell would start the services
    # on topics nobody created: the platform always runs on the published names.
    if os.environ.pop(TOPIC_NAMESPACE_ENV, ""):
        print(f"devstack: ignoring {TOPIC_NAMESPACE_ENV} (tests only)", file=sys.stderr)
    endpoints = infra.ensure_infra(profile)
    gateway_port = get_profile(profile).gateway_port
    urls = services.start_services(
        profile,
        endpoints,
        extra_env={
            "LINGBAN_AUTH_JWT_SECRET": secret,
            **DEV_SIGN_IN_ENV,
            **gateway.workbench_url_env(gateway_port),
        },
    )
    workbench = gateway.start(
        profile,
        gateway_port,
        {spec.name: f"{services.HOST}:{spec.port}" for spec in services.SERVICES},
    )
    # The demo's progress reads every consumer group's offsets: the admin's job.
    # Set only now, so that the services started above got their own principals.
    os.environ.update(endpoints.kafka_env("admin"))
    loaded = [
        r
        for r in demo.seed(
            urls, secret=secret, kafka_bootstrap_servers=endpoints.kafka_bootstrap_servers
        )
        if r.data
    ]
    added = ", ".join(f"{r.part} {r.added}" for r in loaded)
    state = "added" if any(r.added for r in loaded) else "was complete; added"
    print(f"Lingban is up ({time.monotonic() - began:.1f} s); the demo data {state}: {added}")
    print()
    print(f"  Workbench (工作台): {workbench}/   (pick a demo user to sign in)")
    print()
    for spec in services.SERVICES:
        print(f"  {spec.name:<14} {spec.base_url}/docs")
    print()
    # No token in a printed URL (it would sit in shell history and browser history):
    # the dashboard reads the workbench's sign-in (same origin behind the gateway).
    print(f"  Dashboard (领导驾驶舱): {workbench}/api/reporting/dashboard")
    print(
        "    (sign in on the workbench as the city's leader (领导) first, or use 驾驶舱 in its menu)"
    )
    print("  Tokens for curl and Swagger: make token")
    print()
    print(f"  Kafka          {endpoints.kafka_bootstrap_servers}")
    print(f"  MongoDB        {endpoints.mongodb_uri}")
    print()
    print(f"Logs: {processes.log_path(profile, 'kafka').parent}/   Stop: make down")


def _down(profile: str) -> None:
    gateway.stop(profile)
    services.stop_services(profile)
    infra.stop_infra(profile)
    print(f"stopped everything devstack started for profile {profile!r}")


def _infra_up(profile: str) -> None:
    endpoints = infra.ensure_infra(profile)
    print(f"KAFKA_BOOTSTRAP_SERVERS={shlex.quote(endpoints.kafka_bootstrap_servers)}")
    print(f"MONGODB_URI={shlex.quote(endpoints.mongodb_uri)}")


def _infra_down(profile: str) -> None:
    infra.stop_infra(profile)
    print(f"stopped Kafka and the database of profile {profile!r}")


def _status(profile: str | None) -> None:
    external = infra.external_endpoints()
    if external is not None:
        print(
            "external servers from the environment: "
            f"KAFKA_BOOTSTRAP_SERVERS={external.kafka_bootstrap_servers} "
            f"MONGODB_URI={external.mongodb_uri}"
        )
    for name in [profile] if profile else list(PROFILE_NAMES):
        get_profile(name)
        print(f"profile {name}:")
        known = [*INFRA_NAMES, *(spec.name for spec in services.SERVICES), gateway.NAME]
        for process in dict.fromkeys([*known, *processes.recorded_names(name)]):
            record = processes.running(name, process)
            state = f"running  pid {record.pid:<7} port {record.port}" if record else "stopped"
            print(f"  {process:<14} {state}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description="Run Kafka, the MongoDB-wire database and the Lingban services locally.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for command, default, text in (
        ("up", "dev", "start infrastructure and services, load demo data"),
        ("down", "dev", "stop the services, then the infrastructure"),
        ("infra-up", "test", "start Kafka and the database; print their addresses"),
        ("infra-down", "test", "stop Kafka and the database"),
    ):
        sub = commands.add_parser(command, help=text)
        sub.add_argument("--profile", choices=PROFILE_NAMES, default=default)
    status = commands.add_parser("status", help="show what devstack is running")
    status.add_argument("--profile", choices=PROFILE_NAMES, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    actions = {
        "up": _up,
        "down": _down,
        "infra-up": _infra_up,
        "infra-down": _infra_down,
    }
    try:
        if args.command == "status":
            _status(args.profile)
        else:
            actions[args.command](args.profile)
    except DevstackError as error:
        # One line a person can act on (a demo call that failed says which part and
        # call, and that the next `make up` resumes it): never a traceback.
        print(f"devstack: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.command == "up":
            print(
                "devstack: interrupted; the next `make up` resumes the demo data where it stopped",
                file=sys.stderr,
            )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

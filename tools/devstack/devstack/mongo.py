"""The MongoDB-wire database: `mongod` when it is on PATH, otherwise FerretDB.

FerretDB 1.24 runs on PostgreSQL (`devstack.postgres`) by default; its SQLite
backend (DEVSTACK_FERRETDB_BACKEND=sqlite) needs no other server but uses no
secondary index, so every filter scans its collection. FerretDB cannot be
`go install`-ed (its own command panics without the version files of a release
build), so `infra/ferretdb/` wraps the embeddable package in a tiny `main`.
The build vendors the modules and applies `infra/ferretdb/patches/` (indexed
equality filters on PostgreSQL), once, into `.devstack/cache/bin/`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from devstack import commands, paths, postgres, probes, processes
from devstack.console import say
from devstack.errors import DevstackError
from devstack.locks import file_lock
from devstack.profiles import Profile

NAME = "mongo"
HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 120.0
FERRETDB_BINARY = "lingban-ferretdb"
FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
BACKENDS = ("postgresql", "sqlite")


def ferretdb_backend() -> str:
    backend = os.environ.get("DEVSTACK_FERRETDB_BACKEND", "").strip() or "postgresql"
    if backend not in BACKENDS:
        raise DevstackError(
            f"DEVSTACK_FERRETDB_BACKEND={backend!r}: choose one of {', '.join(BACKENDS)}"
        )
    return backend


def _ferretdb_sources() -> Path:
    return paths.infra_dir() / "ferretdb"


def _patches() -> list[Path]:
    return sorted((_ferretdb_sources() / "patches").glob("*.patch"))


def _apply_patches(module_dir: Path) -> None:
    # Outside any repository on purpose: inside one, `git apply` resolves paths
    # from that repository's top and would skip files of the vendored module.
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(module_dir.parent)}
    git = commands.require_tool("git", "to apply infra/ferretdb/patches")
    for patch in _patches():
        commands.run_build(
            [git, "apply", "-p1", "--whitespace=nowarn", str(patch)],
            what=f"applying {patch.name} to FerretDB",
            cwd=module_dir,
            env=env,
        )


def _ferretdb_binary() -> Path:
    return paths.cache_dir() / "bin" / FERRETDB_BINARY


def ensure_ferretdb_binary() -> Path:
    """Our FerretDB binary, (re)built with Go when missing or older than its sources."""
    source = _ferretdb_sources()
    binary = _ferretdb_binary()
    inputs = [*source.glob("*.go"), source / "go.mod", source / "go.sum", *_patches()]
    with file_lock(paths.cache_dir() / "locks" / f"{FERRETDB_BINARY}.lock"):
        newest_input = max(path.stat().st_mtime for path in inputs)
        if binary.is_file() and binary.stat().st_mtime >= newest_input:
            return binary
        go = commands.require_tool(
            "go", "to build FerretDB (Go 1.24 or newer), unless `mongod` is on PATH"
        )
        say(
            f"building FerretDB into {binary} with Go (only when missing or infra/ferretdb changed; 1-2 minutes cold)"
        )
        build = paths.created(paths.cache_dir() / "ferretdb-build")
        shutil.rmtree(build)
        build.mkdir()
        for path in [*source.glob("*.go"), source / "go.mod", source / "go.sum"]:
            shutil.copy2(path, build / path.name)
        # FerretDB's SQLite driver is pure Go: without cgo no C compiler is needed.
        env = {**os.environ, "CGO_ENABLED": "0"}
        commands.run_build(
            [go, "mod", "vendor"], what="fetching FerretDB's modules", cwd=build, env=env
        )
        _apply_patches(build / "vendor" / FERRETDB_MODULE)
        paths.created(binary.parent)
        partial = binary.with_name(binary.name + ".partial")
        commands.run_build(
            # No VCS stamping: it needs git to trust the checkout, and adds nothing here.
            [go, "build", "-mod=vendor", "-buildvcs=false", "-o", str(partial), "."],
            what="building FerretDB with Go",
            cwd=build,
            env=env,
        )
        partial.replace(binary)
        return binary


def _server_argv(profile: Profile) -> tuple[str, list[str]]:
    """What to run, and a human name for it."""
    run_dir = paths.created(paths.profile_dir(profile.name))
    mongod = shutil.which("mongod")
    if mongod is not None:
        data_dir = run_dir / "mongo-data"
        data_dir.mkdir(parents=True, exist_ok=True)
        argv = [mongod, "--dbpath", str(data_dir), "--bind_ip", HOST,
                "--port", str(profile.mongo_port)]  # fmt: skip
        return "mongod", argv
    # Its own folder: SQLite files must never be mixed with a mongod data folder.
    # With PostgreSQL it only holds FerretDB's private socket.
    data_dir = run_dir / "ferretdb-data"
    argv = [str(ensure_ferretdb_binary()), "-listen-addr", f"{HOST}:{profile.mongo_port}",
            "-sqlite-dir", str(data_dir)]  # fmt: skip
    if ferretdb_backend() == "sqlite":
        return "FerretDB (SQLite)", argv
    return "FerretDB (PostgreSQL)", [*argv, "-postgresql-url", postgres.connection_url(profile)]


def older_than_its_build(record: processes.ProcessRecord) -> bool:
    """Whether a running server is our FerretDB, started before its binary was (re)built
    from the current infra/ferretdb (this call rebuilds it when the sources changed)."""
    binary = _ferretdb_binary()
    if not record.argv or Path(record.argv[0]) != binary:
        return False  # a mongod
    return ensure_ferretdb_binary().stat().st_mtime > record.started_at


def ensure_running(profile: Profile) -> tuple[processes.ProcessRecord, bool]:
    """Start the database unless ours is already running; wait until it answers `ping`.

    Returns its record and whether it was started by this call.
    """
    if shutil.which("mongod") is None and ferretdb_backend() == "postgresql":
        # Always, even when FerretDB runs: it is useless without its storage.
        postgres.ensure_running(profile)
    with file_lock(paths.locks_dir(profile.name) / f"{NAME}.lock"):
        record = processes.running(profile.name, NAME)
        if record is not None and older_than_its_build(record):
            # A fix to infra/ferretdb (say, a patch) reaches a checkout whose server runs.
            say("restarting FerretDB: infra/ferretdb changed since it started")
            processes.stop(profile.name, NAME, grace=15.0)
            record = None
        started = record is None
        if record is None:
            if probes.port_open(HOST, profile.mongo_port):
                raise DevstackError(
                    f"port {profile.mongo_port} is taken by a process devstack did not start "
                    f"for profile {profile.name!r}; stop it, or pick another port with "
                    "DEVSTACK_MONGO_PORT"
                )
            kind, argv = _server_argv(profile)
            say(f"starting {kind} on {HOST}:{profile.mongo_port}")
            record = processes.launch(
                profile.name,
                NAME,
                argv,
                port=profile.mongo_port,
                cwd=paths.profile_dir(profile.name),
            )
        port = record.port
        processes.wait_ready(
            profile.name,
            record,
            lambda: probes.mongo_answers(HOST, port),
            what="the MongoDB-wire database",
            timeout=READY_TIMEOUT_SECONDS,
        )
        return record, started


def stop(profile_name: str) -> bool:
    """Stop the database, then its PostgreSQL (if devstack started one)."""
    stopped = processes.stop(profile_name, NAME, grace=15.0)
    return postgres.stop(profile_name) or stopped

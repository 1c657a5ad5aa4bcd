"""The MongoDB-wire database: `mongod` when it is on PATH, otherwise FerretDB.

FerretDB 1.24 runs on PostgreSQL (`devstack.postgres`) by default; its SQLite
backend (DEVSTACK_FERRETDB_BACKEND=sqlite) needs no other server but uses no
secondary index, so every filter scans its collection. FerretDB cannot be
`go install`-ed (its own command panics without the version files of a release
build), so `infra/ferretdb/` wraps the embeddable package in a tiny `main`.
The build copies FerretDB's module next to it, applies `infra/ferretdb/patches/`
(indexed equality filters on PostgreSQL, …) and points the wrapper's module at the
copy, once, into `.devstack/cache/bin/`. One binary per backend: the PostgreSQL one
is built without the SQLite backend (`ferretdb_no_sqlite`), so a first `make up`
neither downloads nor compiles the pure-Go SQLite (half of FerretDB's modules).
"""

from __future__ import annotations

import json
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
FERRETDB_GOGC = "400"  # see `_server_env`
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


# Build tags per backend: FerretDB leaves out what the tag names.
_BUILD_TAGS = {"postgresql": "ferretdb_no_sqlite", "sqlite": ""}
# Where the patched copy of FerretDB's module sits in the build folder.
_MODULE_COPY = "ferretdb"
# Changed whenever how the binary is built changes, so existing checkouts rebuild.
_RECIPE = "module copy + tags, 2026-11-27"


def _ferretdb_binary(backend: str) -> Path:
    name = FERRETDB_BINARY if backend == "postgresql" else f"{FERRETDB_BINARY}-{backend}"
    return paths.cache_dir() / "bin" / name


def ferretdb_build_dir() -> Path:
    """The wrapper's module with the patched FerretDB, as the last build left it."""
    return paths.cache_dir() / "ferretdb-build"


def go_flags(backend: str) -> list[str]:
    """The flags a build (or `go test`) in `ferretdb_build_dir()` needs for `backend`."""
    return ["-mod=mod", "-buildvcs=false", f"-tags={_BUILD_TAGS[backend]}"]


def ensure_ferretdb_binary(backend: str | None = None) -> Path:
    """Our FerretDB binary for `backend` (default: the configured one), (re)built with Go
    when missing or older than its sources."""
    backend = backend or ferretdb_backend()
    source = _ferretdb_sources()
    binary = _ferretdb_binary(backend)
    inputs = [*source.glob("*.go"), source / "go.mod", source / "go.sum", *_patches()]
    with file_lock(paths.cache_dir() / "locks" / f"{FERRETDB_BINARY}.lock"):
        newest_input = max(path.stat().st_mtime for path in inputs)
        recipe = binary.with_name(binary.name + ".recipe")
        made_by = recipe.read_text() if recipe.is_file() else ""
        if binary.is_file() and binary.stat().st_mtime >= newest_input and made_by == _RECIPE:
            return binary
        go = commands.require_tool(
            "go", "to build FerretDB (Go 1.24 or newer), unless `mongod` is on PATH"
        )
        say(
            f"building FerretDB ({backend}) into {binary} with Go "
            "(only when missing or infra/ferretdb changed; 1-3 minutes cold)"
        )
        build = _prepare_build(go, source)
        paths.created(binary.parent)
        partial = binary.with_name(binary.name + ".partial")
        commands.run_build(
            # Module mode: Go downloads only the modules this backend's packages import.
            [go, "build", *go_flags(backend), "-o", str(partial), "."],
            what="building FerretDB with Go (and downloading the modules it needs)",
            cwd=build,
            env=go_env(),
        )
        partial.replace(binary)
        recipe.write_text(_RECIPE)
        return binary


def go_env() -> dict[str, str]:
    """The environment of a build (or `go test`) in `ferretdb_build_dir()`."""
    # FerretDB's SQLite driver is pure Go: without cgo no C compiler is needed.
    return {**os.environ, "CGO_ENABLED": "0"}


def _prepare_build(go: str, source: Path) -> Path:
    """A fresh build folder: the wrapper, and a patched copy of FerretDB it builds with."""
    build = paths.created(ferretdb_build_dir())
    shutil.rmtree(build)
    build.mkdir()
    for path in [*source.glob("*.go"), source / "go.mod", source / "go.sum"]:
        shutil.copy2(path, build / path.name)
    listing = commands.capture_build(
        [go, "mod", "download", "-json", FERRETDB_MODULE],
        what="fetching FerretDB's source",
        cwd=build,
        env=go_env(),
    )
    module_dir = Path(json.loads(listing)["Dir"])
    copy = build / _MODULE_COPY
    # The module cache is read-only; plain file copies are writable, for the patches.
    shutil.copytree(module_dir, copy, copy_function=shutil.copyfile)
    for folder, _, _ in os.walk(copy):
        os.chmod(folder, 0o755)
    _apply_patches(copy)
    commands.run_build(
        [go, "mod", "edit", f"-replace={FERRETDB_MODULE}=./{_MODULE_COPY}"],
        what="pointing the build at the patched FerretDB",
        cwd=build,
        env=go_env(),
    )
    return build


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
    backend = ferretdb_backend()
    argv = [str(ensure_ferretdb_binary(backend)), "-listen-addr", f"{HOST}:{profile.mongo_port}",
            "-sqlite-dir", str(data_dir)]  # fmt: skip
    if backend == "sqlite":
        return "FerretDB (SQLite)", argv
    return "FerretDB (PostgreSQL)", [*argv, "-postgresql-url", postgres.connection_url(profile)]


def _server_env(kind: str) -> dict[str, str] | None:
    """FerretDB allocates afresh for every document it decodes and encodes, and Go's
    default (collect whenever the heap doubled) spent about 13 % of its CPU in the
    collector under the projection benchmark. Collecting at four times the live
    heap (a few hundred MB here) gave about 8 % more events per second
    (docs/performance.md). A `GOGC` of the caller's wins."""
    if kind == "mongod":
        return None
    return {**os.environ, "GOGC": os.environ.get("GOGC", FERRETDB_GOGC)}


def older_than_its_build(record: processes.ProcessRecord) -> bool:
    """Whether a running server is our FerretDB, started before its binary was (re)built
    from the current infra/ferretdb (this call rebuilds it when the sources changed)."""
    built = {_ferretdb_binary(backend): backend for backend in BACKENDS}
    backend = built.get(Path(record.argv[0])) if record.argv else None
    if backend is None:
        return False  # a mongod
    return ensure_ferretdb_binary(backend).stat().st_mtime > record.started_at


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
                env=_server_env(kind),
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

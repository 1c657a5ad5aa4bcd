"""PostgreSQL from Debian's packages, the storage behind FerretDB.

FerretDB's SQLite backend uses no secondary index, so every filter reads the
whole collection and each command got slower as data grew (about 60 ms an
`_id` lookup at 25,000 documents). On PostgreSQL, with our two-line FerretDB
patch (`infra/ferretdb/patches/`), equality filters are served by indexes and
their cost stays flat (see docs/performance.md).

devstack runs its own cluster: `initdb` into the profile's folder once, then
`postgres` on a loopback port of its own, never the machine's system cluster.
PostgreSQL refuses to run as root, so as root it runs as the `postgres` user
that Debian's package creates.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from devstack import commands, paths, processes
from devstack.console import say
from devstack.errors import DevstackError
from devstack.locks import file_lock
from devstack.profiles import Profile

NAME = "postgres"
HOST = "127.0.0.1"
DATABASE = "postgres"  # FerretDB keeps one schema per MongoDB database in it
READY_TIMEOUT_SECONDS = 60.0
_DEBIAN_BIN_DIRS = Path("/usr/lib/postgresql")
_APT_PACKAGE = "postgresql"


# FerretDB keeps a PostgreSQL connection for every open cursor (its rows stay
# open between `getMore`s), besides one or two per running command. Its default
# pool of 50 was exhausted once in a test run, and then every command waited
# forever (a `createIndexes` holds FerretDB's catalogue lock while it waits for
# a connection). So a larger pool, and a server that allows it. The cause then
# was an `update` command holding a connection per statement until it returned
# (fixed by infra/ferretdb/patches/0002); open cursors still count.
POOL_MAX_CONNECTIONS = 200
MAX_CONNECTIONS = 400


def connection_url(profile: Profile) -> str:
    return (
        f"postgres://postgres@{HOST}:{profile.postgres_port}/{DATABASE}"
        f"?pool_max_conns={POOL_MAX_CONNECTIONS}"
    )


def _version_of(bin_dir: Path) -> tuple[int, ...]:
    digits = re.findall(r"\d+", bin_dir.parent.name)
    return tuple(int(d) for d in digits)


def _find_bin_dir() -> Path | None:
    candidates = [p.parent for p in _DEBIAN_BIN_DIRS.glob("*/bin/postgres") if p.is_file()]
    if candidates:
        return max(candidates, key=_version_of)
    on_path = shutil.which("postgres")
    return Path(on_path).parent if on_path else None


def _install_with_apt() -> None:
    apt = shutil.which("apt-get")
    if apt is None:
        raise DevstackError(
            "PostgreSQL (the `postgres` server) is not installed and there is no apt-get to "
            "install it; install PostgreSQL 15 or newer, or put `mongod` on PATH"
        )
    sudo: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise DevstackError(
                "PostgreSQL is not installed; run `sudo apt-get install postgresql` "
                "(or put `mongod` on PATH)"
            )
        sudo = ["sudo"]
    say("installing PostgreSQL from Debian's packages (apt-get, first run only; about a minute)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    commands.run_build([*sudo, apt, "-q", "update"], what="apt-get update", env=env)
    commands.run_build(
        [*sudo, apt, "install", "-y", "-q", "--no-install-recommends", _APT_PACKAGE],
        what="installing PostgreSQL",
        env=env,
    )


def ensure_binaries() -> Path:
    """The folder with `initdb`, `postgres` and `pg_isready`; installed from Debian if missing."""
    with file_lock(paths.cache_dir() / "locks" / "postgresql-install.lock"):
        bin_dir = _find_bin_dir()
        if bin_dir is None:
            _install_with_apt()
            bin_dir = _find_bin_dir()
        if bin_dir is None:
            raise DevstackError("PostgreSQL was installed but no `postgres` binary was found")
        return bin_dir


def _run_as() -> tuple[int, int] | None:
    """Who the server runs as: ourselves, or `postgres` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise DevstackError(
            "running as root, and PostgreSQL refuses to; Debian's postgresql package creates "
            "a `postgres` user for this, but there is none here"
        ) from None
    return account.pw_uid, account.pw_gid


def _others_can_enter(folder: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in (folder, *folder.parents))


def data_dir(profile: Profile) -> Path:
    """The cluster's folder: in the profile's folder, unless the `postgres` user cannot reach it.

    As root in a folder only root may enter (a clone under /root), the cluster
    goes to a private folder under the system's temporary directory instead,
    named after this checkout so two checkouts never share one.
    """
    preferred = paths.profile_dir(profile.name) / "postgres-data"
    if _run_as() is None or _others_can_enter(paths.created(paths.profile_dir(profile.name))):
        return preferred
    tag = hashlib.sha256(str(paths.state_dir()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"lingban-devstack-{tag}" / profile.name / "postgres-data"


def _initdb(bin_dir: Path, folder: Path, run_as: tuple[int, int] | None) -> None:
    say(f"creating a PostgreSQL cluster in {folder} (first run only)")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True, mode=0o700)
    if run_as is not None:
        os.chown(partial, *run_as)
    argv = [str(bin_dir / "initdb"), "-D", str(partial), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]  # fmt: skip
    result = subprocess.run(
        argv,
        user=run_as[0] if run_as else None,
        group=run_as[1] if run_as else None,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise DevstackError(f"initdb failed (exit {result.returncode}):\n{tail}")
    partial.replace(folder)


def _server_argv(bin_dir: Path, folder: Path, profile: Profile) -> list[str]:
    settings = {
        "listen_addresses": HOST,
        "port": str(profile.postgres_port),
        "unix_socket_directories": "",  # TCP only: no socket folder to own
        # FerretDB sends the field name as a query parameter; only a custom plan
        # sees `_jsonb -> 'field'` as the indexed expression, so never a generic one.
        "plan_cache_mode": "force_custom_plan",
        "max_connections": str(MAX_CONNECTIONS),
        "shared_buffers": "256MB",
        # `make up`'s database: a crash of PostgreSQL itself may lose the last few
        # hundred milliseconds of commits (never consistency), for a much faster
        # demo load on one disk; docs/reliability.md says so. Test profiles below
        # commit synchronously, which costs nothing there (no fsync).
        "synchronous_commit": "off",
        "log_min_messages": "warning",
        # FerretDB indexes a field with GIN, and GIN keeps the entries of dead row
        # versions until a vacuum (a B-tree drops them on first visit). Flags that
        # flip within seconds (a notice's `open`, every outbox's `outbox_pending`)
        # left thousands behind, which each due-notice query and outbox poll visited
        # in the table: the due query took 33 ms, and 0.14 ms after a 0.5 s vacuum.
        # So vacuum after 1 % of a table changed, not 20 %, and look every 10 s.
        "autovacuum_naptime": "10s",
        "autovacuum_vacuum_scale_factor": "0.01",
        "autovacuum_vacuum_threshold": "200",
        # Every table is one `_jsonb` column of whole documents, plus an expression per
        # indexed field: ANALYZE detoasts each sampled document (300 × this target) for
        # every expression. At the default 100 an autoanalyze of the projects took
        # 4.7 s of a core, every 90 s under load, and commands slowed while it ran;
        # at 20, 1.1 s. The plans FerretDB's queries get (a GIN index for the fields
        # asked, or none) need no finer statistics.
        "default_statistics_target": "20",
        # A read-model document is 2-6 kB of JSON with FerretDB's type schema, over
        # the 2 kB past which PostgreSQL compresses it: every write compressed it and
        # every read decompressed it. lz4 instead of pglz: 10,000 project documents
        # went in in 1.3 s instead of 2.1 s, and read back in 0.12-0.15 s instead of
        # 0.17-0.22 s (docs/performance.md).
        "default_toast_compression": "lz4",
    }
    if not profile.durable:
        # Test data is thrown away: no fsync at all. And a test's collections
        # are tiny, where a scan is cheaper than any index: forbidding scans
        # whenever an index can serve makes `explain` tell what the index
        # covers (lingban_kit.explain), as it would on a year's data.
        # A commit still reaches the operating system before it is acknowledged
        # (`synchronous_commit`), so killing PostgreSQL loses nothing acknowledged:
        # the fault suite kills it on purpose.
        settings |= {
            "fsync": "off",
            "full_page_writes": "off",
            "enable_seqscan": "off",
            "synchronous_commit": "on",
        }
    argv = [str(bin_dir / "postgres"), "-D", str(folder)]
    for key, value in settings.items():
        argv += ["-c", f"{key}={value}"]
    return argv


def _answers(bin_dir: Path, port: int) -> bool:
    result = subprocess.run(
        [str(bin_dir / "pg_isready"), "-q", "-h", HOST, "-p", str(port), "-t", "2"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def ensure_running(profile: Profile) -> str:
    """Start the profile's PostgreSQL unless it runs; wait until it accepts connections.

    Returns the connection URL for FerretDB.
    """
    with file_lock(paths.locks_dir(profile.name) / f"{NAME}.lock"):
        bin_dir = ensure_binaries()
        record = processes.running(profile.name, NAME)
        if record is None:
            run_as = _run_as()
            folder = data_dir(profile)
            if not (folder / "PG_VERSION").is_file():
                _initdb(bin_dir, folder, run_as)
            if _answers(bin_dir, profile.postgres_port):
                raise DevstackError(
                    f"port {profile.postgres_port} is taken by a PostgreSQL devstack did not "
                    f"start for profile {profile.name!r}; stop it, or pick another port with "
                    "DEVSTACK_POSTGRES_PORT"
                )
            say(f"starting PostgreSQL on {HOST}:{profile.postgres_port}")
            record = processes.launch(
                profile.name,
                NAME,
                _server_argv(bin_dir, folder, profile),
                port=profile.postgres_port,
                cwd=folder,
                run_as=run_as,
            )
        processes.wait_ready(
            profile.name,
            record,
            lambda: _answers(bin_dir, profile.postgres_port),
            what="PostgreSQL",
            timeout=READY_TIMEOUT_SECONDS,
        )
        return connection_url(profile)


def stop(profile_name: str) -> bool:
    # SIGINT to the postmaster alone is PostgreSQL's "fast" shutdown: it ends the
    # sessions and checkpoints. SIGTERM would wait for FerretDB's pool to leave.
    return processes.stop(
        profile_name, NAME, grace=30.0, first_signal=signal.SIGINT, whole_group=False
    )

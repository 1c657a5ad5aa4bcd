"""Long-running servers started detached, remembered in pid files, stopped exactly.

A pid file records the pid *and* the command line we started, so that a pid
reused by an unrelated process after a reboot or crash is never signalled: a
record only counts while that pid is alive and still runs that command line.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from devstack import paths
from devstack.errors import DevstackError

# Forks once more, starts a new session and execs the server. The server is
# then nobody's child: it outlives the `python -m devstack` that started it,
# cannot become a zombie of a long-lived caller (a pytest session), and a
# Ctrl-C in the caller's terminal does not reach it.
#
# The first argument is "uid:gid" to drop privileges to before the exec (a
# server that refuses to run as root, PostgreSQL), or "-" to keep them.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid:
    print(pid, flush=True)
    os._exit(0)
os.setsid()
os.dup2(2, 1)
if sys.argv[1] != "-":
    uid, gid = (int(part) for part in sys.argv[1].split(":"))
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
try:
    os.execvp(sys.argv[2], sys.argv[2:])
except OSError as error:
    print(f"devstack: cannot run {sys.argv[2]}: {error}", file=sys.stderr, flush=True)
    os._exit(127)
"""
_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessRecord:
    name: str
    pid: int
    argv: tuple[str, ...]
    port: int
    started_at: float
    # The command line the server shows once running, for servers that rewrite it
    # (nginx shows "nginx: master process <argv>"); None when it keeps its argv.
    title: str | None = None


def log_path(profile: str, name: str) -> Path:
    return paths.logs_dir(profile) / f"{name}.log"


def _pid_file(profile: str, name: str) -> Path:
    return paths.pids_dir(profile) / f"{name}.json"


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-lines:])


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not _PROC.is_dir():
        return True
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return False
    # A zombie still answers signal 0; the state letter follows the "(comm)" field.
    return stat.rpartition(")")[2].split()[0] not in {"Z", "X"}


def _runs(pid: int, argv: Sequence[str], title: str | None = None) -> bool:
    if _PROC.is_dir():
        try:
            raw = (_PROC / str(pid) / "cmdline").read_bytes()
        except OSError:
            return False
        if title is not None and raw.rstrip(b"\0") == title.encode():
            return True
        return raw.split(b"\0")[:-1] == [arg.encode() for arg in argv]
    # No /proc (macOS): `ps` shows the command line joined by spaces.
    shown = subprocess.run(
        ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
    ).stdout.strip()
    return shown in {" ".join(argv), title}


def _read(profile: str, name: str) -> ProcessRecord | None:
    try:
        data = json.loads(_pid_file(profile, name).read_text(encoding="utf-8"))
        return ProcessRecord(
            name=str(data["name"]),
            pid=int(data["pid"]),
            argv=tuple(str(arg) for arg in data["argv"]),
            port=int(data["port"]),
            started_at=float(data["started_at"]),
            title=None if data.get("title") is None else str(data["title"]),
        )
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None  # a half-written or foreign file: treat as stale


def running(profile: str, name: str) -> ProcessRecord | None:
    """The record of a server we started that is still running; stale pid files are removed."""
    record = _read(profile, name)
    if record is not None and is_alive(record.pid) and _runs(record.pid, record.argv, record.title):
        return record
    _pid_file(profile, name).unlink(missing_ok=True)
    return None


def recorded_names(profile: str) -> list[str]:
    return sorted(path.stem for path in paths.pids_dir(profile).glob("*.json"))


def launch(
    profile: str,
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    run_as: tuple[int, int] | None = None,
    title: str | None = None,
) -> ProcessRecord:
    """Start `argv` detached, output to `<profile>/logs/<name>.log`, and record its pid.

    `run_as` is a (uid, gid) the server runs as instead of the caller; `title` is the
    command line a server that rewrites its own shows once started.
    """
    paths.created(paths.logs_dir(profile))
    paths.created(paths.pids_dir(profile))
    log = log_path(profile, name)
    if log.exists():
        # Keep the previous run's log for post-mortems, but start clean so that
        # readiness checks and error tails only see this run.
        log.replace(log.with_name(log.name + ".1"))
    with log.open("ab") as log_file:
        launcher = subprocess.run(
            [
                sys.executable,
                "-I",
                "-c",
                _LAUNCHER,
                f"{run_as[0]}:{run_as[1]}" if run_as else "-",
                *argv,
            ],
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log_file,
            check=True,
        )
    record = ProcessRecord(
        name=name,
        pid=int(launcher.stdout),
        argv=tuple(argv),
        port=port,
        started_at=time.time(),
        title=title,
    )
    pid_file = _pid_file(profile, name)
    partial = pid_file.with_suffix(".partial")
    partial.write_text(json.dumps(asdict(record), indent=2) + "\n", encoding="utf-8")
    partial.replace(pid_file)
    return record


def wait_ready(
    profile: str,
    record: ProcessRecord,
    ready: Callable[[], bool],
    *,
    what: str,
    timeout: float,
) -> None:
    """Poll `ready` until it is true; fail early, with the log tail, if the process dies."""
    deadline = time.monotonic() + timeout
    log = log_path(profile, record.name)
    while True:
        if ready():
            return
        if not is_alive(record.pid):
            _pid_file(profile, record.name).unlink(missing_ok=True)
            raise DevstackError(
                f"{what} exited while starting; last lines of {log}:\n{log_tail(log)}"
            )
        if time.monotonic() > deadline:
            raise DevstackError(
                f"{what} was not ready after {timeout:.0f} s (pid {record.pid} still running); "
                f"last lines of {log}:\n{log_tail(log)}"
            )
        time.sleep(0.25)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    # We made each server a session (and so process-group) leader: signalling
    # the group also reaches anything it spawned, and nothing else.
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaps it if it happens to be our child
        if not is_alive(pid):
            return True
        time.sleep(0.1)
    return not is_alive(pid)


def _live_group_members(pgid: int) -> bool:
    if not _PROC.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat_file in _PROC.glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # exited while we looked
        # After "(comm)": state, ppid, pgrp. Zombies only wait to be reaped.
        if fields[2] == str(pgid) and fields[0] not in {"Z", "X"}:
            return True
    return False


def stop(
    profile: str,
    name: str,
    *,
    grace: float = 15.0,
    first_signal: signal.Signals = signal.SIGTERM,
    whole_group: bool = True,
) -> bool:
    """Signal the recorded server (SIGTERM unless told), SIGKILL after `grace` seconds.

    Returns True if one was running. `whole_group=False` signals only the
    server itself first, for servers that stop their own children in order
    (PostgreSQL's fast shutdown is SIGINT to the postmaster alone).
    """
    record = running(profile, name)
    if record is None:
        return False
    if whole_group:
        _signal_group(record.pid, first_signal)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, first_signal)
    if not _wait_gone(record.pid, grace):
        _signal_group(record.pid, signal.SIGKILL)
        _wait_gone(record.pid, 5.0)
    # Children that outlived their leader are still in its process group.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not _live_group_members(record.pid):
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(record.pid, sig)
        time.sleep(1.0)
    _pid_file(profile, name).unlink(missing_ok=True)
    return True

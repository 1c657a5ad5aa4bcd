"""The gateway: nginx from Debian's packages in front of the workbench and the services.

devstack runs an nginx of its own, never the machine's nginx service: a config
rendered into `.devstack/<profile>/gateway/` from `infra/nginx/`, its own pid,
log and temp folders, in the foreground (`daemon off`) under devstack's process
records, so `make down` stops exactly it. It serves the built workbench
(`web/workbench/dist`) and forwards `/api/<service>/…` to the services.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from devstack import commands, paths, probes, processes
from devstack.console import say
from devstack.errors import DevstackError
from devstack.locks import file_lock

NAME = "gateway"
HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 20.0
SERVICE_NAMES = ("projects", "supervision", "notifications", "reporting")
_APT_PACKAGE = "nginx-light"
_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
_MIME_TYPES = (Path("/etc/nginx/mime.types"), Path("/usr/local/nginx/conf/mime.types"))
_PLACEHOLDER = re.compile(r"\$\{(LINGBAN_GATEWAY_[A-Z_]+)\}")
# The workbench's unified sign-in (served as /config.json): empty means none. Taken from
# the environment under the same names as the gateway image's (infra/nginx/Dockerfile).
OIDC_SETTINGS = ("ISSUER", "ORIGIN", "CLIENT_ID", "SCOPE", "REDIRECT_URI", "RESOURCE")
# The proxy in front of the gateway whose X-Forwarded-For names the client (an address or
# CIDR): the per-address rate limits must see the caller, not the proxy. `unix:` trusts
# nothing here (the gateway listens on TCP only): devstack and compose have no proxy.
NO_TRUSTED_PROXY = "unix:"
_PROXY = re.compile(r"unix:|[0-9A-Fa-f.:]+(/[0-9]{1,3})?")
# They land inside a JSON string in an nginx string and in a CSP header; only the scope
# (a space-separated list) may hold spaces.
_UNSAFE = re.compile(r"[\x00-\x1f\"'\\$;{}]")


def workbench_dist() -> Path:
    return paths.repo_root() / "web" / "workbench" / "dist"


def workbench_url_env(port: int) -> dict[str, str]:
    """The services' environment naming the workbench (the gateway on `port`):
    notices link to its pages."""
    return {"LINGBAN_NOTIFICATIONS_WORKBENCH_URL": f"http://{HOST}:{port}"}


def oidc_values(settings: Mapping[str, str] | None = None) -> dict[str, str]:
    """The LINGBAN_GATEWAY_OIDC_* placeholders: `settings` (keys as in OIDC_SETTINGS) or
    the environment; the origin defaults to the issuer's."""
    given = (
        settings
        if settings is not None
        else {name: os.environ.get(f"LINGBAN_GATEWAY_OIDC_{name}", "") for name in OIDC_SETTINGS}
    )
    values = {name: given.get(name, "") for name in OIDC_SETTINGS}
    if values["ISSUER"] and not values["ORIGIN"]:
        parts = urlsplit(values["ISSUER"])
        values["ORIGIN"] = f"{parts.scheme}://{parts.netloc}"
    for name, value in values.items():
        if _UNSAFE.search(value) or (" " in value and name != "SCOPE"):
            raise DevstackError(
                f"LINGBAN_GATEWAY_OIDC_{name} may not contain spaces, quotes, \\, $, ; or braces"
            )
    return {f"LINGBAN_GATEWAY_OIDC_{name}": value for name, value in values.items()}


def _find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return next((c for c in _CANDIDATES if os.access(c, os.X_OK)), None)


def _install_with_apt() -> None:
    apt = shutil.which("apt-get")
    if apt is None:
        raise DevstackError(
            "nginx is not installed and there is no apt-get to install it; install nginx "
            "(the gateway in front of the workbench and the services)"
        )
    sudo: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise DevstackError(
                f"nginx is not installed; run `sudo apt-get install {_APT_PACKAGE}`"
            )
        sudo = ["sudo"]
    say("installing nginx from Debian's packages (apt-get, first run only)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    commands.run_build([*sudo, apt, "-q", "update"], what="apt-get update", env=env)
    commands.run_build(
        [*sudo, apt, "install", "-y", "-q", "--no-install-recommends", _APT_PACKAGE],
        what="installing nginx",
        env=env,
    )


def ensure_binary() -> str:
    """The nginx executable; installed from Debian if missing."""
    with file_lock(paths.cache_dir() / "locks" / "nginx-install.lock"):
        binary = _find_nginx()
        if binary is None:
            _install_with_apt()
            binary = _find_nginx()
        if binary is None:
            raise DevstackError("nginx was installed but no `nginx` binary was found")
        return binary


def render_site(values: Mapping[str, str]) -> str:
    """infra/nginx/lingban.conf.template with its ${LINGBAN_GATEWAY_*} filled in."""
    template = (paths.infra_dir() / "nginx" / "lingban.conf.template").read_text(encoding="utf-8")

    # Without a provider the workbench offers the development sign-in only.
    values = {
        **oidc_values({}),
        "LINGBAN_GATEWAY_TRUSTED_PROXY": NO_TRUSTED_PROXY,
        **values,
    }

    def fill(match: re.Match[str]) -> str:
        try:
            return values[match.group(1)]
        except KeyError:
            raise DevstackError(f"no value for {match.group(0)} in the gateway template") from None

    return _PLACEHOLDER.sub(fill, template)


def _worker_user() -> tuple[str, int, int] | None:
    """As root, nginx's workers run as `nobody`; they must be able to write the temp dirs."""
    if os.geteuid() != 0:
        return None
    try:
        account = pwd.getpwnam("nobody")
    except KeyError:
        return None
    return account.pw_name, account.pw_uid, account.pw_gid


def _main_config(folder: Path, site: Path) -> str:
    mime = next((m for m in _MIME_TYPES if m.is_file()), None)
    temp = folder / "temp"
    worker = _worker_user()
    lines = [
        "# Rendered by devstack (tools/devstack/devstack/gateway.py); do not edit.",
        f"pid {folder / 'nginx.pid'};",
        *([f"user {worker[0]} {grp.getgrgid(worker[2]).gr_name};"] if worker else []),
        # Errors go to stderr, which devstack sends to the gateway's log file.
        "error_log stderr warn;",
        "worker_processes 1;",
        "events { worker_connections 512; }",
        "http {",
        f"    include {mime};"
        if mime
        else "    types { text/html html; text/css css; application/javascript js; }",
        "    default_type application/octet-stream;",
        "    sendfile on;",
        f"    access_log {folder / 'access.log'};",
        *(
            f"    {kind}_temp_path {temp / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        f"    include {site};",
        "}",
    ]
    return "\n".join(lines) + "\n"


def write_config(
    profile: str,
    port: int,
    upstreams: Mapping[str, str],
    root: Path | None = None,
    oidc: Mapping[str, str] | None = None,
    trusted_proxy: str = NO_TRUSTED_PROXY,
) -> Path:
    """Render the gateway's config into `.devstack/<profile>/gateway/`; returns nginx.conf."""
    if not _PROXY.fullmatch(trusted_proxy):
        raise DevstackError(f"the trusted proxy {trusted_proxy!r} is not an address or CIDR")
    folder = paths.created(paths.profile_dir(profile) / NAME)
    worker = _worker_user()
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "temp" / kind).mkdir(parents=True, exist_ok=True)
        if worker:  # large request bodies and slow responses are buffered here
            os.chown(folder / "temp" / kind, worker[1], worker[2])
    values = {
        "LINGBAN_GATEWAY_LISTEN": f"{HOST}:{port}",
        "LINGBAN_GATEWAY_ROOT": str(root or workbench_dist()),
        **{f"LINGBAN_GATEWAY_{name.upper()}": upstreams[name] for name in SERVICE_NAMES},
        **oidc_values(oidc),
        "LINGBAN_GATEWAY_TRUSTED_PROXY": trusted_proxy,
    }
    site = folder / "lingban.conf"
    site.write_text(render_site(values), encoding="utf-8")
    shutil.copyfile(
        paths.infra_dir() / "nginx" / "lingban-proxy.conf", folder / "lingban-proxy.conf"
    )
    main = folder / "nginx.conf"
    main.write_text(_main_config(folder, site), encoding="utf-8")
    return main


def _check_config(binary: str, config: Path) -> None:
    result = subprocess.run(
        [binary, "-t", "-q", "-c", str(config), "-g", "daemon off;"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DevstackError(f"the gateway's nginx config is invalid ({config}):\n{result.stderr}")


def start(
    profile: str,
    port: int,
    upstreams: Mapping[str, str],
    root: Path | None = None,
    oidc: Mapping[str, str] | None = None,
    trusted_proxy: str = NO_TRUSTED_PROXY,
) -> str:
    """Start (or restart with a fresh config) the gateway; returns its base URL.

    `upstreams` maps each service name to `host:port`. Restarted every time so
    that a changed template or new service ports always take effect. `oidc` names
    the workbench's identity provider (keys of OIDC_SETTINGS); by default the
    LINGBAN_GATEWAY_OIDC_* environment.
    """
    binary = ensure_binary()
    stop(profile)
    if probes.port_open(HOST, port):
        raise DevstackError(
            f"port {port} for the gateway is taken by a process devstack did not start"
        )
    if not ((root or workbench_dist()) / "index.html").is_file():
        raise DevstackError(
            f"the workbench is not built ({workbench_dist()}/index.html is missing); run `make setup`"
        )
    config = write_config(profile, port, upstreams, root, oidc, trusted_proxy)
    _check_config(binary, config)
    base_url = f"http://{HOST}:{port}"
    say(f"starting the gateway (nginx) on {base_url}")
    argv = [binary, "-c", str(config), "-g", "daemon off;"]
    # nginx rewrites its command line; the record must recognise it to stop it later.
    record = processes.launch(
        profile, NAME, argv, port=port, title="nginx: master process " + " ".join(argv)
    )
    processes.wait_ready(
        profile,
        record,
        lambda: probes.http_ok(f"{base_url}/"),
        what="the gateway (nginx)",
        timeout=READY_TIMEOUT_SECONDS,
    )
    return base_url


def stop(profile: str) -> bool:
    # SIGQUIT is nginx's graceful shutdown: in-flight requests finish first.
    return processes.stop(profile, NAME, grace=10.0, first_signal=signal.SIGQUIT)

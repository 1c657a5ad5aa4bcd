"""The gateway's nginx config: rendered from infra/nginx/lingban.conf.template."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from devstack import gateway
from devstack.errors import DevstackError

UPSTREAMS = {
    "projects": "127.0.0.1:1",
    "supervision": "127.0.0.1:2",
    "notifications": "127.0.0.1:3",
    "reporting": "127.0.0.1:4",
}


def test_fills_only_the_gateway_placeholders_and_strips_each_api_prefix() -> None:
    site = gateway.render_site(
        {
            "LINGBAN_GATEWAY_LISTEN": "127.0.0.1:9",
            "LINGBAN_GATEWAY_ROOT": "/srv/workbench",
            **{f"LINGBAN_GATEWAY_{k.upper()}": v for k, v in UPSTREAMS.items()},
        }
    )
    assert "${LINGBAN_GATEWAY" not in site
    assert "listen 127.0.0.1:9;" in site
    assert "root /srv/workbench;" in site
    # nginx's own variables are not template placeholders.
    assert "$binary_remote_addr" in site
    assert "try_files $uri /index.html;" in site
    for name, address in UPSTREAMS.items():
        assert f"upstream lingban_{name}" in site
        assert f"server {address};" in site
        # The trailing slash on proxy_pass replaces the matched /api/<name>/ prefix.
        assert re.search(rf"location /api/{name}/ .*proxy_pass http://lingban_{name}/;", site)
    assert "client_max_body_size 25m;" in site
    assert "limit_req zone=lingban_api" in site
    # Per caller: writes and the expensive reads; no proxy is trusted by default.
    assert "limit_req_zone $lingban_writer zone=lingban_writes" in site
    assert "limit_req_zone $lingban_caller zone=lingban_expensive" in site
    assert "set_real_ip_from unix:;" in site


def test_the_trusted_proxy_must_be_an_address_or_cidr(tmp_path: Path) -> None:
    with pytest.raises(DevstackError, match="not an address or CIDR"):
        gateway.write_config(
            "test-gateway-config", 9, UPSTREAMS, root=tmp_path, trusted_proxy="10.0.0.0/8; evil"
        )


def test_a_missing_value_is_an_error() -> None:
    with pytest.raises(DevstackError, match="no value for \\$\\{LINGBAN_GATEWAY_"):
        gateway.render_site({"LINGBAN_GATEWAY_LISTEN": "127.0.0.1:9"})


@pytest.mark.integration  # needs nginx (devstack installs Debian's nginx-light)
def test_rendered_config_passes_nginx_own_check(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<div id=app></div>", encoding="utf-8")
    binary = gateway.ensure_binary()
    config = gateway.write_config("test-gateway-config", 9, UPSTREAMS, root=tmp_path)
    result = subprocess.run(
        [binary, "-t", "-c", str(config), "-g", "daemon off;"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"pid {config.parent / 'nginx.pid'};" in config.read_text(encoding="utf-8")

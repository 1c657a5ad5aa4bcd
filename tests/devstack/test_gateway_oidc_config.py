"""The workbench's runtime settings (/config.json) rendered by the gateway's template."""

from __future__ import annotations

import json
import re

import pytest

from devstack import gateway
from devstack.errors import DevstackError

BASE = {
    "LINGBAN_GATEWAY_LISTEN": "127.0.0.1:9",
    "LINGBAN_GATEWAY_ROOT": "/srv/workbench",
    **{f"LINGBAN_GATEWAY_{name.upper()}": "127.0.0.1:1" for name in gateway.SERVICE_NAMES},
}


def _config_json(site: str) -> dict[str, object]:
    found = re.search(r"location = /config\.json \{.*?return 200 '(.*?)';", site, re.S)
    assert found, "no /config.json location"
    return dict(json.loads(found.group(1)))


def test_without_a_provider_the_config_names_none_and_the_csp_allows_only_the_origin() -> None:
    site = gateway.render_site(BASE)
    assert _config_json(site) == {
        "oidc": {"issuer": "", "client_id": "", "scope": "", "redirect_uri": "", "resource": ""}
    }
    assert "connect-src 'self' ;" in site


def test_a_provider_is_named_in_the_config_and_its_origin_in_the_csp() -> None:
    values = gateway.oidc_values(
        {
            "ISSUER": "https://id.example.gov.cn/realms/lingban",
            "CLIENT_ID": "workbench",
            "SCOPE": "openid profile lingban",
        }
    )
    site = gateway.render_site({**BASE, **values})
    assert _config_json(site)["oidc"] == {
        "issuer": "https://id.example.gov.cn/realms/lingban",
        "client_id": "workbench",
        "scope": "openid profile lingban",
        "redirect_uri": "",
        "resource": "",
    }
    # Scripts may call the provider (discovery, token endpoint) and nothing else outside.
    assert site.count("connect-src 'self' https://id.example.gov.cn;") == 2
    assert 'add_header Cache-Control "no-store" always;' in site


@pytest.mark.parametrize(
    "settings",
    [
        {"ISSUER": "https://id.example/'; return 200 'x"},
        {"CLIENT_ID": 'a"b'},
        {"ISSUER": "https://id.example/$host"},
        {"ORIGIN": "https://id.example https://evil.example"},
    ],
)
def test_values_that_would_break_out_of_the_config_are_refused(settings: dict[str, str]) -> None:
    with pytest.raises(DevstackError, match="LINGBAN_GATEWAY_OIDC_"):
        gateway.oidc_values(settings)

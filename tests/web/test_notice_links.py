"""Notices link into the workbench: one setting names its address, and every path the
notifications service builds is a route the workbench answers.

The paths are read from the notifications service's source (every `f"/…"` the
scheduling and subject code builds, its query left to the page, and `/<subject type>s/<id>` for each subject type of the
bundled rules), the routes from the workbench's router; a link path without a route
fails here instead of dropping a user on the to-do list.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devstack import gateway
from devstack.profiles import get_profile
from lingban_notifications.settings import NotificationsSettings

ROOT = Path(__file__).resolve().parents[2]
SCHEDULING = ROOT / "services/notifications/lingban_notifications/scheduling"
SUBJECTS = ROOT / "services/notifications/lingban_notifications/subjects"
RULES = ROOT / "services/notifications/lingban_notifications/rules/default_rules.yaml"
ROUTER = ROOT / "web/workbench/src/router.ts"


def link_paths() -> list[str]:
    """Every link path the scheduling code builds, with each placeholder as `x`."""
    found: set[str] = set()
    for source in [*SCHEDULING.glob("*.py"), *SUBJECTS.glob("*.py")]:
        for template in re.findall(r'f"(/[^"]*)"', source.read_text(encoding="utf-8")):
            if "{rule.subject.type}s/" in template:
                types = re.findall(r"subject:\s*\{type:\s*(\w+)", RULES.read_text("utf-8"))
                found |= {f"/{t}s/x" for t in types}
            else:
                found.add(re.sub(r"\{[^}]*\}", "x", template))
    return sorted(found)


def route_patterns() -> list[re.Pattern[str]]:
    """The router's paths as expressions (`:id` one segment, `:month?` optional)."""
    patterns = []
    for path in re.findall(r'path: "([^"]+)"', ROUTER.read_text(encoding="utf-8")):
        if "(.*)" in path:
            continue  # the catch-all redirect to the to-do list is no page of its own
        regex = re.sub(r"/:\w+\?", "(?:/[^/]+)?", path)
        regex = re.sub(r":\w+", "[^/]+", regex)
        patterns.append(re.compile(f"^{regex}$"))
    return patterns


def test_the_scheduling_code_builds_the_links_this_test_knows() -> None:
    paths = link_paths()
    # The reading above can fail: these are among the paths it must find.
    for expected in (
        "/projects/x",
        "/projects/x/review",
        "/inbox/x",
        "/units/x/cards/x",
        "/inspections/x",
        "/rectifications/x",
        "/rosters/x-x/months/x",
    ):
        assert expected in paths


@pytest.mark.parametrize("path", link_paths())
def test_every_link_path_is_a_workbench_route(path: str) -> None:
    route = path.split("?", 1)[0]  # the query is the page's to read, not the router's
    assert any(p.match(route) for p in route_patterns()), f"{path} is not a workbench route"


def test_an_unknown_path_is_not_taken_for_a_route() -> None:
    assert not any(p.match("/no-such-page/x") for p in route_patterns())


def test_links_start_at_the_workbench_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINGBAN_NOTIFICATIONS_WORKBENCH_URL", raising=False)
    assert NotificationsSettings().link_base() == "http://127.0.0.1:8000"
    settings = NotificationsSettings(workbench_url="https://lingban.example.cn/")
    assert settings.link_base() == "https://lingban.example.cn"


def test_devstack_names_its_gateway_as_the_workbench() -> None:
    for profile in ("dev", "test"):
        port = get_profile(profile).gateway_port
        env = gateway.workbench_url_env(port)
        settings = NotificationsSettings(workbench_url=env["LINGBAN_NOTIFICATIONS_WORKBENCH_URL"])
        assert settings.link_base() == f"http://127.0.0.1:{port}"

"""Rule templates are untrusted text: plain `{name}` only, rendered with a length cap (LB-13).

Also: only the city organisation department at the root may change the rules
or tick the scheduler (LB-13, LB-16), and every change leaves an audit line.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lingban_kit.auth import Role
from lingban_notifications.notifications.templates import render
from lingban_notifications.rules.loader import RulesInvalid, load_rules, parse_rules
from lingban_notifications.rules.model import Template, Text
from lingban_notifications.rules.placeholders import BODY_LIMIT, TITLE_LIMIT
from tests.auth import auth
from tests.notifications.builders import CITY, TOWNSHIP
from tests.notifications.conftest import NotificationsApi

ORG = auth(Role.CITY_ORG, CITY)
TOWNSHIP_ORG = auth(Role.CITY_ORG, TOWNSHIP)  # city_org of a region below the root


def _rules_with_title(title: str) -> dict[str, Any]:
    raw = load_rules().model_dump(mode="json")
    warning = next(r for r in raw["rules"] if r["id"] == "stage-deadline-warning")
    warning["template"]["zh"]["title"] = title
    return {**raw, "rules": [warning]}


@pytest.mark.parametrize(
    ("title", "placeholder"),
    [
        ("{unit_name:>900000000}", "{unit_name:>900000000}"),
        ("{unit_name!r}", "{unit_name!r}"),
        ("{unit_name.__class__}", "{unit_name.__class__}"),
        ("{unit_name[0]}", "{unit_name[0]}"),
        ("{}", "{}"),
        ("{:>9999}", "{:>9999}"),
    ],
)
def test_format_specs_conversions_and_attribute_access_are_refused(
    title: str, placeholder: str
) -> None:
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(_rules_with_title(title), "request")
    [problem] = caught.value.details
    assert problem.field.startswith("rules.0(stage-deadline-warning)")
    assert "rule stage-deadline-warning" in problem.message_en
    assert placeholder in problem.message_en


def test_the_shipped_rules_still_load_and_render() -> None:
    rules = load_rules()
    warning = rules.by_id("stage-deadline-warning")
    assert warning is not None
    titles, bodies = render(
        warning.template,
        {"project_title": "南铺道路硬化", "task": "入户走访", "deadline": "2026-04-30"},
    )
    assert "南铺道路硬化" in titles["zh"]
    assert "入户走访" in bodies["zh"]
    assert "2026-04-30" in bodies["en"]
    assert "{" not in titles["zh"] + bodies["zh"] + titles["en"] + bodies["en"]


def test_rendering_pastes_values_verbatim_and_caps_the_length() -> None:
    template = Template(
        zh=Text(title="{{字面}}{unit_name}", body="{items}"),
        en=Text(title="{link}:{missing}", body="x"),
    )
    huge = "甲" * (BODY_LIMIT * 3)
    values = {"unit_name": "{link:>99}" * 200, "items": huge, "link": "L"}
    titles, bodies = render(template, values)
    # A value is never parsed as a template, and `{{` stays a literal brace.
    assert titles["zh"].startswith("{字面}{link:>99}")
    assert len(titles["zh"]) == TITLE_LIMIT
    assert titles["zh"].endswith("…")
    assert len(bodies["zh"]) == BODY_LIMIT
    assert titles["en"] == "L:"  # a missing value renders empty


def test_a_quoted_value_has_its_own_quotes_made_single() -> None:
    """GB/T 15834: quotes inside quotes are single; text outside quotes is verbatim."""
    returned = load_rules().by_id("project-returned")
    assert returned is not None
    title = "“三步桥街”人居环境治理示范点"
    titles, bodies = render(returned.template, {"project_title": title, "reasons": "“措施”不具体"})
    assert titles["zh"] == "项目被退回：“三步桥街”人居环境治理示范点"  # the title quotes nothing
    assert "：“‘三步桥街’人居环境治理示范点” 被上级退回" in bodies["zh"]
    assert "“‘三步桥街’人居环境治理示范点” was returned" in bodies["en"]
    assert "理由：“措施”不具体" in bodies["zh"]  # not inside the template's quotes


@pytest.mark.integration
async def test_put_rules_refuses_a_format_spec_with_a_422_naming_rule_and_placeholder(
    notif: NotificationsApi,
) -> None:
    r = await notif.http.put(
        "/v1/rules", json=_rules_with_title("{unit_name:>900000000}"), headers=ORG
    )
    assert r.status_code == 422, r.text
    [problem] = r.json()["error"]["details"]
    assert problem["field"].startswith("rules.0(stage-deadline-warning)")
    assert "{unit_name:>900000000}" in problem["message"]
    # Nothing was stored: the shipped rules are still active.
    current = (await notif.http.get("/v1/rules", headers=ORG)).json()
    assert len(current["rules"]) == len(load_rules().rules)


@pytest.mark.integration
async def test_only_the_root_city_org_changes_rules_and_each_change_is_audited(
    notif: NotificationsApi, caplog: pytest.LogCaptureFixture
) -> None:
    rules = load_rules().model_dump(mode="json")
    assert (await notif.http.put("/v1/rules", json=rules, headers=TOWNSHIP_ORG)).status_code == 403
    assert (await notif.http.delete("/v1/rules", headers=TOWNSHIP_ORG)).status_code == 403

    with caplog.at_level(logging.INFO, logger="lingban_notifications.rules.api"):
        assert (await notif.http.put("/v1/rules", json=rules, headers=ORG)).status_code == 200
        assert (await notif.http.delete("/v1/rules", headers=ORG)).status_code == 200
    audits = [
        (getattr(r, "audit", None), getattr(r, "actor_id", None))
        for r in caplog.records
        if hasattr(r, "audit")
    ]
    assert audits == [
        ("rules.replaced", f"city_org@{CITY}"),
        ("rules.reset", f"city_org@{CITY}"),
    ]


@pytest.mark.integration
async def test_only_the_root_city_org_ticks_the_scheduler(notif: NotificationsApi) -> None:
    r = await notif.http.post("/v1/operations/scheduler/tick", headers=TOWNSHIP_ORG)
    assert r.status_code == 403
    assert (await notif.http.post("/v1/operations/scheduler/tick", headers=ORG)).status_code == 200

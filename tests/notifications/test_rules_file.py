"""Rules are data: validated on load, with errors that name the rule and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lingban_notifications.rules.loader import (
    DEFAULT_RULES_FILE,
    RulesInvalid,
    load_rules,
    parse_rules,
)


def raw_rules() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    return loaded


def test_the_bundled_rules_load() -> None:
    rules = load_rules()
    assert {r.kind.value for r in rules.rules} >= {
        "monthly_card",
        "weekly_report_reminder",
        "report_missing",
        "deadline_warning",
        "escalation",
        "review_waiting",
        "event_notice",
        "acknowledgement_escalation",
    }


def test_unknown_placeholder_is_reported_with_rule_and_field() -> None:
    raw = raw_rules()
    raw["rules"][0]["template"]["zh"]["title"] = "{unit_name} {no_such_thing}"
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(raw)
    [problem] = caught.value.details
    assert problem.field.startswith("rules.0(monthly-card-township)")
    assert "no_such_thing" in problem.message


def test_missing_parameter_and_unknown_event_are_rejected() -> None:
    raw = raw_rules()
    del raw["rules"][5]["days_before"]
    raw["rules"][8]["event"] = "lingban.projects.no-such-event.v1"
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(raw)
    text = " ".join(d.message for d in caught.value.details)
    assert "days_before" in text
    assert "no-such-event" in text


def test_a_bad_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules: [", encoding="utf-8")
    with pytest.raises(RulesInvalid, match=r"rules\.yaml"):
        load_rules(path)


def test_duplicate_ids_are_rejected() -> None:
    raw = raw_rules()
    raw["rules"].append(raw["rules"][0])
    with pytest.raises(RulesInvalid, match="Invalid reminder rules"):
        parse_rules(raw)

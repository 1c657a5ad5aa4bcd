"""Load and validate a rule set, with errors that name the rule and field at fault."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lingban_kit.errors import FieldProblem, ValidationFailed
from lingban_notifications.rules.model import RuleSet

DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.yaml")


class RulesInvalid(ValidationFailed):
    """A rule set that does not validate (HTTP 422 through the API; a startup error otherwise)."""

    def __str__(self) -> str:
        return self.message_en + "".join(f"\n  {d.field}: {d.message_en}" for d in self.details)


def _field(loc: tuple[int | str, ...], raw: Any) -> str:
    """`rules.3(weekly-report-reminder).weekday`: the index and the rule's id."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        text = str(part)
        if i == 1 and loc[0] == "rules" and isinstance(part, int):
            with contextlib.suppress(KeyError, IndexError, TypeError):
                text = f"{part}({raw['rules'][part]['id']})"
        parts.append(text)
    return ".".join(parts) or "rules"


def parse_rules(raw: Any, origin: str = "rules") -> RuleSet:
    try:
        return RuleSet.model_validate(raw)
    except ValidationError as exc:
        problems = [
            FieldProblem(
                field=_field(tuple(e["loc"]), raw),
                message=str(e["msg"]).removeprefix("Value error, "),
                message_en=str(e["msg"]).removeprefix("Value error, "),
            )
            for e in exc.errors()
        ]
        raise RulesInvalid(
            message=f"提醒规则无效（{origin}），请按提示修改",
            message_en=f"Invalid reminder rules ({origin}); fix the listed fields",
            details=problems,
        ) from None


def load_rules(path: Path | None = None) -> RuleSet:
    path = path or DEFAULT_RULES_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesInvalid(
            message=f"无法读取提醒规则文件 {path}：{exc}",
            message_en=f"Cannot read the rules file {path}: {exc}",
        ) from None
    return parse_rules(raw, str(path))

"""Render a rule's zh-CN and English templates (placeholders were checked on load)."""

from __future__ import annotations

from lingban_notifications.rules.model import Template


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""  # a value a rule kind may leave out (e.g. no owner yet)


def render(template: Template, values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """({"zh": title, "en": title}, {"zh": body, "en": body})."""
    v = _Values(values)
    titles = {"zh": template.zh.title.format_map(v), "en": template.en.title.format_map(v)}
    bodies = {"zh": template.zh.body.format_map(v), "en": template.en.body.format_map(v)}
    return titles, bodies

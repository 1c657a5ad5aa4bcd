"""Render a rule's zh-CN and English templates (placeholders were checked on load)."""

from __future__ import annotations

from lingban_notifications.rules.model import Template
from lingban_notifications.rules.placeholders import BODY_LIMIT, TITLE_LIMIT, substitute


def render(template: Template, values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """({"zh": title, "en": title}, {"zh": body, "en": body}), each capped in length.

    A value a rule kind may leave out (e.g. no owner yet) renders empty.
    """
    titles = {
        "zh": substitute(template.zh.title, values, TITLE_LIMIT),
        "en": substitute(template.en.title, values, TITLE_LIMIT),
    }
    bodies = {
        "zh": substitute(template.zh.body, values, BODY_LIMIT),
        "en": substitute(template.en.body, values, BODY_LIMIT),
    }
    return titles, bodies

"""No emoji in what users read: office PCs (Windows, 统信 UOS, 麒麟) and many
phones have no colour-emoji font, so an emoji shows as an empty box. Icons are
Element Plus's SVG icons instead; a text mark such as ✓ stays, every common font
carries it.

Read from the sources: the workbench's and the dashboard's pages, scripts and
messages, and the notices' templates (inbox, e-mail, SMS, robot webhooks)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *(ROOT / "web/workbench/src").rglob("*.vue"),
    *(ROOT / "web/workbench/src").rglob("*.ts"),
    ROOT / "web/workbench/index.html",
    *(ROOT / "services/reporting/lingban_reporting").rglob("*.html"),
    *(ROOT / "services/reporting/lingban_reporting/dashboard/static/js").glob("*.js"),
    ROOT / "services/notifications/lingban_notifications/rules/default_rules.yaml",
]
VARIATION_SELECTOR_EMOJI = 0xFE0F


def is_emoji(ch: str) -> bool:
    # The supplementary plane's symbol blocks (🀄 … 🫶) hold every pictographic emoji;
    # U+FE0F asks for the emoji form of a plain symbol.
    return ord(ch) >= 0x1F000 or ord(ch) == VARIATION_SELECTOR_EMOJI


def test_the_sources_are_found() -> None:
    assert len([p for p in SOURCES if p.suffix == ".vue"]) > 20
    assert all(p.is_file() for p in SOURCES)


def test_no_emoji_in_what_users_read() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in SOURCES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(is_emoji(ch) for ch in line)
    ]
    assert found == [], "use an Element Plus icon instead:\n" + "\n".join(found)

"""Notification acknowledgement figures from one document per notification (pure).

A document has `sent` (delivered at least once), `acknowledged` and
`requires_acknowledgement`; the rate counts only those that needed signing.
"""

from __future__ import annotations

from typing import Any

from lingban_reporting.supervision.figures import rate

Doc = dict[str, Any]


def notification_figures(notifications: list[Doc]) -> dict[str, Any]:
    sent = [n for n in notifications if n.get("sent")]
    needing = [n for n in sent if n.get("requires_acknowledgement", True)]
    acknowledged = sum(1 for n in needing if n.get("acknowledged"))
    return {
        "sent": len(sent),
        "acknowledged": acknowledged,
        "acknowledgement_rate": rate(acknowledged, len(needing)),
    }

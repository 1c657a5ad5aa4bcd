"""How fresh the read models are: events applied and the time of the newest one.

`applied_events` is the sum over every entity document of the distinct event
versions folded into it, so a redelivery does not change it; the dashboard
polls this (cheap) and refreshes its figures when it changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lingban_reporting.read_models.generations import ALL_MODELS, ReadModels


async def freshness(models: ReadModels) -> dict[str, Any]:
    applied = 0
    newest: datetime | None = None
    for base in ALL_MODELS:
        collection = models.collection(base)
        pipeline: list[dict[str, Any]] = [
            {"$group": {"_id": None, "n": {"$sum": "$applied_events"}}}
        ]
        async for row in await collection.aggregate(pipeline):
            applied += int(row.get("n") or 0)
        latest = await collection.find_one({}, {"updated_at": 1}, sort=[("updated_at", -1)])
        if latest and isinstance(latest.get("updated_at"), datetime):
            value = latest["updated_at"]
            newest = value if newest is None or value > newest else newest
    return {"applied_events": applied, "as_of": newest}

"""The active rule set: the one stored through the API, else the file's."""

from __future__ import annotations

from typing import Any

from lingban_kit.mongo import Database
from lingban_notifications.rules.loader import parse_rules
from lingban_notifications.rules.model import RuleSet

RULE_SETS = "rule_sets"
ACTIVE = "active"


class RuleSource:
    def __init__(self, db: Database, from_file: RuleSet) -> None:
        self.collection = db[RULE_SETS]
        self.from_file = from_file

    async def current(self) -> RuleSet:
        doc = await self.collection.find_one({"_id": ACTIVE})
        return parse_rules(doc["rules"], "database") if doc else self.from_file

    async def replace(self, raw: Any) -> RuleSet:
        rules = parse_rules(raw, "request")  # 422 with the fields at fault
        stored = rules.model_dump(mode="json")
        await self.collection.replace_one({"_id": ACTIVE}, {"rules": stored}, upsert=True)
        return rules

    async def reset(self) -> RuleSet:
        await self.collection.delete_one({"_id": ACTIVE})
        return self.from_file

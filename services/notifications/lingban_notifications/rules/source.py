"""The active rule set: the one stored through the API, else the file's.

Every event the consumer applies asks for the rules (and used to read and
re-validate the whole stored set each time), so each replica keeps the parsed
set in memory (`RulesCache`) and reads a small version token at most once per
`recheck_seconds`, like the directory's copy: `replace` and `reset` write a new
token to `rules-version` after the rule set, and the token is read before the
rule set, so a copy taken during a write is kept under the old token and
reloaded at the next check. The replica that makes the change uses it at once;
the others within `recheck_seconds` (the division tree's copy is refreshed the
same way).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from lingban_kit.mongo import Database, upsert_one
from lingban_notifications.meta import META
from lingban_notifications.rules.loader import parse_rules
from lingban_notifications.rules.model import RuleSet
from lingban_notifications.versioned_copy import VersionedCopy

RULE_SETS = "rule_sets"
ACTIVE = "active"
RULES_VERSION = "rules-version"


def rules_version_filter() -> dict[str, Any]:
    return {"_id": RULES_VERSION}


@dataclass
class RulesCache(VersionedCopy[RuleSet]):
    """One replica's parsed rule set (`max_age_seconds`: a rule set written by something
    other than `RuleSource`)."""

    max_age_seconds: float = 60.0


class RuleSource:
    def __init__(self, db: Database, from_file: RuleSet, cache: RulesCache | None = None) -> None:
        self.collection = db[RULE_SETS]
        self.meta = db[META]
        self.from_file = from_file
        self.cache = cache

    async def current(self) -> RuleSet:
        if self.cache is None:
            return await self._load()
        return await self.cache.get(self._version, self._load)

    async def _load(self) -> RuleSet:
        doc = await self.collection.find_one({"_id": ACTIVE})
        return parse_rules(doc["rules"], "database") if doc else self.from_file

    async def _version(self) -> Any:
        doc = await self.meta.find_one(rules_version_filter())
        return doc.get("token") if doc else None

    async def _changed(self, rules: RuleSet) -> None:
        # After the rule set: every replica's copy is now out of date; this one's is new.
        token = uuid.uuid4().hex
        await upsert_one(self.meta, rules_version_filter(), {"$set": {"token": token}})
        if self.cache is not None:
            self.cache.store(token, rules)

    async def replace(self, raw: Any) -> RuleSet:
        rules = parse_rules(raw, "request")  # 422 with the fields at fault
        stored = rules.model_dump(mode="json")
        await self.collection.replace_one({"_id": ACTIVE}, {"rules": stored}, upsert=True)
        await self._changed(rules)
        return rules

    async def reset(self) -> RuleSet:
        await self.collection.delete_one({"_id": ACTIVE})
        await self._changed(self.from_file)
        return self.from_file

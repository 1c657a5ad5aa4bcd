"""Each replica's copy of the active rule set (real database): read and validated
again only when its version token changed, the token checked at most once per
`recheck_seconds`; the replica that changes the rules uses the change at once."""

from __future__ import annotations

import pytest

from lingban_kit.explain import assert_indexed
from lingban_kit.mongo import Database
from lingban_notifications.meta import META
from lingban_notifications.rules.loader import load_rules
from lingban_notifications.rules.source import RulesCache, RuleSource, rules_version_filter

pytestmark = pytest.mark.integration


async def test_a_replica_reads_the_rules_again_only_after_they_changed(database: Database) -> None:
    from_file = load_rules()
    one_cache, two_cache = RulesCache(), RulesCache()
    one = RuleSource(database, from_file, one_cache)
    two = RuleSource(database, from_file, two_cache)

    assert await one.current() == from_file
    assert await one.current() == from_file
    assert one_cache.loads == 1

    # Another replica replaces the rules: it uses them at once ...
    fewer = from_file.model_dump(mode="json")
    fewer["rules"] = fewer["rules"][1:]
    replaced = await two.replace(fewer)
    assert await two.current() == replaced
    assert [r.id for r in replaced.rules] == [r.id for r in from_file.rules[1:]]
    # ... this one at its next token check.
    assert await one.current() == from_file
    assert one_cache.checked_at is not None
    one_cache.checked_at -= one_cache.recheck_seconds
    assert await one.current() == replaced
    assert one_cache.loads == 2
    # Checked again, unchanged: nothing is read but the token.
    one_cache.checked_at -= one_cache.recheck_seconds
    assert await one.current() == replaced
    assert one_cache.loads == 2

    # Back to the file, seen the same way.
    assert await two.reset() == from_file
    one_cache.checked_at -= one_cache.recheck_seconds
    assert await one.current() == from_file
    # Without a cache every use reads the stored set (the API's reads may do so).
    assert await RuleSource(database, from_file).current() == from_file
    await assert_indexed(database[META], rules_version_filter())

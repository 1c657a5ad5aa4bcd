"""A service's copy of the division tree (lingban_kit.divisions) on the real database:
seeded once, each unit's newest version kept whatever the order, a unit whose parent has
not arrived kept out of the tree until it has, and the process's tree updated in place."""

from __future__ import annotations

import pytest

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_contracts.events import divisions as dev
from lingban_kit import divisions
from lingban_kit.mongo import Database

pytestmark = pytest.mark.integration

CITY = Unit("340800000000", "安庆市", Level.CITY, None, "甲")
DISTRICT = Unit("340803000000", "大观区", Level.DISTRICT, CITY.code, "乙")
TOWNSHIP = Unit("340803100000", "海口镇", Level.TOWNSHIP, DISTRICT.code, "丙")
VILLAGE = Unit("340803100201", "海口村", Level.VILLAGE, TOWNSHIP.code, "丁")


def state(unit: Unit, **changes: object) -> dev.UnitState:
    return dev.UnitState.of(unit).model_copy(update=changes)


async def test_seeding_happens_once_and_the_newest_version_wins_in_any_order(
    database: Database,
) -> None:
    assert await divisions.seed(database, DivisionTree([CITY, DISTRICT])) == 2
    assert await divisions.seed(database, DivisionTree([CITY])) == 0  # a restart seeds nothing

    assert await divisions.apply_state(database, state(DISTRICT, secretary="新书记"), 2)
    assert not await divisions.apply_state(database, state(DISTRICT, secretary="旧书记"), 1)
    assert not await divisions.apply_state(database, state(DISTRICT, secretary="新书记"), 2)
    units = {u.code: u for u in await divisions.load(database)}
    assert units[DISTRICT.code].secretary == "新书记"


async def test_a_unit_waits_outside_the_tree_until_its_parent_arrives(database: Database) -> None:
    await divisions.seed(database, DivisionTree([CITY, DISTRICT]))
    tree = DivisionTree([CITY])
    held = tree
    # The village is keyed by its own code, so it may come before its new township.
    await divisions.apply_state(database, state(VILLAGE), 1)
    before = await divisions.generation(database)
    await divisions.load_into(database, tree)
    assert held.get(VILLAGE.code) is None
    assert {u.code for u in held} == {CITY.code, DISTRICT.code}

    await divisions.apply_state(database, state(TOWNSHIP), 1)
    assert await divisions.generation(database) > before
    await divisions.load_into(database, tree)
    assert held.get(VILLAGE.code) == VILLAGE
    assert [u.code for u in held.ancestors(VILLAGE.code)] == [
        TOWNSHIP.code,
        DISTRICT.code,
        CITY.code,
    ]

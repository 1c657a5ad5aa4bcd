from __future__ import annotations

import pytest

from lingban_contracts.divisions import (
    DivisionTree,
    Level,
    TreeError,
    Unit,
    check_placement,
    default_tree,
)


def test_demo_tree_has_the_reported_shape() -> None:
    tree = default_tree()
    levels = [u.level for u in tree]
    assert levels.count(Level.CITY) == 1
    assert levels.count(Level.TOWNSHIP) == 15
    assert levels.count(Level.VILLAGE) == 226


def test_tree_navigation() -> None:
    tree = default_tree()
    village = next(u for u in tree if u.level is Level.VILLAGE and u.code.startswith("340881103"))
    township = tree.township_of(village.code)
    assert township is not None
    assert township.name == "孔城镇"
    assert tree.parent_of(village.code) == township
    assert village in tree.children(township.code)
    assert len(tree.subtree("340881000000")) == len(tree)
    assert all(u.code.startswith("340881103") for u in tree.subtree(township.code))


# Four levels, as the reports' systems have them: 安庆市 → 大观区 → 海口镇 → 海口村.
FOUR_LEVELS = [
    Unit("340800000000", "安庆市", Level.CITY, None, "甲"),
    Unit("340803000000", "大观区", Level.DISTRICT, "340800000000", "乙"),
    Unit("340803100000", "海口镇", Level.TOWNSHIP, "340803000000", "丙"),
    Unit("340803100201", "海口村", Level.VILLAGE, "340803100000", "丁"),
    Unit("340881000000", "桐城市", Level.DISTRICT, "340800000000", "戊"),
    Unit("340881100000", "新渡镇", Level.TOWNSHIP, "340881000000", "己"),
]


def test_a_four_level_tree_navigates_and_every_unit_is_placed_below_its_parent() -> None:
    tree = DivisionTree(FOUR_LEVELS)
    village = tree.get("340803100201")
    assert village is not None
    assert [u.name for u in tree.ancestors(village.code)] == ["海口镇", "大观区", "安庆市"]
    assert tree.township_of(village.code) == tree.get("340803100000")
    assert {u.name for u in tree.subtree("340803000000")} == {"大观区", "海口镇", "海口村"}
    assert tree.root().name == "安庆市"
    for unit in tree:
        assert check_placement(unit, tree.parent_of(unit.code)) is None, unit.code


def test_a_unit_is_refused_below_its_own_level_or_outside_its_parents_codes() -> None:
    tree = DivisionTree(FOUR_LEVELS)
    district = tree.get("340803000000")
    township = tree.get("340803100000")
    assert district is not None
    assert township is not None
    below_own_level = Unit("340803200000", "某镇", Level.DISTRICT, township.code, "")
    assert check_placement(below_own_level, township) is not None
    outside = Unit("340804100000", "别区的镇", Level.TOWNSHIP, district.code, "")
    zh, en = check_placement(outside, district) or ("", "")
    assert "代码范围" in zh
    assert "code range" in en
    with pytest.raises(TreeError):
        DivisionTree(
            [*FOUR_LEVELS, Unit("340803100202", "孤村", Level.VILLAGE, "340803199000", "")]
        )


def test_a_merged_unit_leaves_the_tree_but_keeps_its_name_and_replace_is_in_place() -> None:
    tree = DivisionTree(FOUR_LEVELS)
    held = tree  # code elsewhere holds the same object
    merged = Unit(
        "340803100201", "海口村", Level.VILLAGE, "340803100000", "丁", False, "340803100202"
    )
    successor = Unit("340803100202", "新海口村", Level.VILLAGE, "340803100000", "庚")
    tree.replace([*FOUR_LEVELS[:3], merged, successor, *FOUR_LEVELS[4:]])
    assert "340803100201" not in {u.code for u in held}
    assert held.get("340803100201") == merged
    assert [u.code for u in held.children("340803100000")] == ["340803100202"]
    assert len(held) == len(FOUR_LEVELS)

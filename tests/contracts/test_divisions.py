from __future__ import annotations

from lingban_contracts.divisions import Level, default_tree


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

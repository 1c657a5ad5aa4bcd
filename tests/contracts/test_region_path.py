"""`region_path` holds exactly the regions whose subtree contains the unit."""

from __future__ import annotations

from lingban_contracts.divisions import default_tree
from lingban_contracts.regions import in_subtree, region_path


def test_a_unit_s_ancestors_are_exactly_the_roots_whose_subtree_holds_it() -> None:
    codes = [u.code for u in default_tree()] + ["340000000000", "340800000000", "320000000000"]
    for code in codes:
        ancestors = region_path(code)
        assert code in ancestors
        for root in codes:
            assert (root in ancestors) == in_subtree(code, root), (code, root)

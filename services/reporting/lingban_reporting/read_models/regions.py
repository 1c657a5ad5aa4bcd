"""A region subtree as an equality filter an index can serve.

FerretDB serves only equality from an index (never `$regex`), so a subtree is
asked for by the field naming its level: a village by `unit_code`, a township
by `township_code`, a city by nothing (its one tree is the whole data set).
Callers keep only the documents `in_subtree` of the region afterwards: the
filter narrows, the prefix decides, as before.
"""

from __future__ import annotations

from typing import Any

from lingban_contracts.divisions import DivisionTree, Level

Doc = dict[str, Any]


def region_equality(tree: DivisionTree, code: str) -> Doc:
    unit = tree.get(code)
    if unit is None or unit.level is Level.VILLAGE:
        return {"unit_code": code}
    if unit.level is Level.TOWNSHIP:
        return {"township_code": code}
    return {}

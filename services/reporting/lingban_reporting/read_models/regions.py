"""A region subtree as one indexed equality, at every level: `{"region_path": R}`.

Every read-model document with a unit stores its unit's `region_path`
(`lingban_kit.regions`: the unit's code and the code of every level above it,
stamped by `entities.EntityProjection` on each write), so "the documents of
the subtree of R" is "the documents whose path contains R", one equality an
index on the field serves, for a village, a township, a district and a city
alike (each query names its index next to it, `generations.GIN_INDEXES`).

The path follows the codes' prefixes, which is how the platform defines a
subtree everywhere (`DivisionTree.subtree`, a principal's jurisdiction). A
unit moved to another parent keeps its code, and its code lies inside the new
parent's code range (`lingban_contracts.divisions.check_placement`), so a move
never changes a stored path; what a move does change (the township a document
is filed under) is re-stamped from the division event (`restamp.py`).
"""

from __future__ import annotations

from typing import Any

from lingban_contracts.regions import region_path
from lingban_kit.regions import REGION_PATH, within

Doc = dict[str, Any]


def region_equality(code: str) -> Doc:
    """The filter for "the document's unit is in the subtree of `code`" (any level)."""
    return within(code)


def stamp(doc: Doc) -> None:
    """Give a document the path of its unit (none while it has no unit)."""
    unit = doc.get("unit_code")
    if isinstance(unit, str) and unit:
        doc[REGION_PATH] = region_path(unit)
    else:
        doc.pop(REGION_PATH, None)

"""Region subtrees as an indexed equality: each document stores its unit's region path.

FerretDB on PostgreSQL never pushes a `$regex` down, so a subtree filter
`{"unit_code": {"$regex": "^<prefix>"}}` reads every document. Instead a
document stores `region_path` (`lingban_contracts.regions.region_path`: the
unit's own code and the code of each level above it), and
`{"region_path": R}` ("the array contains R") selects exactly the subtree of
any region R, at any level; an index on the field serves it.
"""

from __future__ import annotations

from lingban_contracts.regions import region_path, subtree_root

REGION_PATH = "region_path"

__all__ = ["REGION_PATH", "region_path", "within"]


def within(region_code: str) -> dict[str, str]:
    """The filter for "the document's unit is in the subtree of `region_code`"."""
    return {REGION_PATH: subtree_root(region_code)}

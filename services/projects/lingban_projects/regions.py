"""Region subtrees as an indexed equality: each document stores its unit's region path.

FerretDB on PostgreSQL never pushes a `$regex` down, so the old subtree filter
`{"unit_code": {"$regex": "^<prefix>"}}` read every document. Instead every
document stores `region_path`: the unit's own code and the code of each level
above it (province, prefecture, county/city, township). `{"region_path": R}`
("the array contains R") then selects exactly the subtree of any region R, at
any level, and a (GIN / multikey) index serves it.

The same helper is duplicated in `lingban_supervision.regions` (keep them
equal); its shared home would be `lingban_contracts.regions`.
"""

from __future__ import annotations

from lingban_contracts.regions import region_prefix

REGION_PATH = "region_path"
# Significant prefix lengths of a 12-digit division code, from the top down
# (the same levels as `lingban_contracts.regions.region_prefix`).
_LEVELS = (2, 4, 6, 9, 12)


def region_path(unit_code: str) -> list[str]:
    """The unit and every region containing it: R is in it iff `in_subtree(unit_code, R)`."""
    path: list[str] = []
    for length in _LEVELS:
        code = unit_code[:length].ljust(12, "0")
        if code not in path:
            path.append(code)
    return path


def within(region_code: str) -> dict[str, str]:
    """The filter for "the document's unit is in the subtree of `region_code`"."""
    return {REGION_PATH: region_prefix(region_code).ljust(12, "0")}

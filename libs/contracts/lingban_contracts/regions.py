"""Region codes: the 12-digit statistical division codes (统计用区划代码)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# Province 2 digits, prefecture 2, county 2, township 3, village 3.
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]

# Length of the significant prefix at each level, from the top down.
_LEVEL_PREFIX_LENGTHS = (2, 4, 6, 9, 12)


def region_prefix(code: str) -> str:
    """The prefix shared by a unit and everything below it.

    `340881000000` (a county-level city) -> `340881`; `340881100000` (a
    township) -> `340881100`; a village is its own full code. Subtree queries
    are prefix matches on this, which is why region codes make good tenant ids.
    """
    for length in _LEVEL_PREFIX_LENGTHS:
        if code[length:].strip("0") == "":
            return code[:length]
    return code


def in_subtree(code: str, root: str) -> bool:
    return code.startswith(region_prefix(root))


def region_path(code: str) -> list[str]:
    """The unit's code and the code of every region containing it, from the top down.

    `root in region_path(code)` exactly when `in_subtree(code, root)`. Stored on
    a document as an array, it turns "in the subtree of R" into one equality
    (`{"region_path": R}`, "the array contains R") that an index serves; a
    `$regex` prefix is never served by an index on FerretDB on PostgreSQL.
    """
    return list(dict.fromkeys(code[:n].ljust(len(code), "0") for n in _LEVEL_PREFIX_LENGTHS))


def subtree_root(code: str) -> str:
    """The code that stands for the subtree of `code` in every `region_path`."""
    return region_prefix(code).ljust(len(code), "0")

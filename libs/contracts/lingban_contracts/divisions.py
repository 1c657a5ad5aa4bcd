"""The administrative tree (行政区划): units by 12-digit division code.

Managed reference data. A deployment's tree starts from a file
(LINGBAN_DIVISIONS_FILE; the default is the demo tree modelled on Tongcheng:
15 townships and streets, 226 villages and communities) and then changes at
run time: the projects service owns the units (registering, renaming, a new
secretary, villages merged) and publishes each change on the divisions topic
(`lingban_contracts.events.divisions`); every service keeps its own copy and
updates this process-wide tree in place (`lingban_kit.divisions`), so code
that holds `default_tree()` sees the change without a restart.

Four levels, as the reports' systems have them: city (市) → district or
county (区/县) → township or street (镇/乡/街道) → village or community
(村/社区). A county-level city is a tree whose root is the city and whose
townships hang directly below it (the demo tree); both shapes are valid.
"""

from __future__ import annotations

import enum
import itertools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lingban_contracts.regions import in_subtree, region_path, region_prefix

DEMO_FILE = Path(__file__).parent / "data" / "demo_divisions.json"


class Level(enum.StrEnum):
    CITY = "city"  # 市 (a prefecture-level city, or a county-level city as the root)
    DISTRICT = "district"  # 区 / 县 / 县级市 below a prefecture-level city
    TOWNSHIP = "township"  # 镇 / 乡 / 街道
    VILLAGE = "village"  # 村 / 社区

    @property
    def depth(self) -> int:
        """0 for the city, 3 for a village: a child is always deeper than its parent."""
        return list(Level).index(self)


LEVEL_ZH = {
    Level.CITY: "市",
    Level.DISTRICT: "区县",
    Level.TOWNSHIP: "乡镇街道",
    Level.VILLAGE: "村社区",
}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: Level
    parent: str | None
    secretary: str
    # A unit merged into another (村并村) or abolished stays known by its code,
    # so older records still show its name, but it has no place in the tree.
    active: bool = True
    merged_into: str | None = None


class TreeError(ValueError):
    """A tree that cannot be: an unknown parent, a child not below its parent."""


def check_placement(unit: Unit, parent: Unit | None) -> tuple[str, str] | None:
    """Why `unit` cannot hang below `parent`, in Chinese and English (None when it can)."""
    if parent is None:
        if unit.level is Level.CITY:
            return None
        return (
            f"{unit.code} 不是市级单位，必须有上级单位",
            f"{unit.code}: only a city may be a root",
        )
    if unit.level.depth <= parent.level.depth:
        return (
            f"{LEVEL_ZH[unit.level]}单位不能设在{LEVEL_ZH[parent.level]}单位 {parent.code} 之下",
            f"{unit.code}: a {unit.level} cannot be below a {parent.level}",
        )
    if not in_subtree(unit.code, parent.code) or region_prefix(unit.code) == region_prefix(
        parent.code
    ):
        return (
            f"区划代码 {unit.code} 不在上级单位 {parent.code} 的代码范围内",
            f"{unit.code}: the code is not inside its parent's code range {parent.code}",
        )
    return None


class DivisionTree:
    """The units by code. `replace` swaps the whole content in place (see module doc)."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._units: dict[str, Unit] = {}
        self._below: dict[str, list[str]] | None = None
        self.replace(units)

    def replace(self, units: Iterable[Unit]) -> None:
        by_code = {u.code: u for u in units}
        for unit in by_code.values():
            if unit.active and unit.parent is not None:
                parent = by_code.get(unit.parent)
                if parent is None or not parent.active:
                    raise TreeError(f"unit {unit.code} names unknown parent {unit.parent}")
        # One assignment: a reader sees the old tree or the new one, never a mix.
        self._units, self._below = by_code, None

    def __iter__(self) -> Iterator[Unit]:
        """The units in the tree now (merged or abolished units are left out)."""
        return (u for u in self._units.values() if u.active)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def all_units(self) -> list[Unit]:
        """Every unit ever known, active or not."""
        return list(self._units.values())

    def get(self, code: str) -> Unit | None:
        """A unit by code, also one no longer in the tree (its records keep its name)."""
        return self._units.get(code)

    def parent_of(self, code: str) -> Unit | None:
        unit = self._units.get(code)
        return self._units.get(unit.parent) if unit and unit.parent else None

    def children(self, code: str) -> list[Unit]:
        return [u for u in self if u.parent == code]

    def regions_below(self, code: str) -> list[str]:
        """The regions one step below `code` in the codes' own hierarchy (the next entry of
        `region_path` of the units under it), in code order. Every unit ever known counts,
        merged ones too: their records still sit in those subtrees."""
        units, below = self._units, self._below
        if below is None:
            found: dict[str, set[str]] = {}
            for unit_code in units:
                path = region_path(unit_code)
                for upper, lower in itertools.pairwise(path):
                    found.setdefault(upper, set()).add(lower)
            below = {upper: sorted(lowers) for upper, lowers in found.items()}
            # Built once per content: `replace` drops it with the units it came from.
            if units is self._units:
                self._below = below
        return below.get(code, [])

    def subtree(self, root: str) -> list[Unit]:
        """The root and every unit below it."""
        return [u for u in self if in_subtree(u.code, root)]

    def ancestors(self, code: str) -> list[Unit]:
        """The units above `code`, nearest first."""
        found: list[Unit] = []
        unit = self.parent_of(code)
        while unit is not None:
            found.append(unit)
            unit = self.parent_of(unit.code)
        return found

    def township_of(self, code: str) -> Unit | None:
        unit = self._units.get(code)
        while unit is not None and unit.level is Level.VILLAGE:
            unit = self._units.get(unit.parent) if unit.parent else None
        return unit if unit is not None and unit.level is Level.TOWNSHIP else None

    def root(self) -> Unit:
        """The top of the tree (the city)."""
        return next(u for u in self if u.parent is None)

    def with_unit(self, unit: Unit) -> DivisionTree:
        """A copy with `unit` added or replaced (to check a change before making it)."""
        units = dict(self._units)
        units[unit.code] = unit
        return DivisionTree(units.values())


def unit_from_json(raw: dict[str, object]) -> Unit:
    parent = raw.get("parent")
    merged_into = raw.get("merged_into")
    return Unit(
        code=str(raw["code"]),
        name=str(raw["name"]),
        level=Level(str(raw["level"])),
        parent=str(parent) if parent else None,
        secretary=str(raw.get("secretary") or ""),
        active=bool(raw.get("active", True)),
        merged_into=str(merged_into) if merged_into else None,
    )


def load_tree(path: Path) -> DivisionTree:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return DivisionTree(unit_from_json(u) for u in raw["units"])


def tree_file() -> Path:
    return Path(os.environ.get("LINGBAN_DIVISIONS_FILE", DEMO_FILE))


@cache
def default_tree() -> DivisionTree:
    """This process's tree: the file at first, then kept current by `lingban_kit.divisions`."""
    return load_tree(tree_file())


__all__ = [
    "LEVEL_ZH",
    "DivisionTree",
    "Level",
    "TreeError",
    "Unit",
    "check_placement",
    "default_tree",
    "load_tree",
    "tree_file",
    "unit_from_json",
]

"""The administrative tree (行政区划): units by 12-digit division code.

Reference data, not events: every service loads the same file (a deployment
points LINGBAN_DIVISIONS_FILE at its own city's tree; the default is the demo
tree modelled on Tongcheng: 15 townships and streets, 226 villages and communities).
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lingban_contracts.regions import in_subtree

DEMO_FILE = Path(__file__).parent / "data" / "demo_divisions.json"


class Level(enum.StrEnum):
    CITY = "city"  # 市 / 县
    TOWNSHIP = "township"  # 镇 / 乡 / 街道
    VILLAGE = "village"  # 村 / 社区


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: Level
    parent: str | None
    secretary: str


class DivisionTree:
    def __init__(self, units: list[Unit]) -> None:
        self._units = {u.code: u for u in units}
        for unit in units:
            if unit.parent is not None and unit.parent not in self._units:
                raise ValueError(f"unit {unit.code} names unknown parent {unit.parent}")

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units.values())

    def __len__(self) -> int:
        return len(self._units)

    def get(self, code: str) -> Unit | None:
        return self._units.get(code)

    def parent_of(self, code: str) -> Unit | None:
        unit = self._units.get(code)
        return self._units.get(unit.parent) if unit and unit.parent else None

    def children(self, code: str) -> list[Unit]:
        return [u for u in self._units.values() if u.parent == code]

    def subtree(self, root: str) -> list[Unit]:
        """The root and every unit below it."""
        return [u for u in self._units.values() if in_subtree(u.code, root)]

    def township_of(self, code: str) -> Unit | None:
        unit = self._units.get(code)
        while unit is not None and unit.level is Level.VILLAGE:
            unit = self._units.get(unit.parent) if unit.parent else None
        return unit if unit is not None and unit.level is Level.TOWNSHIP else None


def load_tree(path: Path) -> DivisionTree:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return DivisionTree(
        [
            Unit(
                code=u["code"],
                name=u["name"],
                level=Level(u["level"]),
                parent=u["parent"],
                secretary=u.get("secretary", ""),
            )
            for u in raw["units"]
        ]
    )


@cache
def default_tree() -> DivisionTree:
    return load_tree(Path(os.environ.get("LINGBAN_DIVISIONS_FILE", DEMO_FILE)))

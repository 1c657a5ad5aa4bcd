"""Which figure document sums into which (pure, from the division tree).

Figure documents, in `rpt_figures_<generation>`:
- `u:<year>:<unit>`, one per (year, unit) with documents: the counters of that
  unit's own read-model documents (`book.py`). `u:<year>:-` counts the freshness
  of documents without a unit yet (unannounced inspections before they happen).
- `r:<year>:<code>`, one per city and township of the tree: the sum of its
  subtree, kept as the sum of the documents whose `sums_into` names it: its own
  unit document, its villages' unit documents and its townships' roll-ups.
- `all`: the sum of every top-level document (the freshness of everything).

A village's subtree is its unit document. Membership follows the region codes'
prefixes, as subtree queries always did: a unit missing from the tree sums into
the nearest city or township above it, and one under none into `all`.
"""

from __future__ import annotations

from functools import cache

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_reporting.figures.contributions import UNPLACED

ALL = "all"
_PREFIX_LENGTHS = (9, 6, 4, 2)


def unit_id(year: int, code: str) -> str:
    return f"u:{year}:{code}"


def rollup_id(year: int, code: str) -> str:
    return f"r:{year}:{code}"


def parse(doc_id: str) -> tuple[str, int, str]:
    kind, year, code = doc_id.split(":", 2)
    return kind, int(year), code


class Layout:
    def __init__(self, tree: DivisionTree) -> None:
        self.tree = tree
        self.container = cache(self._container)

    def forget(self) -> None:
        """The tree changed (a division event): look the containers up again."""
        self.container = cache(self._container)

    def keeps_rollup(self, code: str) -> bool:
        unit = self.tree.get(code)
        return unit is not None and unit.level is not Level.VILLAGE

    def _container(self, code: str) -> str | None:
        """The nearest city or township of the tree above `code` (not `code` itself)."""
        unit = self.tree.get(code)
        if unit is not None:
            parent = self.tree.get(unit.parent) if unit.parent else None
            while parent is not None and parent.level is Level.VILLAGE:
                parent = self.tree.get(parent.parent) if parent.parent else None
            return parent.code if parent is not None else None
        for length in _PREFIX_LENGTHS:
            candidate = code[:length].ljust(len(code), "0")
            if candidate != code and self.keeps_rollup(candidate):
                return candidate
        return None

    def township_of(self, code: str) -> str | None:
        """The township a unit belongs to (itself for a township), by tree, else by prefix."""
        unit = self.tree.get(code)
        if unit is not None:
            township = self.tree.township_of(code)
            return township.code if township is not None else None
        container = self.container(code)
        while container is not None:
            found = self.tree.get(container)
            if found is not None and found.level is Level.TOWNSHIP:
                return container
            container = self.container(container)
        return None

    def unit_sums_into(self, year: int, code: str) -> str:
        if code == UNPLACED:
            return ALL
        if self.keeps_rollup(code):
            return rollup_id(year, code)
        container = self.container(code)
        return rollup_id(year, container) if container else ALL

    def rollup_sums_into(self, doc_id: str) -> str:
        _, year, code = parse(doc_id)
        container = self.container(code)
        return rollup_id(year, container) if container else ALL

    def depth(self, doc_id: str) -> int:
        """How many roll-ups lie above a roll-up (`all` is 0): deeper ones are summed first."""
        depth = 0
        while doc_id != ALL:
            doc_id = self.rollup_sums_into(doc_id)
            depth += 1
        return depth

    def chain(self, year: int, code: str) -> list[str]:
        """Every roll-up a unit document counts in, nearest first, `all` last."""
        ids = [self.unit_sums_into(year, code)]
        while ids[-1] != ALL:
            ids.append(self.rollup_sums_into(ids[-1]))
        return ids

    def subtree_id(self, year: int, unit: Unit) -> str:
        """The document holding the figures of `unit`'s subtree."""
        if self.keeps_rollup(unit.code):
            return rollup_id(year, unit.code)
        return unit_id(year, unit.code)

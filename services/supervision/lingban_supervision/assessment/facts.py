"""What the assessment reads of supervision's own records: per unit and year, the
project ratings (the projects the service follows from project events), the
inspections with their scores, deductions and rectifications, the visits, and —
where a township has a stationed-contact roster for the year — each village's
households and the distinct households visited (the household visit rate).

`Records` is the port (tests use fakes); `MongoRecords` asks the database with
indexed equalities only (indexes.py): the pool by region and year, the
inspections by region and year, the visits by region and month, the rosters by id.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_contracts.events.projects import Rating
from lingban_contracts.events.supervision import RectificationStatus
from lingban_kit.mongo import Collection, Database, Document
from lingban_kit.regions import within
from lingban_supervision.assessment.scoring import UnitFacts, VillageVisits
from lingban_supervision.inspections.domain import Inspection, InspectionStatus
from lingban_supervision.inspections.service import search_criteria
from lingban_supervision.projects.inspectable import INSPECTABLE
from lingban_supervision.stationing.domain import Roster, roster_id_of
from lingban_supervision.store import AggregateStore
from lingban_supervision.visits.domain import Visit
from lingban_supervision.visits.service import month_criteria

# The few stored fields of an inspection the assessment reads (LB-23). The whole
# `rectification`: a projection through its arrays is not answered alike everywhere.
INSPECTION_FIELDS = ("unit_code", "status", "result.score", "result.deductions", "rectification")


def ratings_filter(region: str, year: int) -> Document:
    """The followed projects of a region subtree and year (the pool's index, `indexes.py`)."""
    return {**within(region), "year": year}


def assessing_region(tree: DivisionTree, code: str) -> Unit | None:
    """The city a unit is assessed by: the top of its branch of the tree."""
    unit = tree.get(code)
    while unit is not None and unit.parent is not None:
        unit = tree.get(unit.parent)
    return unit


@dataclass(frozen=True)
class InspectionRow:
    unit_code: str
    score: int
    deductions: int
    # None: no rectification, or one not settled yet (open or submitted, not late).
    rectified_on_time: bool | None

    @classmethod
    def of(cls, doc: Document) -> InspectionRow:
        result = doc.get("result") or {}
        return cls(
            unit_code=doc["unit_code"],
            score=int(result.get("score", 0)),
            deductions=int(result.get("deductions", 0)),
            rectified_on_time=rectification_outcome(doc.get("rectification")),
        )


def rectification_outcome(rect: dict[str, Any] | None) -> bool | None:
    """On time (True), late (False) or not settled yet (None).

    Late: flagged overdue at any deadline, or its last submission came after the
    deadline. On time: closed (销号) without either.
    """
    if not rect:
        return None
    submissions = rect.get("submissions") or []
    late = bool(rect.get("overdue_deadlines")) or bool(submissions and submissions[-1]["late"])
    if late:
        return False
    return True if rect.get("status") == RectificationStatus.CLOSED else None


@dataclass(frozen=True)
class ProjectInfo:
    """A project the service follows from project events (a model case's candidate)."""

    unit_code: str
    year: int
    stage: str


class Records(abc.ABC):
    """The port: the year's records of a region subtree."""

    @abc.abstractmethod
    async def ratings(self, region: str, year: int) -> dict[str, list[Rating]]:
        """Unit -> the ratings of its evaluated projects of the year."""

    @abc.abstractmethod
    async def inspections(self, region: str, year: int) -> list[InspectionRow]:
        """The recorded inspections of the year."""

    @abc.abstractmethod
    async def visits(self, region: str, year: int) -> dict[str, int]:
        """Unit (village) -> visits logged to it in the year."""

    async def households(self, region: str, year: int) -> dict[str, tuple[int, int]]:
        """Village -> (households on its township's roster of the year, distinct households
        visited in the year), for the villages a roster counts. None counted here (a
        records source without rosters): every village falls back to its visit log."""
        return {}

    @abc.abstractmethod
    async def project(self, project_id: str) -> ProjectInfo | None:
        """A known project (declared or later), None if unknown."""


class MongoRecords(Records):
    def __init__(
        self,
        db: Database,
        inspections: AggregateStore[Inspection],
        visits: AggregateStore[Visit],
        rosters: AggregateStore[Roster] | None = None,
        tree: DivisionTree | None = None,
    ) -> None:
        self.pool: Collection = db[INSPECTABLE]
        self.inspection_store = inspections
        self.visit_store = visits
        self.rosters = rosters
        self.tree = tree

    async def ratings(self, region: str, year: int) -> dict[str, list[Rating]]:
        found: dict[str, list[Rating]] = {}
        cursor = self.pool.find(ratings_filter(region, year), {"unit_code": 1, "rating": 1})
        for doc in await cursor.to_list(None):
            if doc.get("rating"):
                found.setdefault(doc["unit_code"], []).append(Rating(doc["rating"]))
        return found

    async def inspections(self, region: str, year: int) -> list[InspectionRow]:
        rows = await self.inspection_store.fields(
            search_criteria(region, year=year), INSPECTION_FIELDS
        )
        return [InspectionRow.of(d) for d in rows if d["status"] != InspectionStatus.PLANNED]

    async def visits(self, region: str, year: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        # One indexed query per month (`month_criteria`, the visit list's own).
        for month in range(1, 13):
            criteria = month_criteria(region, f"{year}-{month:02d}")
            for doc in await self.visit_store.fields(criteria, ("unit_code",)):
                counts[doc["unit_code"]] = counts.get(doc["unit_code"], 0) + 1
        return counts

    async def households(self, region: str, year: int) -> dict[str, tuple[int, int]]:
        if self.rosters is None or self.tree is None:
            return {}
        counts: dict[str, int] = {}
        # One roster per township and year, read by its id (a city has a few dozen).
        for township in (u for u in self.tree.subtree(region) if u.level is Level.TOWNSHIP):
            roster = await self.rosters.get(roster_id_of(township.code, year))
            if roster is not None:
                counts.update({v.village_code: v.households for v in roster.villages})
        if not counts:
            return {}
        refs: dict[str, set[str]] = {}
        for month in range(1, 13):
            criteria = month_criteria(region, f"{year}-{month:02d}")
            for doc in await self.visit_store.fields(criteria, ("unit_code", "household_refs")):
                if doc["unit_code"] in counts:
                    found = (r for r in doc.get("household_refs") or [] if r)
                    refs.setdefault(doc["unit_code"], set()).update(found)
        return {code: (n, len(refs.get(code, ()))) for code, n in counts.items()}

    async def project(self, project_id: str) -> ProjectInfo | None:
        doc = await self.pool.find_one({"_id": project_id}, {"unit_code": 1, "year": 1, "stage": 1})
        if doc is None:
            return None
        return ProjectInfo(doc["unit_code"], int(doc["year"]), str(doc.get("stage", "")))


def unit_facts(
    units: Sequence[Unit],
    tree: DivisionTree,
    ratings: dict[str, list[Rating]],
    inspections: Sequence[InspectionRow],
    visits: dict[str, int],
    households: dict[str, tuple[int, int]] | None = None,
) -> list[UnitFacts]:
    """Each unit's facts (pure): its own projects, inspections and rectifications; the
    visits to itself (a village) or to each of its villages (a township), with the
    households a roster counts and those visited where there is one."""
    counted = households or {}

    def village(code: str) -> VillageVisits:
        total, covered = counted.get(code, (0, 0))
        return VillageVisits(visits.get(code, 0), total, covered)

    by_unit: dict[str, list[InspectionRow]] = {}
    for row in inspections:
        by_unit.setdefault(row.unit_code, []).append(row)
    facts: list[UnitFacts] = []
    for unit in units:
        rows = by_unit.get(unit.code, [])
        if unit.level is Level.VILLAGE:
            village_visits: tuple[VillageVisits, ...] = (village(unit.code),)
        elif unit.level is Level.TOWNSHIP:
            villages = [u for u in tree.children(unit.code) if u.level is Level.VILLAGE]
            village_visits = tuple(village(v.code) for v in villages)
        else:
            village_visits = ()
        facts.append(
            UnitFacts(
                unit_code=unit.code,
                level=unit.level.value,
                ratings=tuple(ratings.get(unit.code, [])),
                inspection_scores=tuple(r.score for r in rows),
                deductions=sum(r.deductions for r in rows),
                rectifications_on_time=sum(1 for r in rows if r.rectified_on_time is True),
                rectifications_late=sum(1 for r in rows if r.rectified_on_time is False),
                village_visits=village_visits,
            )
        )
    return facts

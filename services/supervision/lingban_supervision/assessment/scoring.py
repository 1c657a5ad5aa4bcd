"""The year-end assessment score of each unit, its rank, and the praise and 约谈 lists (pure).

Each unit gets five sub-scores of 100 from supervision's own records and the
project ratings it receives:

- project: the points of its evaluated projects' ratings (mean; 0 with none
  evaluated: every unit must have a project, 项目申报领办全覆盖);
- inspections: the mean score of its recorded inspections;
- deductions: 100 minus every point deducted in the year's inspections (an
  absent team loses all 100 at once, 一次扣完), not below 0;
- rectification: the share of its settled rectifications done on time;
- visits: for a village, the household visit rate of the year where its
  township has a stationed-contact roster with the village's households
  (distinct households visited ÷ households, 驻点名册); otherwise its visits
  against the yearly target; for a township, the mean of its villages'.

A sub-score with nothing to measure (never inspected, no rectification settled,
no village to visit) is null and its weight is shared out over the others in
proportion, so a unit is neither rewarded nor punished for not having been
drawn. The weighted score plus the manual adjustments (加分/扣分), kept within
0-100, is the score; ranks are per level (townships among townships, villages
among villages), equal scores sharing a rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lingban_contracts.events.assessment import (
    Components,
    ListAction,
    ListBasis,
    ListEntry,
    ResultList,
    Scheme,
    UnitScore,
    Weights,
)
from lingban_contracts.events.projects import Rating

FULL = 100.0
# Best first: a unit's rating is the lowest of its evaluated projects'.
RATING_ORDER = (Rating.EXCELLENT, Rating.GOOD, Rating.AVERAGE, Rating.POOR)


@dataclass(frozen=True)
class VillageVisits:
    """A village's visits of the year, and its household coverage where a roster counts them."""

    visits: int = 0
    # The roster's household count of the village (0: no roster, or no count on it) and
    # the distinct households visited in the year (household refs).
    households: int = 0
    covered: int = 0

    def points(self, target: int) -> float:
        """The household visit rate where there are households to cover (the reports'
        走访率 counts households, not villages); else the visit log against the target."""
        if self.households > 0:
            return FULL * min(1.0, self.covered / self.households)
        return FULL * min(1.0, self.visits / target)


@dataclass(frozen=True)
class UnitFacts:
    """What the records say about one unit for the year."""

    unit_code: str
    level: str
    ratings: tuple[Rating, ...] = ()
    inspection_scores: tuple[int, ...] = ()
    deductions: int = 0
    rectifications_on_time: int = 0
    rectifications_late: int = 0
    # Visits to each village the unit answers for: its own for a village, one per
    # village for a township, none for the city.
    village_visits: tuple[VillageVisits, ...] = ()


@dataclass(frozen=True)
class ListOverride:
    """The organisation department's decision on one unit and list, with its reason."""

    unit_code: str
    list: ResultList
    action: ListAction
    reason: str


def unit_rating(ratings: Iterable[Rating]) -> Rating | None:
    found = set(ratings)
    worst = [r for r in RATING_ORDER if r in found]
    return worst[-1] if worst else None


def components(facts: UnitFacts, scheme: Scheme) -> Components:
    points = [scheme.rating_points.of(r) for r in facts.ratings]
    inspected = bool(facts.inspection_scores)
    settled = facts.rectifications_on_time + facts.rectifications_late
    target = scheme.visits_per_village
    return Components(
        project=_mean(points) if points else 0.0,
        inspections=_mean(facts.inspection_scores) if inspected else None,
        deductions=max(0.0, FULL - facts.deductions) if inspected else None,
        rectification=(
            round(FULL * facts.rectifications_on_time / settled, 2) if settled else None
        ),
        visits=(
            _mean([v.points(target) for v in facts.village_visits])
            if facts.village_visits
            else None
        ),
    )


def weighted(parts: Components, weights: Weights) -> float:
    """The weighted mean over the sub-scores there are (weights in percent)."""
    pairs = [
        (weights.project, parts.project),
        (weights.inspections, parts.inspections),
        (weights.deductions, parts.deductions),
        (weights.rectification, parts.rectification),
        (weights.visits, parts.visits),
    ]
    present = [(w, s) for w, s in pairs if s is not None]
    total_weight = sum(w for w, _ in present)
    if total_weight == 0:
        return 0.0
    return round(sum(w * s for w, s in present) / total_weight, 2)


def score_units(
    facts: Sequence[UnitFacts], scheme: Scheme, adjustments: Mapping[str, float]
) -> list[UnitScore]:
    """Every unit's score and its rank within its level, best first per level."""
    drafts: list[tuple[UnitFacts, Components, float, float, float]] = []
    for unit in facts:
        parts = components(unit, scheme)
        base = weighted(parts, scheme.weights)
        adjustment = round(adjustments.get(unit.unit_code, 0.0), 2)
        final = round(min(FULL, max(0.0, base + adjustment)), 2)
        drafts.append((unit, parts, base, adjustment, final))
    scores: list[UnitScore] = []
    for unit, parts, base, adjustment, final in drafts:
        better = sum(1 for other in drafts if other[0].level == unit.level and other[4] > final)
        scores.append(
            UnitScore(
                unit_code=unit.unit_code,
                level=unit.level,
                rating=unit_rating(unit.ratings),
                components=parts,
                weighted=base,
                adjustment=adjustment,
                score=final,
                party_building_points=round(final * scheme.party_building_share / 100, 2),
                rank=better + 1,
            )
        )
    return sorted(scores, key=lambda s: (s.level, s.rank, s.unit_code))


def result_lists(
    scores: Sequence[UnitScore],
    scheme: Scheme,
    overrides: Sequence[ListOverride],
    *,
    assessing_region: str,
) -> tuple[list[ListEntry], list[ListEntry]]:
    """The praise (表扬) and 约谈 lists: the rules, then the department's changes in order.

    The assessing region's own unit is on neither list by the rules: the lists are
    for the units it assesses.
    """
    praise: dict[str, ListEntry] = {}
    talks: dict[str, ListEntry] = {}
    for score in scores:
        if score.unit_code == assessing_region:
            continue
        talk = _talk_basis(score, scheme)
        if talk is not None:
            talks[score.unit_code] = ListEntry(unit_code=score.unit_code, basis=talk)
            continue
        praised = _praise_basis(score, scheme)
        if praised is not None:
            praise[score.unit_code] = ListEntry(unit_code=score.unit_code, basis=praised)
    for override in overrides:
        target = praise if override.list is ResultList.PRAISE else talks
        if override.action is ListAction.REMOVE:
            target.pop(override.unit_code, None)
        elif override.unit_code not in target:
            target[override.unit_code] = ListEntry(
                unit_code=override.unit_code, basis=ListBasis.MANUAL, reason=override.reason
            )
    order = {s.unit_code: (-s.score, s.unit_code) for s in scores}
    missing = (0.0, "")

    def ordered(entries: dict[str, ListEntry]) -> list[ListEntry]:
        return sorted(entries.values(), key=lambda e: order.get(e.unit_code, missing))

    return ordered(praise), ordered(talks)


def _praise_basis(score: UnitScore, scheme: Scheme) -> ListBasis | None:
    rule = scheme.praise
    if score.rating is not None and score.rating in rule.ratings:
        return ListBasis.RATING
    if rule.top_per_level and score.rank <= rule.top_per_level:
        return ListBasis.RANK
    if rule.min_score is not None and score.score >= rule.min_score:
        return ListBasis.SCORE
    return None


def _talk_basis(score: UnitScore, scheme: Scheme) -> ListBasis | None:
    rule = scheme.talk
    if score.rating is not None and score.rating in rule.ratings:
        return ListBasis.RATING
    if rule.below_score is not None and score.score < rule.below_score:
        return ListBasis.SCORE
    return None


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 2)

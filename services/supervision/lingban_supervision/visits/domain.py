"""A stationed-contact visit (驻点联系走访) and the monthly figures of a township."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Protocol

from lingban_contracts import Actor
from lingban_contracts.attachments import Attachment
from lingban_contracts.events import supervision as ev
from lingban_contracts.events.stationing import (
    Coverage,
    StationedPosition,
    VillageCounts,
    household_coverage,
)
from lingban_contracts.events.supervision import (
    HouseholdKind,
    HouseholdVisit,
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    VisitorRole,
)
from lingban_kit.idempotency import new_id
from lingban_kit.regions import REGION_PATH, region_path
from lingban_supervision.aggregate import Aggregate, month_of

FOUR_MUST_VISITS = (
    HouseholdKind.VETERAN_PARTY_MEMBER,
    HouseholdKind.LIFTED_OUT_OF_POVERTY,
    HouseholdKind.PETITIONER,
    HouseholdKind.IN_DIFFICULTY,
)


@dataclass(frozen=True)
class Opinion:
    """An opinion raised on the visit; it enters the problem list."""

    description: str
    category: str
    level: ProblemLevel
    source: ProblemSource = ProblemSource.RESIDENTS
    channel: ProblemChannel = ProblemChannel.VISIT


@dataclass(kw_only=True)
class Visit(Aggregate):
    unit_code: str
    township_code: str | None
    year: int
    month: str
    visited_on: date
    visitor: str
    visitor_role: VisitorRole
    team: list[str]
    households: list[HouseholdVisit]
    opinions: list[Opinion]
    notes: str | None
    logged_at: datetime
    attachments: list[Attachment] = field(default_factory=list)
    # Stationed contact (stationing/): who of the roster visited, and a pseudonymous
    # key per household (parallel to `households`; empty on visits logged before).
    person_id: str | None = None
    position: StationedPosition | None = None
    household_refs: list[str | None] = field(default_factory=list)

    def query_fields(self) -> dict[str, Any]:
        return {REGION_PATH: region_path(self.unit_code)}

    @property
    def household_kinds(self) -> list[HouseholdKind]:
        return [h.kind for h in self.households]

    @property
    def refs(self) -> list[str | None]:
        return self.household_refs or [None] * len(self.households)

    @property
    def four_must_visits(self) -> list[HouseholdKind]:
        kinds = {h.kind for h in self.households}
        return [k for k in FOUR_MUST_VISITS if k in kinds]

    @property
    def problem_ids(self) -> list[str]:
        """Deterministic, so registering them again after a redelivery is a no-op."""
        return [f"{self.id}-p{i}" for i in range(1, len(self.opinions) + 1)]

    @classmethod
    def log(
        cls,
        *,
        unit_code: str,
        township_code: str | None,
        visited_on: date,
        visitor: str,
        visitor_role: VisitorRole,
        team: list[str],
        households: list[HouseholdVisit],
        opinions: list[Opinion],
        notes: str | None,
        actor: Actor,
        now: datetime,
        correlation_id: str | None = None,
        attachments: tuple[Attachment, ...] = (),
        person_id: str | None = None,
        position: StationedPosition | None = None,
        household_refs: list[str | None] | None = None,
    ) -> Visit:
        visit = cls(
            # Derived from the request's Idempotency-Key when it has one (a retry hits it).
            id=new_id(),
            unit_code=unit_code,
            township_code=township_code,
            year=visited_on.year,
            month=month_of(visited_on),
            visited_on=visited_on,
            visitor=visitor,
            visitor_role=visitor_role,
            team=team,
            households=households,
            opinions=opinions,
            notes=notes,
            logged_at=now,
            correlation_id=correlation_id,
            attachments=list(attachments),
            person_id=person_id,
            position=position,
            household_refs=list(household_refs or []),
        )
        visit.record(
            ev.VisitLogged(
                visit_id=visit.id,
                unit_code=unit_code,
                township_code=township_code,
                year=visit.year,
                month=visit.month,
                visited_on=visited_on,
                visitor=visitor,
                visitor_role=visitor_role,
                team=team,
                # The household labels stay in the visit log (LB-14).
                households=[
                    ev.VisitedHousehold(kind=h.kind, ref=ref)
                    for h, ref in zip(households, visit.refs, strict=True)
                ],
                households_visited=len(households),
                four_must_visits=visit.four_must_visits,
                opinions=len(opinions),
                problem_ids=visit.problem_ids,
                notes=notes,
                attachments=list(attachments),
                person_id=person_id,
                position=position.value if position is not None else None,
            ),
            actor,
            now,
            unit_code,
        )
        return visit


@dataclass(frozen=True)
class MonthlyFigures:
    """走访率 and 办结率 of one township for one month.

    `visit_rate` is the share of the households on the township's roster (驻点名册,
    village counts) that visits covered, a household visited twice counting once;
    `must_visit` gives the same for each four-must-visit group (四必访). Until
    stationed contact had rosters, `visit_rate` was the share of villages with at
    least one visit: that figure is `village_visit_rate` now (a village with one
    visit counts fully there, which is why it is no longer the visit rate).
    """

    township_code: str
    month: str
    units: int
    units_visited: int
    visits: int
    households_visited: int
    four_must_visit_households: int
    problems_raised: int
    problems_resolved: int
    coverage: Coverage = field(
        default_factory=lambda: household_coverage((), ()),
    )

    @property
    def village_visit_rate(self) -> float:
        return round(self.units_visited / self.units, 4) if self.units else 0.0

    @property
    def households(self) -> int:
        return self.coverage.all.households

    @property
    def households_covered(self) -> int:
        return self.coverage.all.covered

    @property
    def visit_rate(self) -> float:
        return self.coverage.all.rate

    @property
    def must_visit(self) -> list[MustVisitFigure]:
        return [
            MustVisitFigure(kind, c.households, c.covered, c.rate)
            for kind, c in self.coverage.must_visit.items()
        ]

    @property
    def resolution_rate(self) -> float:
        return (
            round(self.problems_resolved / self.problems_raised, 4) if self.problems_raised else 0.0
        )


@dataclass(frozen=True)
class MustVisitFigure:
    kind: HouseholdKind
    households: int
    covered: int
    rate: float


class VisitFacts(Protocol):
    """What the monthly figures read of a visit: a `Visit`, or `VisitRow` from a projection."""

    @property
    def unit_code(self) -> str: ...

    @property
    def month(self) -> str: ...

    @property
    def household_kinds(self) -> Sequence[HouseholdKind]: ...

    @property
    def refs(self) -> Sequence[str | None]: ...


@dataclass(frozen=True)
class VisitRow:
    """The few stored fields of a visit the figures need (`VisitCommands.figures`)."""

    unit_code: str
    township_code: str | None
    month: str
    household_kinds: tuple[HouseholdKind, ...]
    refs: tuple[str | None, ...] = ()

    # Whole `households` (kind and label are small): a projection through an
    # array is not something every FerretDB version answers alike.
    FIELDS: ClassVar[tuple[str, ...]] = (
        "unit_code",
        "township_code",
        "month",
        "households",
        "household_refs",
    )

    @classmethod
    def of(cls, doc: dict[str, Any]) -> VisitRow:
        kinds = tuple(HouseholdKind(h["kind"]) for h in doc.get("households") or [])
        refs = tuple(doc.get("household_refs") or [None] * len(kinds))
        return cls(
            unit_code=doc["unit_code"],
            township_code=doc.get("township_code"),
            month=doc["month"],
            household_kinds=kinds,
            refs=refs,
        )


def monthly_figures(
    township_code: str,
    month: str,
    units: list[str],
    visits: Sequence[VisitFacts],
    raised: int,
    resolved: int,
    villages: Sequence[VillageCounts] = (),
) -> MonthlyFigures:
    """Household coverage over the roster's villages; resolution over the problems raised."""
    in_month = [v for v in visits if v.month == month]
    visited = {v.unit_code for v in in_month} & set(units)
    households = [kind for v in in_month for kind in v.household_kinds]
    covered = [
        (v.unit_code, ref, kind)
        for v in in_month
        for kind, ref in zip(v.household_kinds, v.refs, strict=True)
    ]
    return MonthlyFigures(
        township_code=township_code,
        month=month,
        units=len(units),
        units_visited=len(visited),
        visits=len(in_month),
        households_visited=len(households),
        four_must_visit_households=sum(1 for kind in households if kind in FOUR_MUST_VISITS),
        problems_raised=raised,
        problems_resolved=resolved,
        coverage=household_coverage(villages, covered),
    )

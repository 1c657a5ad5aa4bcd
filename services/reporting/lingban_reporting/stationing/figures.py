"""Monthly stationed-contact figures (pure): roster coverage, stationed days kept, residence,
leave, and the visit rate by households and by four-must-visit group (四必访).

The reports count these per township every month, and separately for the township Party
secretaries and mayors (单独汇总党（工）委书记、镇长（主任）走访联系数据):

- roster coverage: villages with someone stationed in the month / villages of the township;
- stationed days (驻点日): the fixed weekly days under the roster as it was each day;
  excused by leave (请假), kept when the person logged a visit there or resided that day;
- residence (住村): days recorded; a leader below the month's minimum, or below the
  weekly minimum (每周工作日住村不少于 N 天) in a week that has ended, is flagged, and the
  weeks below are counted (`residence_weeks_below`; the rules are for township leaders,
  not their team members);
- the visit rate (走访率): distinct households visited / households of the villages
  (`household_coverage`), for everyone's visits to the township's villages, and for a
  position only the visits its people made to the villages they were stationed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lingban_contracts.events.stationing import (
    DEFAULT_MIN_RESIDENCE_DAYS,
    Assignment,
    Coverage,
    StationedPosition,
    VillageCounts,
    household_coverage,
    month_dates,
    stationed_days,
)
from lingban_contracts.events.supervision import HouseholdKind

Doc = dict[str, Any]
LEADERS = frozenset(
    {StationedPosition.PARTY_SECRETARY, StationedPosition.MAYOR, StationedPosition.OTHER_LEADER}
)


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    position: StationedPosition
    villages: frozenset[str]
    stationed_days: tuple[date, ...]


@dataclass
class Tally:
    people: int = 0
    stationed_days: int = 0
    excused_days: int = 0
    kept_days: int = 0
    residence_days: int = 0
    residence_flagged: list[str] = field(default_factory=list)
    residence_weeks_below: int = 0
    leaves: int = 0
    leave_days: int = 0
    visits: int = 0
    households_visited: int = 0
    coverage: Coverage = field(default_factory=lambda: household_coverage((), ()))

    @property
    def missed_days(self) -> int:
        return self.stationed_days - self.excused_days - self.kept_days

    def as_dict(self) -> Doc:
        return {
            "people": self.people,
            "stationed_days": self.stationed_days,
            "excused_days": self.excused_days,
            "kept_days": self.kept_days,
            "missed_days": self.missed_days,
            "residence_days": self.residence_days,
            "residence_flagged": sorted(self.residence_flagged),
            "residence_weeks_below": self.residence_weeks_below,
            "leaves": self.leaves,
            "leave_days": self.leave_days,
            "visits": self.visits,
            "households_visited": self.households_visited,
            "households": self.coverage.all.households,
            "households_covered": self.coverage.all.covered,
            "visit_rate": self.coverage.all.rate,
            "must_visit": [
                {
                    "kind": kind.value,
                    "households": c.households,
                    "covered": c.covered,
                    "rate": c.rate,
                }
                for kind, c in self.coverage.must_visit.items()
            ],
        }


def assignments_of(roster: Doc) -> list[Assignment]:
    return [Assignment.model_validate(a) for a in roster.get("assignments") or []]


def villages_of(roster: Doc) -> list[VillageCounts]:
    return [VillageCounts.model_validate(v) for v in roster.get("villages") or []]


def people_in_month(assignments: Sequence[Assignment], month: str) -> list[Person]:
    """Everyone with an assignment valid on some day of the month."""
    people: dict[str, list[Assignment]] = {}
    for a in assignments:
        people.setdefault(a.person_id, []).append(a)
    found: list[Person] = []
    for person_id, mine in people.items():
        days = stationed_days(mine, person_id, month)
        valid = [a for a in mine if _valid_in(a, month)]
        if not valid:
            continue
        latest = max(valid, key=lambda a: a.valid_from)
        found.append(
            Person(
                person_id=person_id,
                name=latest.name,
                position=latest.position,
                villages=frozenset(a.village_code for a in valid),
                stationed_days=tuple(days),
            )
        )
    return sorted(found, key=lambda p: p.person_id)


def _valid_in(a: Assignment, month: str) -> bool:
    days = month_dates(month)
    return a.valid_from <= days[-1] and (a.valid_until is None or a.valid_until >= days[0])


def visited_households(visits: Iterable[Doc]) -> list[tuple[str, str | None, HouseholdKind]]:
    return [
        (str(v["unit_code"]), h.get("ref"), HouseholdKind(h["kind"]))
        for v in visits
        for h in v.get("households") or []
    ]


def tally(
    people: Sequence[Person],
    months: dict[str, Doc],
    visits: Sequence[Doc],
    villages: Sequence[VillageCounts],
    default_min_days: int = DEFAULT_MIN_RESIDENCE_DAYS,
    today: date | None = None,
) -> Tally:
    """The figures of these people, these visits (already chosen) and these villages;
    weeks of the weekly residence rule count once ended by `today` (None: all)."""
    t = Tally(people=len(people))
    for person in people:
        record = months.get(person.person_id) or {}
        residence = {date.fromisoformat(d) for d in record.get("residence_days") or []}
        leave = {date.fromisoformat(d) for d in record.get("leave_days") or []}
        visited_on = {
            date.fromisoformat(str(v["visited_on"]))
            for v in visits
            if v.get("person_id") == person.person_id
        }
        t.stationed_days += len(person.stationed_days)
        excused = [d for d in person.stationed_days if d in leave]
        t.excused_days += len(excused)
        t.kept_days += sum(
            1
            for d in person.stationed_days
            if d not in leave and (d in visited_on or d in residence)
        )
        t.residence_days += len(residence)
        minimum = int(record.get("min_residence_days", default_min_days))
        below = weeks_below(record, today)
        if person.position in LEADERS:
            t.residence_weeks_below += len(below)
            if len(residence) < minimum or below:
                t.residence_flagged.append(person.name)
        t.leaves += len(record.get("leaves") or [])
        t.leave_days += len(leave)
    t.visits = len(visits)
    t.households_visited = sum(len(v.get("households") or []) for v in visits)
    t.coverage = household_coverage(villages, visited_households(visits))
    return t


def weeks_below(record: Doc, today: date | None) -> list[str]:
    """The weeks of the month, ended by `today`, below the weekly residence minimum."""
    return [
        str(w["week"])
        for w in record.get("residence_weeks") or []
        if int(w["resided"]) < int(w["required"])
        and (today is None or date.fromisoformat(str(w["last_day"])) < today)
    ]


@dataclass(frozen=True)
class TownshipInput:
    township_code: str
    township_name: str
    village_codes: tuple[str, ...]
    roster: Doc | None
    months: list[Doc]  # the stationed months of the month
    visits: list[Doc]  # the visits of the month to the township's villages


def township_figures(month: str, given: TownshipInput, today: date | None = None) -> Doc:
    roster = given.roster or {}
    villages_all = villages_of(roster)
    people = people_in_month(assignments_of(roster), month)
    wanted = set(given.village_codes)
    people = [p for p in people if p.villages & wanted]
    villages = [v for v in villages_all if v.village_code in wanted]
    months = {str(m["person_id"]): m for m in given.months if m.get("unit_code") in wanted}
    visits = [v for v in given.visits if v.get("unit_code") in wanted]
    stationed = {code for p in people for code in p.villages} & wanted
    by_position: dict[str, Doc] = {}
    for position in StationedPosition:
        mine = [p for p in people if p.position is position]
        ids = {p.person_id for p in mine}
        their_villages = {code for p in mine for code in p.villages}
        by_position[position.value] = tally(
            mine,
            months,
            [v for v in visits if v.get("person_id") in ids],
            [v for v in villages if v.village_code in their_villages],
            today=today,
        ).as_dict()
    return {
        "township_code": given.township_code,
        "township_name": given.township_name,
        "month": month,
        "has_roster": given.roster is not None,
        "villages": len(wanted),
        "villages_stationed": len(stationed),
        "roster_coverage": round(len(stationed) / len(wanted), 4) if wanted else 0.0,
        "all": tally(people, months, visits, villages, today=today).as_dict(),
        "by_position": by_position,
    }


def sum_positions(rows: Sequence[Doc], position: StationedPosition) -> Doc:
    """One position's figures over many townships (e.g. the city's 34 secretaries)."""
    parts = [r["by_position"][position.value] for r in rows]
    counts = (
        "people",
        "stationed_days",
        "excused_days",
        "kept_days",
        "missed_days",
        "residence_days",
        "residence_weeks_below",
        "leaves",
        "leave_days",
        "visits",
        "households_visited",
        "households",
        "households_covered",
    )
    total: Doc = {name: sum(int(p[name]) for p in parts) for name in counts}
    total["residence_flagged"] = sorted(n for p in parts for n in p["residence_flagged"])
    total["visit_rate"] = _rate(total["households_covered"], total["households"])
    kinds: dict[str, list[int]] = {}
    for p in parts:
        for m in p["must_visit"]:
            pair = kinds.setdefault(m["kind"], [0, 0])
            pair[0] += int(m["households"])
            pair[1] += int(m["covered"])
    total["must_visit"] = [
        {"kind": kind, "households": h, "covered": c, "rate": _rate(c, h)}
        for kind, (h, c) in kinds.items()
    ]
    return {"position": position.value, **total}


def _rate(part: int, whole: int) -> float:
    return round(min(part / whole, 1.0), 4) if whole else 0.0

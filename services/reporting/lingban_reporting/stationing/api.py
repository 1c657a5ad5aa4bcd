"""Query route of the stationed-contact figures (驻点联系: 走访率、住村、请假)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from lingban_contracts.events.stationing import StationedPosition
from lingban_contracts.events.supervision import MONTH_PATTERN
from lingban_kit.deps import PrincipalDep
from lingban_reporting.deps import ClockDep, ModelsDep, Region, TreeDep
from lingban_reporting.overview.service import resolve_region
from lingban_reporting.stationing.figures import sum_positions
from lingban_reporting.stationing.reads import StationingReads

router = APIRouter(prefix="/v1/stationing", tags=["stationed contact"])


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MustVisitRate(_Out):
    kind: str = Field(
        description="veteran_party_member | lifted_out_of_poverty | petitioner | in_difficulty"
    )
    households: int
    covered: int
    rate: float


class StationingFigures(_Out):
    people: int = Field(description="Stationed people with an assignment in the month")
    stationed_days: int = Field(description="Fixed weekly days (驻点日) of the month")
    excused_days: int = Field(description="Stationed days on leave (请假)")
    kept_days: int = Field(description="Stationed days with a visit logged or a residence day")
    missed_days: int = Field(description="stationed - excused - kept")
    residence_days: int = Field(description="Days resided in the village (住村)")
    residence_flagged: list[str] = Field(
        description="Leaders below the monthly residence minimum, or below the weekly one in a "
        "week that has ended (names; empty in the public view)"
    )
    residence_flagged_count: int
    residence_weeks_below: int = Field(
        default=0,
        description="Leaders' weeks (ended) below the weekly residence minimum (每周工作日住村), "
        "one per person and week",
    )
    leaves: int = Field(description="Leaves recorded (请假人次)")
    leave_days: int
    visits: int
    households_visited: int = Field(description="Household visits logged (one household twice: 2)")
    households: int = Field(description="Households of the villages on the roster")
    households_covered: int = Field(description="Distinct households visited")
    visit_rate: float = Field(description="走访率: households_covered / households, at most 1")
    must_visit: list[MustVisitRate] = Field(description="The visit rate of each 四必访 group")


class PositionFigures(StationingFigures):
    position: StationedPosition


class TownshipStationing(_Out):
    township_code: str
    township_name: str
    month: str
    has_roster: bool
    villages: int
    villages_stationed: int = Field(description="Villages with someone stationed in the month")
    roster_coverage: float = Field(description="villages_stationed / villages (驻点覆盖)")
    all: StationingFigures = Field(description="Everyone stationed, every visit to the villages")
    by_position: dict[StationedPosition, StationingFigures] = Field(
        description="Per position: its people's own visits to the villages they are stationed in"
    )


class StationingFiguresOut(_Out):
    """Monthly stationed-contact figures per township, and for secretaries and mayors apart."""

    region: str
    month: str
    townships: list[TownshipStationing]
    secretaries: PositionFigures = Field(
        description="Township Party secretaries (党委书记) together"
    )
    mayors: PositionFigures = Field(description="Mayors (镇长、街道办主任) together")
    withheld: bool = Field(description="True for leaders and subscribers: no names")


def _figures(doc: dict[str, Any], public: bool) -> dict[str, Any]:
    names = [] if public else doc["residence_flagged"]
    return {
        **doc,
        "residence_flagged": names,
        "residence_flagged_count": len(doc["residence_flagged"]),
    }


@router.get(
    "/figures",
    summary="Roster coverage, stationed days, residence, leave and visit rates by household",
    responses={404: {"description": "Unknown region"}},
)
async def figures(
    principal: PrincipalDep,
    models: ModelsDep,
    tree: TreeDep,
    clock: ClockDep,
    month: Annotated[str, Query(pattern=MONTH_PATTERN)],
    region: Region = None,
) -> StationingFiguresOut:
    unit = resolve_region(tree, principal, region)
    rows = await StationingReads(models, tree).figures(unit, month, clock.today())
    public = principal.reads_public_view()
    townships = [
        {
            **row,
            "all": _figures(row["all"], public),
            "by_position": {k: _figures(v, public) for k, v in row["by_position"].items()},
        }
        for row in rows
    ]
    return StationingFiguresOut.model_validate(
        {
            "region": unit.code,
            "month": month,
            "townships": townships,
            "secretaries": _figures(sum_positions(rows, StationedPosition.PARTY_SECRETARY), public),
            "mayors": _figures(sum_positions(rows, StationedPosition.MAYOR), public),
            "withheld": public,
        }
    )

"""The half-monthly cadence rule (半月一督导, ≥ 2 on-site inspections a month), pure."""

from __future__ import annotations

from dataclasses import dataclass

from lingban_supervision.inspections.domain import Inspection, InspectionStatus


@dataclass(frozen=True)
class HalfMonth:
    half_month: str
    planned: int
    recorded: int
    on_site_recorded: int


@dataclass(frozen=True)
class Cadence:
    group_id: str
    month: str
    half_months: list[HalfMonth]
    on_site_recorded: int
    on_site_planned: int
    min_on_site: int
    # Days the groups spent on site in the month (a multi-day inspection counts each day).
    on_site_days: int = 0

    @property
    def every_half_month_covered(self) -> bool:
        """Each half month has at least one inspection planned or done."""
        return all(h.planned + h.recorded > 0 for h in self.half_months)

    @property
    def on_site_met(self) -> bool:
        return self.on_site_recorded >= self.min_on_site

    @property
    def on_site_on_track(self) -> bool:
        """Enough on-site inspections done or still planned to meet the rule."""
        return self.on_site_recorded + self.on_site_planned >= self.min_on_site

    @property
    def met(self) -> bool:
        return self.every_half_month_covered and self.on_site_met


def cadence(group_id: str, month: str, inspections: list[Inspection], min_on_site: int) -> Cadence:
    halves: list[HalfMonth] = []
    for half in (f"{month}-H1", f"{month}-H2"):
        mine = [i for i in inspections if i.half_month == half]
        done = [i for i in mine if i.status is not InspectionStatus.PLANNED]
        halves.append(
            HalfMonth(
                half_month=half,
                planned=len(mine) - len(done),
                recorded=len(done),
                on_site_recorded=sum(1 for i in done if i.on_site),
            )
        )
    in_month = [i for i in inspections if i.half_month.startswith(month)]
    return Cadence(
        group_id=group_id,
        month=month,
        half_months=halves,
        on_site_recorded=sum(h.on_site_recorded for h in halves),
        on_site_planned=sum(
            1 for i in in_month if i.status is InspectionStatus.PLANNED and i.on_site
        ),
        min_on_site=min_on_site,
        on_site_days=sum(
            i.result.days
            for i in in_month
            if i.on_site and i.result is not None and i.status is not InspectionStatus.PLANNED
        ),
    )

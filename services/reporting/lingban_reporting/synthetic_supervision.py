"""A generated supervision year as real contract events (tests and the benchmark).

Per township and half month one inspection of one of its villages; about a
fifth fail and open a rectification, most of which are submitted and
verified, some flagged overdue first. Problems come from visits and other
channels; about two thirds get resolved. Villages are visited in some months.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from lingban_contracts import Actor, Envelope, new_envelope
from lingban_contracts.base import EventData
from lingban_contracts.divisions import DivisionTree, Level, default_tree
from lingban_contracts.events import supervision as sv

ACTOR = Actor(id="synthetic", name="生成器")


class _Aggregate:
    def __init__(self, key: str, region: str) -> None:
        self.key, self.region, self.version = key, region, 0

    def emit(self, data: EventData, day: date) -> Envelope:
        self.version += 1
        return new_envelope(
            data=data,
            source_service="supervision",
            actor=ACTOR,
            region_code=self.region,
            aggregate_id=self.key,
            aggregate_version=self.version,
            time=datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
            + timedelta(seconds=self.version),
        )


def supervision_year_events(
    *, year: int = 2026, seed: int = 9, tree: DivisionTree | None = None, months: int = 12
) -> list[Envelope]:
    rnd = random.Random(seed)
    tree = tree or default_tree()
    city = next(u for u in tree if u.level is Level.CITY)
    out: list[Envelope] = []
    for township in [u for u in tree if u.level is Level.TOWNSHIP]:
        villages = [u.code for u in tree.children(township.code)]
        if not villages:
            continue
        group = uuid.UUID(int=rnd.getrandbits(128)).hex
        for month in range(1, months + 1):
            for half in (1, 2):
                day = date(year, month, 5 if half == 1 else 20)
                out += _inspection(rnd, year, group, city.code, township.code, villages, day, half)
            for village in villages:
                if rnd.random() < 0.6:
                    out += _visit(rnd, year, township.code, village, date(year, month, 10))
    return out


def _inspection(
    rnd: random.Random,
    year: int,
    group: str,
    region: str,
    township: str,
    villages: list[str],
    day: date,
    half: int,
) -> list[Envelope]:
    unit = rnd.choice(villages)
    agg = _Aggregate(uuid.UUID(int=rnd.getrandbits(128)).hex, unit)
    ids = {"inspection_id": agg.key, "group_id": group, "region_code": region, "year": year}
    half_month = f"{day.strftime('%Y-%m')}-H{half}"
    deducted = rnd.choice((0, 0, 0, 5, 10, 30, 45))
    passed = deducted < 30
    events = [
        agg.emit(
            sv.InspectionPlanned(
                **ids,
                half_month=half_month,
                planned_on=day,
                method=sv.InspectionMethod.ON_SITE,
                announced=True,
                on_site=True,
                unit_code=unit,
                township_code=township,
                project_id=None,
            ),
            day,
        ),
        agg.emit(
            sv.InspectionRecorded(
                **ids,
                half_month=half_month,
                unit_code=unit,
                township_code=township,
                project_id=None,
                method=sv.InspectionMethod.ON_SITE,
                announced=True,
                on_site=True,
                inspected_on=day,
                checklist=[sv.ChecklistScore(item="台账", max_points=100, deducted=deducted)],
                team_absent=False,
                max_score=100,
                deductions=deducted,
                score=100 - deducted,
                pass_mark=75,
                passed=passed,
                findings=["台账不全"] if deducted else [],
            ),
            day,
        ),
    ]
    if passed:
        return events
    rect = uuid.UUID(int=rnd.getrandbits(128)).hex
    deadline = day + timedelta(days=20)
    rids = {
        "rectification_id": rect,
        "inspection_id": agg.key,
        "group_id": group,
        "unit_code": unit,
        "township_code": township,
        "project_id": None,
        "year": year,
        "deadline": deadline,
    }
    events.append(
        agg.emit(
            sv.InspectionFailed(
                **{k: ids[k] for k in ids},
                unit_code=unit,
                township_code=township,
                project_id=None,
                inspected_on=day,
                score=100 - deducted,
                pass_mark=75,
                team_absent=False,
                failed_items=["台账"],
                rectification_id=rect,
                rectification_deadline=deadline,
            ),
            day,
        )
    )
    events.append(agg.emit(sv.RectificationOpened(**rids, items=["补齐台账"]), day))
    late = rnd.random() < 0.3
    if late:
        events.append(
            agg.emit(
                sv.RectificationOverdue(
                    **rids, status=sv.RectificationStatus.OPEN, detected_on=deadline
                ),
                deadline + timedelta(days=1),
            )
        )
    if rnd.random() < 0.8:
        done = deadline + timedelta(days=3 if late else -5)
        events.append(
            agg.emit(
                sv.RectificationSubmitted(
                    **rids, measures=["补齐"], narrative="已整改", submitted_on=done, late=late
                ),
                done,
            )
        )
        events.append(
            agg.emit(
                sv.RectificationVerified(
                    **rids, closed_on=done, on_time=not late, was_overdue=late
                ),
                done,
            )
        )
    return events


def _visit(rnd: random.Random, year: int, township: str, village: str, day: date) -> list[Envelope]:
    visit = _Aggregate(uuid.UUID(int=rnd.getrandbits(128)).hex, village)
    problems = [uuid.UUID(int=rnd.getrandbits(128)).hex for _ in range(rnd.choice((0, 0, 1, 2)))]
    events = [
        visit.emit(
            sv.VisitLogged(
                visit_id=visit.key,
                unit_code=village,
                township_code=township,
                year=year,
                month=day.strftime("%Y-%m"),
                visited_on=day,
                visitor="驻点领导",
                visitor_role=sv.VisitorRole.LEADER,
                team=["队员"],
                households=[sv.VisitedHousehold(kind=sv.HouseholdKind.PETITIONER)],
                households_visited=1,
                four_must_visits=[sv.HouseholdKind.PETITIONER],
                opinions=len(problems),
                problem_ids=problems,
            ),
            day,
        )
    ]
    for pid in problems:
        agg = _Aggregate(pid, village)
        common = {
            "problem_id": pid,
            "unit_code": village,
            "township_code": township,
            "project_id": None,
            "year": year,
            "source": sv.ProblemSource.RESIDENTS,
            "channel": sv.ProblemChannel.VISIT,
            "category": "民生服务",
            "level": sv.ProblemLevel.ORGANISATION,
        }
        events.append(
            agg.emit(
                sv.ProblemRegistered(
                    **common,
                    description="路灯不亮",
                    measures=["维修"],
                    status=sv.ProblemStatus.OPEN,
                    registered_on=day,
                    visit_id=visit.key,
                ),
                day,
            )
        )
        if rnd.random() < 0.66:
            events.append(
                agg.emit(
                    sv.ProblemResolved(
                        **common,
                        previous_status=sv.ProblemStatus.OPEN,
                        resolution="已修复",
                        resolved_on=day + timedelta(days=7),
                        registered_on=day,
                    ),
                    day + timedelta(days=7),
                )
            )
    return events

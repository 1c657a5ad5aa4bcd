"""`Annotated[..., Depends()]` aliases of the supervision service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lingban_contracts.divisions import DivisionTree, default_tree
from lingban_kit.clock import Clock
from lingban_kit.deps import DatabaseDep, RuntimeDep
from lingban_kit.files.store import FileStore
from lingban_kit.mongo import Database
from lingban_kit.unit_of_work import RelayWaker, no_relay
from lingban_supervision.assessment.wiring import (
    ASSESSMENTS_COLLECTION,
    MODEL_CASES_COLLECTION,
    assessment_commands,
)
from lingban_supervision.dispatch.service import MEETINGS_COLLECTION, TASKS_COLLECTION
from lingban_supervision.groups.domain import Group
from lingban_supervision.groups.service import GROUPS_COLLECTION, GroupCommands
from lingban_supervision.inspections.domain import Inspection
from lingban_supervision.inspections.service import (
    INSPECTIONS_COLLECTION,
    InspectionCommands,
    Rules,
)
from lingban_supervision.problems.domain import Problem
from lingban_supervision.problems.service import PROBLEMS_COLLECTION, ProblemCommands
from lingban_supervision.projects.inspectable import MongoInspectableProjects
from lingban_supervision.sampling.domain import Sample
from lingban_supervision.sampling.service import SAMPLES_COLLECTION, SampleCommands
from lingban_supervision.settings import SupervisionSettings
from lingban_supervision.stationing.domain import Roster, StationedMonth
from lingban_supervision.stationing.service import (
    ROSTERS_COLLECTION,
    STATIONED_MONTHS_COLLECTION,
    RosterCommands,
)
from lingban_supervision.store import MongoStore
from lingban_supervision.visits.domain import Visit
from lingban_supervision.visits.service import VISITS_COLLECTION, VisitCommands

OUTBOX_COLLECTIONS = (
    GROUPS_COLLECTION,
    SAMPLES_COLLECTION,
    INSPECTIONS_COLLECTION,
    PROBLEMS_COLLECTION,
    VISITS_COLLECTION,
    MEETINGS_COLLECTION,
    TASKS_COLLECTION,
    ROSTERS_COLLECTION,
    STATIONED_MONTHS_COLLECTION,
    ASSESSMENTS_COLLECTION,
    MODEL_CASES_COLLECTION,
)


class Commands:
    """Every use case of the service, built on one database."""

    def __init__(
        self,
        db: Database,
        settings: SupervisionSettings,
        clock: Clock,
        tree: DivisionTree,
        wake_relay: RelayWaker = no_relay,
    ) -> None:
        # Every use case writes through the kit's UnitOfWork, which wakes the relay for
        # the document it wrote: route handlers never touch the relay.
        groups = MongoStore(db, GROUPS_COLLECTION, Group)
        samples = MongoStore(db, SAMPLES_COLLECTION, Sample)
        inspections = MongoStore(db, INSPECTIONS_COLLECTION, Inspection)
        problems = MongoStore(db, PROBLEMS_COLLECTION, Problem)
        inspectable = MongoInspectableProjects(db)
        self.groups = GroupCommands(groups, tree, clock, wake_relay)
        self.assessments, self.model_cases = assessment_commands(db, tree, clock, wake_relay)
        self.samples = SampleCommands(samples, groups, inspections, inspectable, clock, wake_relay)
        self.inspections = InspectionCommands(
            inspections,
            groups,
            samples,
            inspectable,
            tree,
            clock,
            Rules(settings.pass_mark, settings.rectification_days, settings.min_on_site_per_month),
            files=FileStore(db),
            max_record_bytes=settings.file_max_record_bytes,
            wake_relay=wake_relay,
        )
        self.problems = ProblemCommands(
            problems,
            tree,
            clock,
            settings.problem_categories,
            files=FileStore(db),
            max_record_bytes=settings.file_max_record_bytes,
            projects=inspectable,
            inspections=inspections,
            wake_relay=wake_relay,
        )
        self.visits = VisitCommands(
            MongoStore(db, VISITS_COLLECTION, Visit),
            problems,
            tree,
            clock,
            settings.problem_categories,
            files=FileStore(db),
            max_record_bytes=settings.file_max_record_bytes,
            rosters=MongoStore(db, ROSTERS_COLLECTION, Roster),
            wake_relay=wake_relay,
        )
        self.rosters = RosterCommands(
            MongoStore(db, ROSTERS_COLLECTION, Roster),
            MongoStore(db, STATIONED_MONTHS_COLLECTION, StationedMonth),
            tree,
            clock,
            settings.residence_min_days_per_month,
            settings.residence_min_working_days_per_week,
            wake_relay,
        )


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_commands(
    db: DatabaseDep, runtime: RuntimeDep, clock: Annotated[Clock, Depends(get_clock)]
) -> Commands:
    settings = runtime.settings
    assert isinstance(settings, SupervisionSettings)
    return Commands(db, settings, clock, default_tree(), runtime.wake_relay)


CommandsDep = Annotated[Commands, Depends(get_commands)]
ClockDep = Annotated[Clock, Depends(get_clock)]

"""The assessment's use cases built on one database (`deps.Commands` holds them)."""

from __future__ import annotations

from lingban_contracts.divisions import DivisionTree
from lingban_kit.clock import Clock
from lingban_kit.mongo import Database
from lingban_kit.unit_of_work import RelayWaker, no_relay
from lingban_supervision.assessment.cases import ModelCase
from lingban_supervision.assessment.domain import Assessment
from lingban_supervision.assessment.facts import MongoRecords
from lingban_supervision.assessment.service import (
    ASSESSMENTS_COLLECTION,
    MODEL_CASES_COLLECTION,
    AssessmentCommands,
    ModelCaseCommands,
)
from lingban_supervision.inspections.domain import Inspection
from lingban_supervision.inspections.service import INSPECTIONS_COLLECTION
from lingban_supervision.stationing.domain import Roster
from lingban_supervision.stationing.service import ROSTERS_COLLECTION
from lingban_supervision.store import MongoStore
from lingban_supervision.visits.domain import Visit
from lingban_supervision.visits.service import VISITS_COLLECTION

__all__ = ["ASSESSMENTS_COLLECTION", "MODEL_CASES_COLLECTION", "assessment_commands"]


def assessment_commands(
    db: Database, tree: DivisionTree, clock: Clock, wake_relay: RelayWaker = no_relay
) -> tuple[AssessmentCommands, ModelCaseCommands]:
    records = MongoRecords(
        db,
        MongoStore(db, INSPECTIONS_COLLECTION, Inspection),
        MongoStore(db, VISITS_COLLECTION, Visit),
        MongoStore(db, ROSTERS_COLLECTION, Roster),
        tree,
    )
    return (
        AssessmentCommands(
            MongoStore(db, ASSESSMENTS_COLLECTION, Assessment), records, tree, clock, wake_relay
        ),
        ModelCaseCommands(
            MongoStore(db, MODEL_CASES_COLLECTION, ModelCase), records, tree, clock, wake_relay
        ),
    )

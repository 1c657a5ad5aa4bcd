"""What the service consumes: project events (the inspectable pool) and its own
`visit-logged` events (opinions raised on a visit enter the problem list)."""

from __future__ import annotations

from lingban_contracts import Envelope
from lingban_contracts.divisions import default_tree
from lingban_contracts.events import supervision as sev
from lingban_contracts.registry import event_type
from lingban_kit import divisions
from lingban_kit.clock import Clock
from lingban_kit.consumer import HandlerTable
from lingban_kit.mongo import Database
from lingban_kit.unit_of_work import RelayWaker, no_relay
from lingban_supervision.problems.domain import Problem
from lingban_supervision.problems.service import PROBLEMS_COLLECTION
from lingban_supervision.projects.inspectable import project_handlers
from lingban_supervision.store import MongoStore
from lingban_supervision.visits.domain import Visit
from lingban_supervision.visits.service import VISITS_COLLECTION, VisitCommands


def handlers(db: Database, wake_relay: RelayWaker = no_relay) -> HandlerTable:
    # The problems a visit's opinions raise leave at once: the handler wakes the relay
    # like a command does, instead of leaving them to its next poll.
    visits = VisitCommands(
        MongoStore(db, VISITS_COLLECTION, Visit),
        MongoStore(db, PROBLEMS_COLLECTION, Problem),
        default_tree(),
        Clock(),
        (),
        wake_relay=wake_relay,
    )

    async def on_visit_logged(event: Envelope) -> None:
        await visits.register_problems(event)

    return {
        **project_handlers(db),
        event_type(sev.VisitLogged): on_visit_logged,
        **divisions.handlers(db),
    }

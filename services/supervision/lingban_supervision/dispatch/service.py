"""Use cases of dispatch: hold a meeting, assign, report back, close, send back, list;
the periodic overdue check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pymongo import ASCENDING

from lingban_contracts.attachments import Attachment
from lingban_contracts.divisions import DivisionTree, Unit
from lingban_contracts.events.dispatch import DispatchLevel, TaskStatus
from lingban_kit.auth import Principal
from lingban_kit.clock import LOCAL_ZONE, Clock, FixedClock
from lingban_kit.errors import Conflict
from lingban_kit.files.attach import file_ids, resolve
from lingban_kit.files.store import FileStore
from lingban_kit.idempotency import new_id
from lingban_kit.leases import database_time
from lingban_kit.logging import correlation_id
from lingban_kit.mongo import Collection, Database
from lingban_kit.regions import REGION_PATH
from lingban_kit.unit_of_work import RelayWaker, UnitOfWork, no_relay
from lingban_supervision.access import not_found, unit_or_invalid
from lingban_supervision.aggregate import SYSTEM_ACTOR, township_code
from lingban_supervision.dispatch.access import (
    can_read_meeting,
    can_read_task,
    department_only,
    require_assigner_side,
    require_holder,
    require_reporter,
)
from lingban_supervision.dispatch.domain import Meeting, Minutes, Task
from lingban_supervision.settings import SupervisionSettings
from lingban_supervision.store import AggregateStore, Criteria, MongoStore

MEETINGS_COLLECTION = "dispatch_meetings"
TASKS_COLLECTION = "dispatch_tasks"
# Every task still waiting for its unit's report; the overdue check tests the dates.
WAITING_TASKS = Criteria(equal={"status": TaskStatus.ASSIGNED.value})
LIST_LIMIT = 5000
# The indexes of the queries above (`indexes.py` creates them at start): the lists by
# region subtree, the meetings a unit attended, a meeting's tasks, a member department's
# tasks (its staff's list and the `department` filter), the overdue check.
DISPATCH_INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    MEETINGS_COLLECTION: [
        [(REGION_PATH, ASCENDING), ("year", ASCENDING), ("month", ASCENDING)],
        [("attending_units", ASCENDING), ("year", ASCENDING), ("month", ASCENDING)],
    ],
    TASKS_COLLECTION: [
        [(REGION_PATH, ASCENDING), ("year", ASCENDING), ("status", ASCENDING)],
        [("meeting_id", ASCENDING), ("status", ASCENDING)],
        [("department", ASCENDING), ("year", ASCENDING), ("status", ASCENDING)],
        [("status", ASCENDING)],
    ],
}


def meeting_criteria(region: str, *, year: int | None, month: str | None) -> Criteria:
    equal: dict[str, object] = {}
    for key, value in (("year", year), ("month", month)):
        if value is not None:
            equal[key] = value
    return Criteria(equal=equal, within=region)


def attended_criteria(unit_code: str, *, year: int | None, month: str | None) -> Criteria:
    """Meetings above the unit that it attended (an equality on the array: "contains")."""
    found = meeting_criteria(unit_code, year=year, month=month)
    return Criteria(equal={**found.equal, "attending_units": unit_code})


def task_criteria(
    region: str,
    *,
    year: int | None = None,
    status: TaskStatus | None = None,
    meeting_id: str | None = None,
    department: str | None = None,
) -> Criteria:
    """A region subtree's tasks, narrowed by year, state, meeting or member department."""
    equal: dict[str, object] = {}
    narrowing = (
        ("year", year),
        ("status", status),
        ("meeting_id", meeting_id),
        ("department", department),
    )
    for key, value in narrowing:
        if value is not None:
            equal[key] = value.value if isinstance(value, TaskStatus) else value
    return Criteria(equal=equal, within=region)


async def checks_now(clock: Clock, collection: Collection) -> datetime:
    """When the overdue check runs: on the database server's clock (R12), so a replica
    whose clock runs ahead does not flag tasks early. A fixed clock (tests, simulations)
    stands for every clock, the database's included."""
    if isinstance(clock, FixedClock):
        return clock.now()
    return await database_time(collection)


@dataclass(frozen=True)
class TaskOrder:
    """What an assignment says: to whom, what, who answers for it, by when."""

    unit_code: str
    content: str
    owner: str
    deadline: date
    # A city member department (成员单位) the task goes to; `unit_code` is then the city.
    department: str | None = None


@dataclass
class DispatchCommands:
    meetings: AggregateStore[Meeting]
    tasks: AggregateStore[Task]
    tree: DivisionTree
    clock: Clock
    # Where uploaded files live (None in tests without a database); see docs/files.md.
    files: FileStore | None = None
    max_record_bytes: int = 100 * 1024 * 1024
    wake_relay: RelayWaker = no_relay

    @property
    def meeting_uow(self) -> UnitOfWork[Meeting]:
        return UnitOfWork(self.meetings, self.wake_relay, "调度会", "meeting")

    @property
    def task_uow(self) -> UnitOfWork[Task]:
        return UnitOfWork(self.tasks, self.wake_relay, "交办事项", "task")

    # ---- meetings --------------------------------------------------------------
    async def hold(
        self,
        principal: Principal,
        level: DispatchLevel,
        region_code: str,
        held_on: date,
        minutes: Minutes,
    ) -> Meeting:
        region = unit_or_invalid(self.tree, region_code, "region_code")
        require_holder(principal, region)
        for attendee in minutes.attendees:
            if attendee.unit_code:
                unit_or_invalid(self.tree, attendee.unit_code, "attendees")
        meeting = Meeting.hold(
            meeting_id=new_id(),  # from the Idempotency-Key, when there is one
            level=level,
            region=region,
            township_code=township_code(self.tree, region.code),
            held_on=held_on,
            minutes=minutes,
            today=self.clock.today(),
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
        )
        # A retry after a lost answer is answered with the stored meeting.
        return await self.meeting_uow.create(meeting)

    async def meeting(self, principal: Principal, meeting_id: str) -> Meeting:
        meeting = await self.meetings.get(meeting_id)
        if meeting is None or not can_read_meeting(principal, meeting):
            raise not_found("调度会", "Dispatch meeting", meeting_id)
        return meeting

    async def list_meetings(
        self,
        principal: Principal,
        region: str | None,
        *,
        year: int | None,
        month: str | None,
    ) -> list[Meeting]:
        """The meetings of a region subtree; without a region, the caller's own and the
        ones above it that the caller's unit attended. The earliest first."""
        if region is not None:
            principal.require_jurisdiction(region)
            criteria = [meeting_criteria(region, year=year, month=month)]
        else:
            own = principal.region_code
            criteria = [
                meeting_criteria(own, year=year, month=month),
                attended_criteria(own, year=year, month=month),
            ]
        found: dict[str, Meeting] = {}
        for c in criteria:
            for m in await self.meetings.find(c, sort="held_on", limit=LIST_LIMIT):
                found[m.id] = m
        return sorted(found.values(), key=lambda m: (m.held_on, m.id))

    # ---- tasks -----------------------------------------------------------------
    async def assign(self, principal: Principal, meeting_id: str | None, order: TaskOrder) -> Task:
        """A task of a meeting (the meeting's region assigns) or a direct one (the caller's)."""
        # A meeting's tasks are assigned on the day it was held; a direct one today.
        if meeting_id is not None:
            meeting = await self.meeting(principal, meeting_id)
            assigner, assigned_on = self._unit(meeting.region_code), meeting.held_on
        else:
            assigner, assigned_on = self._unit(principal.region_code), self.clock.today()
        require_holder(principal, assigner)
        unit_or_invalid(self.tree, order.unit_code)
        # A unit outside the caller's jurisdiction is refused by name (403), before the
        # domain's rule that it must lie below the assigner (422).
        principal.require_jurisdiction(order.unit_code)
        task = Task.assign(
            task_id=new_id(),  # as the meeting's
            meeting_id=meeting_id,
            assigner_code=assigner.code,
            unit_code=order.unit_code,
            township_code=township_code(self.tree, order.unit_code),
            content=order.content,
            owner=order.owner,
            deadline=order.deadline,
            assigned_on=assigned_on,
            actor=principal.actor,
            now=self.clock.now(),
            correlation_id=correlation_id.get(),
            department=order.department,
            assigner_level=assigner.level,
        )
        return await self.task_uow.create(task)

    async def task(self, principal: Principal, task_id: str) -> Task:
        task = await self.tasks.get(task_id)
        if task is None or not can_read_task(principal, task):
            raise not_found("交办事项", "Assigned task", task_id)
        return task

    async def report(
        self,
        principal: Principal,
        task_id: str,
        text: str,
        expected: int | None,
        attachments: tuple[Attachment, ...] = (),
    ) -> Task:
        task = await self.task(principal, task_id)
        require_reporter(principal, task)
        attachments = await self._attachments(principal, attachments, task_id)
        await self.task_uow.change(
            task,
            expected,
            lambda t: t.report(
                text, self.clock.today(), principal.actor, self.clock.now(), attachments
            ),
        )
        if self.files is not None:
            await self.files.attach(file_ids(list(attachments)), task.id, task.unit_code)
        return task

    async def close(
        self, principal: Principal, task_id: str, comment: str | None, expected: int | None
    ) -> Task:
        task = await self.task(principal, task_id)
        require_assigner_side(principal, self._unit(task.assigner_code))
        return await self.task_uow.change(
            task,
            expected,
            lambda t: t.close(comment, self.clock.today(), principal.actor, self.clock.now()),
        )

    async def send_back(
        self,
        principal: Principal,
        task_id: str,
        reasons: list[str],
        deadline: date | None,
        expected: int | None,
    ) -> Task:
        task = await self.task(principal, task_id)
        require_assigner_side(principal, self._unit(task.assigner_code))
        return await self.task_uow.change(
            task,
            expected,
            lambda t: t.send_back(
                reasons, deadline, self.clock.today(), principal.actor, self.clock.now()
            ),
        )

    async def list_tasks(
        self,
        principal: Principal,
        region: str | None,
        *,
        year: int | None = None,
        status: TaskStatus | None = None,
        meeting_id: str | None = None,
        department: str | None = None,
    ) -> list[Task]:
        """Tasks of units in a region subtree, or of one meeting (those the caller may
        read), the earliest deadline first; `department` keeps one member department's."""
        if meeting_id is not None:
            meeting = await self.meeting(principal, meeting_id)
            criteria = task_criteria(
                meeting.region_code,
                year=year,
                status=status,
                meeting_id=meeting_id,
                department=department,
            )
            found = await self.tasks.find(criteria, sort="deadline", limit=LIST_LIMIT)
            return [t for t in found if can_read_task(principal, t)]
        root = region or principal.region_code
        principal.require_jurisdiction(root)
        own = department_only(principal)
        if own is not None:
            # A member department's staff list their department's tasks only.
            if department is not None and department != own:
                return []
            department = own
        criteria = task_criteria(root, year=year, status=status, department=department)
        return await self.tasks.find(criteria, sort="deadline", limit=LIST_LIMIT)

    # ---- the periodic check --------------------------------------------------------
    async def run_checks(self, now: datetime) -> list[str]:
        """Flag tasks still waiting for their report past the deadline (once per deadline);
        `now` is on the database's clock (`checks_now`). Returns the ids flagged."""
        today = now.astimezone(LOCAL_ZONE).date()
        flagged: list[str] = []
        # Every waiting task, however many (no cap); `detect_overdue` tests the date.
        for task in await self.tasks.find(WAITING_TASKS):
            loaded = task.version
            if task.detect_overdue(today, SYSTEM_ACTOR, now):
                try:
                    await self.tasks.save(task, loaded)
                    self.wake_relay(self.tasks.collection_name, task.id)
                except Conflict:
                    continue  # changed meanwhile (reported?): the next run looks again
                flagged.append(task.id)
        return flagged

    # ---- helpers -----------------------------------------------------------------------
    def _unit(self, code: str) -> Unit:
        return unit_or_invalid(self.tree, code, "region_code")

    async def _attachments(
        self, principal: Principal, refs: tuple[Attachment, ...], task_id: str
    ) -> tuple[Attachment, ...]:
        if self.files is None or not refs:
            return refs
        return await resolve(
            self.files, principal, refs, record_id=task_id, max_record_bytes=self.max_record_bytes
        )


def dispatch_commands(
    db: Database,
    settings: SupervisionSettings,
    clock: Clock,
    tree: DivisionTree,
    wake_relay: RelayWaker = no_relay,
) -> DispatchCommands:
    return DispatchCommands(
        MongoStore(db, MEETINGS_COLLECTION, Meeting),
        MongoStore(db, TASKS_COLLECTION, Task),
        tree,
        clock,
        files=FileStore(db),
        max_record_bytes=settings.file_max_record_bytes,
        wake_relay=wake_relay,
    )

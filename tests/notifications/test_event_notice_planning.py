"""An event's notices are inserted without asking first which keys exist (fakes):
the insert alone keeps a redelivered event's notices to one copy each."""

from __future__ import annotations

from lingban_contracts.divisions import default_tree
from lingban_notifications.rules.loader import load_rules
from lingban_notifications.rules.model import Kind
from lingban_notifications.scheduling.evaluate import Evaluator
from lingban_notifications.scheduling.planner import Planner
from tests.notifications.builders import VILLAGE, directory, local
from tests.notifications.fakes import FakeNotificationRepository


class CountingRepository(FakeNotificationRepository):
    def __init__(self) -> None:
        super().__init__()
        self.look_ups = 0

    async def existing_keys(self, keys: list[str]) -> set[str]:
        self.look_ups += 1
        return await super().existing_keys(keys)


async def test_notices_go_in_without_a_look_up_and_a_redelivery_adds_none() -> None:
    rules = load_rules()
    evaluator = Evaluator(rules, default_tree(), directory())
    rule = next(r for r in rules.enabled(Kind.EVENT_NOTICE) if r.id == "project-returned")
    values = {"project_title": "助餐服务", "comment": "请补充"}
    intents = evaluator.intents_for(rule, "project", "p1", VILLAGE, "p1@v3", values, "/p/p1")
    assert intents
    now = local(2026, 4, 10, 10)

    repo = CountingRepository()
    first = await Planner(repo, "https://x").create(intents, now, look_up=False)
    assert [n.dedupe_key for n in first] == [i.dedupe_key for i in intents]
    # Redelivered to another replica (which has seen no key): refused by the insert.
    again = await Planner(repo, "https://x").create(intents, now, look_up=False)
    assert again == []
    assert len(repo.items) == len(intents)
    assert repo.look_ups == 0
    # The scheduler's path still asks first.
    await Planner(repo, "https://x").create(intents, now)
    assert repo.look_ups == 1

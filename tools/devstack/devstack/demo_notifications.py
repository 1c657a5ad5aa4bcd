"""Notifications demo data for `make up`, loaded through the service's public HTTP API.

The contact directory derived from the demo division tree (every unit's
secretary and task force, every township's staff, five member departments of
the city; inbox only, so nothing leaves the machine), and the service's
own scheduler (every `TICK_SECONDS`, first at start) fills the inboxes with
today's cards, reminders and warnings for the demo projects and
rectifications. The rules are the bundled
`default_rules.yaml`. Idempotent: an existing directory is left as it is.
"""

from __future__ import annotations

from devstack.demo import Api
from lingban_contracts.divisions import Level, default_tree
from lingban_kit.auth import DEV_JWT_SECRET, Role
from lingban_notifications.directory.demo import demo_directory

BATCH = 200


def seed(service_urls: dict[str, str], secret: str = DEV_JWT_SECRET) -> int:
    """Store the demo directory unless one exists; returns how many contacts it stored."""
    api = Api(service_urls["notifications"], secret)
    tree = default_tree()
    city = next(u for u in tree if u.level is Level.CITY)
    org = api.token(Role.CITY_ORG, city.code)
    stored = 0
    if not api.call("GET", "/v1/contacts?limit=1", org):
        entries = [r.model_dump(mode="json") for r in demo_directory(tree)]
        for start in range(0, len(entries), BATCH):
            stored += api.call("PUT", "/v1/contacts", org, entries[start : start + BATCH])["stored"]
    return stored

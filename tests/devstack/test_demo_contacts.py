"""The contacts part stores exactly the contacts the directory is missing."""

from __future__ import annotations

from devstack.demo_notifications import load_contacts
from lingban_contracts.divisions import default_tree
from lingban_notifications.directory.demo import demo_directory
from tests.devstack.fakes import FakeContactsApi

TREE = default_tree()
WANTED = [r.id for r in demo_directory(TREE)]


def stored_by_puts(api: FakeContactsApi) -> list[str]:
    return sorted(c["id"] for body in api.put_bodies for c in body)


def test_an_empty_directory_gets_every_contact_in_batches() -> None:
    api = FakeContactsApi()

    result = load_contacts(api, TREE)

    assert (result.added, result.found) == (len(WANTED), 0)
    assert sorted(api.contacts) == sorted(WANTED)
    assert max(len(body) for body in api.put_bodies) <= 50


def test_only_the_missing_contacts_are_stored_again() -> None:
    api = FakeContactsApi()
    load_contacts(api, TREE)
    deleted = WANTED[::97]  # a few, from all over the listing's pages (it has more than 500)
    for contact_id in deleted:
        del api.contacts[contact_id]
    edited = WANTED[1]
    api.contacts[edited] = {**api.contacts[edited], "name": "改过的名字"}
    api.put_bodies.clear()

    result = load_contacts(api, TREE)

    assert (result.added, result.found) == (len(deleted), len(WANTED) - len(deleted))
    assert stored_by_puts(api) == sorted(deleted)
    assert api.contacts[edited]["name"] == "改过的名字"  # found contacts are left as they are


def test_a_complete_directory_gets_no_write() -> None:
    api = FakeContactsApi()
    load_contacts(api, TREE)
    api.put_bodies.clear()

    result = load_contacts(api, TREE)

    assert (result.added, result.found) == (0, len(WANTED))
    assert api.put_bodies == []
    assert api.writes() == [("PUT", "/v1/contacts")] * len(api.writes())

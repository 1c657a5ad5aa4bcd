from __future__ import annotations

import pytest

from lingban_contracts import REGISTRY
from lingban_contracts.regions import in_subtree, region_prefix


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("340000000000", "34"),
        ("340800000000", "3408"),
        ("340881000000", "340881"),
        ("340881100000", "340881100"),
        ("340881100201", "340881100201"),
    ],
)
def test_region_prefix_per_level(code: str, prefix: str) -> None:
    assert region_prefix(code) == prefix


def test_subtree_membership() -> None:
    assert in_subtree("340881100201", "340881000000")
    assert in_subtree("340881100201", "340881100000")
    assert not in_subtree("340881101201", "340881100000")
    assert not in_subtree("340881000000", "340881100000")


def test_every_event_type_follows_the_naming_rule() -> None:
    for spec in REGISTRY:
        service, name, version = spec.type.split(".")[1:]
        assert spec.type.startswith("lingban.")
        assert spec.topic.producer == service
        assert name == spec.name
        assert version == f"v{spec.version}"

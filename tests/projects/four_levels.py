"""A city with districts (市 → 区县 → 乡镇街道 → 村社区) for the division-tree tests.

Its codes are outside the demo tree on purpose: the tests that change it publish
division events on the shared test topic, and every other test's in-process
service applies them to its own copy; below 安庆市 (3408) those units find no
parent in the demo tree and stay out of it (lingban_kit.divisions.placeable).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lingban_contracts.divisions import default_tree, load_tree, tree_file

CITY, DISTRICT, OTHER_DISTRICT = "340800000000", "340803000000", "340811000000"
TOWNSHIP, VILLAGE = "340803100000", "340803100201"
OTHER_TOWNSHIP = "340811100000"
UNITS = [
    {"code": CITY, "name": "安庆市", "level": "city", "parent": None, "secretary": "甲"},
    {"code": DISTRICT, "name": "大观区", "level": "district", "parent": CITY, "secretary": "乙"},
    {"code": OTHER_DISTRICT, "name": "宜秀区", "level": "district", "parent": CITY},
    {"code": TOWNSHIP, "name": "海口镇", "level": "township", "parent": DISTRICT},
    {"code": VILLAGE, "name": "海口村", "level": "village", "parent": TOWNSHIP, "secretary": "丁"},
    {"code": "340803100202", "name": "长风村", "level": "village", "parent": TOWNSHIP},
    {"code": OTHER_TOWNSHIP, "name": "杨桥镇", "level": "township", "parent": OTHER_DISTRICT},
]


@pytest.fixture
def four_level_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """LINGBAN_DIVISIONS_FILE names the four-level tree while the test runs."""
    path = tmp_path / "divisions.json"
    path.write_text(json.dumps({"units": UNITS}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("LINGBAN_DIVISIONS_FILE", str(path))
    yield path
    # The in-process tree is shared by every test in this process: give it back.
    monkeypatch.undo()
    default_tree().replace(load_tree(tree_file()).all_units())

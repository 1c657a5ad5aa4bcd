"""A running FerretDB started before its binary was rebuilt is restarted by the next
`make up` / test run, so a fix to infra/ferretdb reaches an existing checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devstack import mongo, paths
from devstack.processes import ProcessRecord


@pytest.fixture
def binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(paths, "cache_dir", lambda: tmp_path)
    built = tmp_path / "bin" / mongo.FERRETDB_BINARY
    built.parent.mkdir()
    built.write_bytes(b"")
    os.utime(built, (1_000.0, 1_000.0))
    monkeypatch.setattr(mongo, "ensure_ferretdb_binary", lambda: built)
    return built


def record(argv0: str, started_at: float) -> ProcessRecord:
    return ProcessRecord(
        name=mongo.NAME, pid=1, argv=(argv0, "-listen-addr", "127.0.0.1:1"), port=1,
        started_at=started_at, title=None,
    )  # fmt: skip


def test_a_server_started_before_the_build_is_outdated(binary: Path) -> None:
    assert mongo.older_than_its_build(record(str(binary), started_at=999.0))


def test_a_server_started_after_the_build_is_kept(binary: Path) -> None:
    assert not mongo.older_than_its_build(record(str(binary), started_at=1_001.0))


def test_a_mongod_is_never_restarted_for_it(binary: Path) -> None:
    assert not mongo.older_than_its_build(record("/usr/bin/mongod", started_at=1.0))

"""A running FerretDB started before its binary was rebuilt is restarted by the next
`make up` / test run, so a fix to infra/ferretdb reaches an existing checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devstack import commands, mongo, paths
from devstack.processes import ProcessRecord


@pytest.fixture
def binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(paths, "cache_dir", lambda: tmp_path)
    built = tmp_path / "bin" / mongo.FERRETDB_BINARY
    built.parent.mkdir()
    built.write_bytes(b"")
    os.utime(built, (1_000.0, 1_000.0))
    monkeypatch.setattr(mongo, "ensure_ferretdb_binary", lambda backend=None: built)
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


def test_each_backend_has_its_own_binary() -> None:
    postgresql = mongo._ferretdb_binary("postgresql")
    sqlite = mongo._ferretdb_binary("sqlite")
    assert postgresql.name == mongo.FERRETDB_BINARY
    assert sqlite != postgresql
    # Only the PostgreSQL build leaves the SQLite backend (and its modules) out.
    assert "-tags=ferretdb_no_sqlite" in mongo.go_flags("postgresql")
    assert "-tags=ferretdb_no_sqlite" not in mongo.go_flags("sqlite")


def test_a_binary_of_an_older_recipe_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout whose binary predates a change to how it is built gets a new one,
    although no file under infra/ferretdb changed."""
    monkeypatch.setattr(paths, "cache_dir", lambda: tmp_path)
    built: list[list[str]] = []

    def build(argv: list[str], **_: object) -> None:
        built.append(argv)
        Path(argv[argv.index("-o") + 1]).write_bytes(b"new")

    monkeypatch.setattr(commands, "require_tool", lambda *_: "go")
    monkeypatch.setattr(mongo, "_prepare_build", lambda *_: tmp_path)
    monkeypatch.setattr(commands, "run_build", build)
    binary = mongo._ferretdb_binary("postgresql")
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"old")  # newer than every source, but of no known recipe

    assert mongo.ensure_ferretdb_binary("postgresql").read_bytes() == b"new"
    assert len(built) == 1
    # Built once: the next call finds it current.
    assert mongo.ensure_ferretdb_binary("postgresql").read_bytes() == b"new"
    assert len(built) == 1

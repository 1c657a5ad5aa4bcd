"""`make up` restarts a running service whose code (or the shared libraries') changed
since it started, so a pull or an edit is what runs; an unchanged one is reused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devstack import paths, services

SPEC = services.ServiceSpec(name="projects", module="lingban_projects", port=1)


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(paths, "repo_root", lambda: tmp_path)
    for source in (
        tmp_path / "services" / "projects" / "lingban_projects" / "api.py",
        tmp_path / "services" / "reporting" / "lingban_reporting" / "api.py",
        tmp_path / "libs" / "kit" / "lingban_kit" / "outbox.py",
    ):
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text("")
        os.utime(source, (1_000.0, 1_000.0))
    return tmp_path


def test_unchanged_code_keeps_the_running_service(checkout: Path) -> None:
    assert not services.sources_changed_since(SPEC, started_at=1_001.0)


def test_a_changed_file_of_the_service_restarts_it(checkout: Path) -> None:
    os.utime(checkout / "services/projects/lingban_projects/api.py", (1_002.0, 1_002.0))
    assert services.sources_changed_since(SPEC, started_at=1_001.0)


def test_a_changed_shared_library_restarts_it(checkout: Path) -> None:
    os.utime(checkout / "libs/kit/lingban_kit/outbox.py", (1_002.0, 1_002.0))
    assert services.sources_changed_since(SPEC, started_at=1_001.0)


def test_another_services_change_does_not(checkout: Path) -> None:
    os.utime(checkout / "services/reporting/lingban_reporting/api.py", (1_002.0, 1_002.0))
    assert not services.sources_changed_since(SPEC, started_at=1_001.0)

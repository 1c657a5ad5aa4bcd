"""Our patches to FerretDB pass FerretDB's own tests of the packages they change.

devstack builds FerretDB from the vendored module with `infra/ferretdb/patches`
applied, where no test file is kept. Here the full module (tests included, as
the Go module proxy serves it) is patched the same way and `go test` runs the
changed packages: FerretDB's sjson tests (every BSON type round-tripped through
the JSON PostgreSQL stores) and our differential test of the single-pass
decoding against encoding/json (`fast_test.go`, its seed corpus).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from devstack import mongo, paths

# The packages the patches change, besides those the integration tests exercise
# through the built server (0001, 0002: tests/kit).
PATCHED_PACKAGES = ("./internal/handler/sjson/", "./internal/util/resource/")


def ferretdb_version() -> str:
    go_mod = (paths.infra_dir() / "ferretdb" / "go.mod").read_text()
    found = re.search(r"github\.com/FerretDB/FerretDB (v\S+)", go_mod)
    assert found, "infra/ferretdb/go.mod names no FerretDB version"
    return found.group(1)


@pytest.fixture(scope="module")
def go() -> str:
    found = shutil.which("go")
    if found is None and shutil.which("mongod"):
        pytest.skip("a mongod is on PATH: FerretDB is neither built nor used here")
    assert found, "Go is needed to build FerretDB (README: What each command needs)"
    return found


@pytest.fixture(scope="module")
def patched_module(go: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = {**os.environ, "CGO_ENABLED": "0"}
    download = subprocess.run(
        [go, "mod", "download", "-json", f"github.com/FerretDB/FerretDB@{ferretdb_version()}"],
        capture_output=True, text=True, env=env, cwd=tmp_path_factory.mktemp("dl"), check=True,
    )  # fmt: skip
    source = Path(re.search(r'"Dir": "([^"]+)"', download.stdout).group(1))  # type: ignore[union-attr]
    module = tmp_path_factory.mktemp("ferretdb") / "module"
    shutil.copytree(source, module)
    for path in module.rglob("*"):  # the module cache is read-only
        path.chmod(path.stat().st_mode | 0o200)
    mongo._apply_patches(module)
    # FerretDB's test helpers find the module's root by its .git folder.
    subprocess.run(["git", "init", "-q", str(module)], check=True)
    return module


@pytest.mark.timeout(900)
def test_the_patched_packages_pass_ferretdbs_tests_and_ours(go: str, patched_module: Path) -> None:
    assert (patched_module / "internal/handler/sjson/fast_test.go").is_file()
    result = subprocess.run(
        [go, "test", "-count=1", *PATCHED_PACKAGES],
        capture_output=True, text=True, cwd=patched_module,
        env={**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert re.search(r"^ok\s+\S+/internal/handler/sjson", result.stdout, re.M), result.stdout

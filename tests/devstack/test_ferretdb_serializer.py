"""The Go unit tests of our FerretDB wrapper's write serializer (infra/ferretdb/*_test.go).

What decides which writes may run side by side (write_keys.go) and the locks
that enforce it (write_locks.go) are tested in Go, in the same build devstack
makes; the end-to-end guarantee is checked on the running server by
tests/kit/test_mongo_guards_and_leases.py. Only where devstack builds FerretDB
(no `mongod` on PATH): a real MongoDB has no serializer to test.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from devstack import mongo

pytestmark = pytest.mark.skipif(
    shutil.which("mongod") is not None, reason="a real mongod is used: no FerretDB wrapper"
)


def test_the_write_serializer_go_tests_pass() -> None:
    mongo.ensure_ferretdb_binary("postgresql")  # (re)builds the folder when sources changed
    go = shutil.which("go")
    assert go is not None, "Go is needed to build FerretDB, so it is on PATH here"
    result = subprocess.run(
        [go, "test", *mongo.go_flags("postgresql"), "-count=1", "."],
        cwd=mongo.ferretdb_build_dir(),
        env=mongo.go_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

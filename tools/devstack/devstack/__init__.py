"""Provision and run the real servers Lingban needs on 127.0.0.1, without Docker.

Kafka 4.1 (KRaft, single node) runs from jars Maven fetches from Maven Central;
the MongoDB-wire database is `mongod` when it is on PATH, otherwise FerretDB 1.24
(SQLite backend) built with Go from the Go module proxy. Everything is cached
under the git-ignored `.devstack/` folder at the repo root, so only the first
start downloads or builds anything.

Entry points: `devstack.infra.ensure_infra` / `stop_infra` (used by the test
fixtures), `devstack.services` and the `python -m devstack` command line.
Standard library only: it must run before any project dependency is installed.
"""

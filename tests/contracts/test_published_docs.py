"""The committed JSON Schemas and AsyncAPI documents match the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_committed_contract_docs_are_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location(
        "export_contracts", ROOT / "scripts/export_contracts.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stale = module.stale_files()
    assert stale == [], f"run `make contracts` to regenerate: {stale}"

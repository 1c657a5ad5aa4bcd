"""Write (or check) the published contract documents under docs/.

python scripts/export_contracts.py          # regenerate
python scripts/export_contracts.py --check  # exit 1 when the committed copies are stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from lingban_contracts import REGISTRY
from lingban_contracts.asyncapi import (
    CLOUDEVENT_HEADERS_SCHEMA,
    ServiceContract,
    asyncapi_document,
    standalone_schema,
)
from lingban_notifications.contract import CONTRACT as NOTIFICATIONS
from lingban_projects.contract import CONTRACT as PROJECTS
from lingban_reporting.contract import CONTRACT as REPORTING
from lingban_supervision.contract import CONTRACT as SUPERVISION

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS: tuple[ServiceContract, ...] = (PROJECTS, SUPERVISION, NOTIFICATIONS, REPORTING)


def _render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def expected_files() -> dict[Path, str]:
    files: dict[Path, str] = {}
    schemas = ROOT / "docs/contracts/schemas"
    for spec in REGISTRY:
        files[schemas / f"{spec.type}.json"] = _render(standalone_schema(spec))
    files[ROOT / "docs/contracts/cloudevent-headers.json"] = _render(CLOUDEVENT_HEADERS_SCHEMA)
    for contract in CONTRACTS:
        files[ROOT / f"docs/asyncapi/{contract.service}.json"] = _render(
            asyncapi_document(contract)
        )
    return files


def stale_files() -> list[str]:
    stale = []
    expected = expected_files()
    for path, text in expected.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(str(path.relative_to(ROOT)))
    for folder in ("docs/contracts/schemas", "docs/asyncapi"):
        for path in (ROOT / folder).glob("*.json"):
            if path not in expected:
                stale.append(f"{path.relative_to(ROOT)} (no longer generated)")
    return stale


def main() -> int:
    if "--check" in sys.argv:
        stale = stale_files()
        for name in stale:
            print(f"stale: {name}")
        return 1 if stale else 0
    for folder in ("docs/contracts/schemas", "docs/asyncapi"):
        for path in (ROOT / folder).glob("*.json"):
            path.unlink()
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(expected_files())} contract documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

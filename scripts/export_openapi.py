"""Write (or check) each service's OpenAPI document for the workbench's generated types.

python scripts/export_openapi.py          # write web/workbench/openapi/<service>.json
python scripts/export_openapi.py --check  # exit 1 when a committed copy is stale

The documents come from the apps themselves (built, never started), so `npm run build`
(openapi-typescript, then vue-tsc) fails when an API the workbench uses has changed.
A file is rewritten only when its content changed, so an unchanged API does not make
`make` rebuild the workbench. Dev sign-in is switched on here so that its routes are
typed too; the services mount it only when LINGBAN_DEV_SIGN_IN is set.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "web" / "workbench" / "openapi"


def _apps() -> dict[str, Callable[[], FastAPI]]:
    # Imported after the environment is set: settings are read when an app is built.
    from lingban_notifications.app import create_app as notifications
    from lingban_projects.app import create_app as projects
    from lingban_reporting.app import create_app as reporting
    from lingban_supervision.app import create_app as supervision

    return {
        "projects": projects,
        "supervision": supervision,
        "notifications": notifications,
        "reporting": reporting,
    }


def expected_files() -> dict[Path, str]:
    from lingban_kit.auth import DEV_JWT_SECRET

    os.environ["LINGBAN_DEV_SIGN_IN"] = "true"
    os.environ["LINGBAN_ENV"] = "dev"  # dev sign-in is mounted only in development
    os.environ["LINGBAN_AUTH_JWT_SECRET"] = DEV_JWT_SECRET
    for name in ("LINGBAN_AUTH_JWKS_URL", "LINGBAN_AUTH_JWT_PUBLIC_KEY"):
        os.environ.pop(name, None)
    return {
        OUT / f"{name}.json": json.dumps(build().openapi(), ensure_ascii=False, indent=2) + "\n"
        for name, build in _apps().items()
    }


def main() -> int:
    expected = expected_files()
    if "--check" in sys.argv:
        stale = [
            str(path.relative_to(ROOT))
            for path, text in expected.items()
            if not path.exists() or path.read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"stale: {name} (run `make contracts`)")
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for path, text in expected.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

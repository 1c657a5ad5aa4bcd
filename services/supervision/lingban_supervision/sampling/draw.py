"""The stratified random draw as a pure function: same seed + same pool → same draw.

Algorithm `stratified-sha256-v1`, simple enough to redo by hand or in a
spreadsheet: group the pool by (township, category); in each stratum order
the projects by SHA-256 of `"<seed>:<project_id>"` (hex, ascending) and take
the first `per_stratum`. The order the pool arrives in does not matter, and
no random-number generator's version can change the result.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable

from lingban_contracts.events.supervision import PooledProject, Stratum

ALGORITHM = "stratified-sha256-v1"
STRATA_BY = ["township_code", "category"]


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seed_commitment(seed: str, salt: str) -> str:
    """The digest a sealed draw publishes before its seed: HMAC-SHA256 keyed by the salt.

    The salt is revealed with the seed, so anyone can check the commitment then,
    and nobody can test guessed seeds against it before. Draws recorded before
    salts existed have an empty salt and a plain SHA-256 of the seed.
    """
    if not salt:
        return sha256_hex(seed)
    return hmac.new(salt.encode(), seed.encode(), hashlib.sha256).hexdigest()


def ticket(seed: str, project_id: str) -> str:
    """A project's place in its stratum's lottery."""
    return sha256_hex(f"{seed}:{project_id}")


def pool_digest(pool: Iterable[PooledProject]) -> str:
    """SHA-256 of the pool as canonical JSON, sorted by project id."""
    rows = sorted((p.model_dump(mode="json") for p in pool), key=lambda r: r["project_id"])
    return sha256_hex(json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def draw(pool: Iterable[PooledProject], seed: str, per_stratum: int) -> list[Stratum]:
    strata: dict[tuple[str, str], list[PooledProject]] = {}
    for project in pool:
        strata.setdefault((project.township_code or "", project.category), []).append(project)
    result: list[Stratum] = []
    for (township, category), members in sorted(strata.items()):
        ordered = sorted(members, key=lambda p: (ticket(seed, p.project_id), p.project_id))
        chosen = [p.project_id for p in ordered[:per_stratum]]
        result.append(
            Stratum(
                township_code=township or None,
                category=category,
                pool_size=len(members),
                drawn=len(chosen),
                drawn_project_ids=chosen,
            )
        )
    return result


def drawn_ids(strata: Iterable[Stratum]) -> list[str]:
    return [pid for s in strata for pid in s.drawn_project_ids]

"""Read and replace the active reminder rules (validated; 422 names the field at fault)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body

from lingban_kit.auth import require_root_city_org
from lingban_kit.deps import PrincipalDep
from lingban_notifications.deps import RulesDep, WiringDep
from lingban_notifications.rules.model import RuleSet

router = APIRouter(prefix="/v1/rules", tags=["rules"])
log = logging.getLogger(__name__)


@router.get("", summary="The active reminder rules")
async def get_rules(principal: PrincipalDep, rules: RulesDep) -> RuleSet:
    return await rules.current()


@router.put("", summary="Replace the active reminder rules (city organisation department, root)")
async def put_rules(
    principal: PrincipalDep,
    rules: RulesDep,
    wiring: WiringDep,
    body: Annotated[dict[str, Any], Body()],
) -> RuleSet:
    require_root_city_org(principal, wiring.tree)
    replaced = await rules.replace(body)
    # The audit trail of a change that applies to every region.
    log.info(
        "reminder rules replaced",
        extra={
            "audit": "rules.replaced",
            "actor_id": principal.id,
            "actor_region": principal.region_code,
            "rule_ids": [r.id for r in replaced.rules],
        },
    )
    return replaced


@router.delete("", summary="Go back to the rules file (city organisation department, root)")
async def reset_rules(principal: PrincipalDep, rules: RulesDep, wiring: WiringDep) -> RuleSet:
    require_root_city_org(principal, wiring.tree)
    restored = await rules.reset()
    log.info(
        "reminder rules reset to the file",
        extra={
            "audit": "rules.reset",
            "actor_id": principal.id,
            "actor_region": principal.region_code,
        },
    )
    return restored

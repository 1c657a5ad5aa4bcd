"""Read and replace the active reminder rules (validated; 422 names the field at fault)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from lingban_kit.auth import Role
from lingban_kit.deps import PrincipalDep
from lingban_notifications.deps import RulesDep
from lingban_notifications.rules.model import RuleSet

router = APIRouter(prefix="/v1/rules", tags=["rules"])


@router.get("", summary="The active reminder rules")
async def get_rules(principal: PrincipalDep, rules: RulesDep) -> RuleSet:
    return await rules.current()


@router.put("", summary="Replace the active reminder rules (city organisation department)")
async def put_rules(
    principal: PrincipalDep, rules: RulesDep, body: Annotated[dict[str, Any], Body()]
) -> RuleSet:
    principal.require_any(Role.CITY_ORG)
    return await rules.replace(body)


@router.delete("", summary="Go back to the rules file")
async def reset_rules(principal: PrincipalDep, rules: RulesDep) -> RuleSet:
    principal.require_any(Role.CITY_ORG)
    return await rules.reset()
